"""The issuer and audience settings as an operator meets them: ``manage.py`` in a subprocess
with the environment given (a plain-http issuer is refused at start-up unless on loopback)."""

from __future__ import annotations

import json

import pytest

from tests.pypi_site.test_settings import manage

PRINT = (
    "from django.conf import settings as s; import json; print(json.dumps([s.OIDC_AUDIENCE, "
    "s.OIDC_GITHUB_ISSUER, s.OIDC_GITLAB_ISSUER, s.OIDC_GOOGLE_ISSUER, s.OIDC_ACTIVESTATE_ISSUER]))"
)


def configured(tmp_path, **env: str) -> list[str]:
    result = manage(tmp_path, env, "shell", "-c", PRINT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_defaults_are_the_platforms_issuers_and_this_sites_host(tmp_path):
    assert configured(tmp_path, SITE_URL="http://index.localhost:8000") == [
        "index.localhost",
        "https://token.actions.githubusercontent.com",
        "https://gitlab.com",
        "https://accounts.google.com",
        "https://platform.activestate.com/api/v1/oauth/oidc",
    ]


def test_loopback_issuers_may_be_plain_http_and_an_empty_one_turns_its_provider_off(tmp_path):
    assert configured(
        tmp_path,
        OIDC_AUDIENCE="index-audience",
        OIDC_GITHUB_ISSUER="http://127.0.0.1:9000/github/",
        OIDC_GITLAB_ISSUER="http://[::1]:9000/gitlab",
        OIDC_GOOGLE_ISSUER="http://localhost:9000/google",
        OIDC_ACTIVESTATE_ISSUER="",
    ) == [
        "index-audience",
        "http://127.0.0.1:9000/github",  # without its trailing slash, as tokens name it
        "http://[::1]:9000/gitlab",
        "http://localhost:9000/google",
        "",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "http://gitlab.example.org",
        "http://10.0.0.8:8080",
        "http://127.0.0.1.example.org",
        "ftp://127.0.0.1/issuer",
        "gitlab.example.org",
    ],
)
def test_any_other_issuer_url_stops_start_up(tmp_path, url):
    result = manage(tmp_path, {"OIDC_GITLAB_ISSUER": url}, "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured: OIDC_GITLAB_ISSUER must be an https:// URL" in result.stderr
    assert repr(url) in result.stderr
