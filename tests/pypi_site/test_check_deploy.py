"""``manage.py check --deploy`` as an operator runs it: in a subprocess, with the production
environment docs/operations.md gives and nothing else, after the deploy steps README lists
(``collectstatic`` among them)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.pypi_site.test_settings import documented_production_environment, manage

CLEAN = "System check identified no issues (0 silenced)."


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """A VAR_DIR whose STATIC_ROOT ``collectstatic`` has filled, with the production settings."""
    root = tmp_path_factory.mktemp("deployed")
    result = manage(root, documented_production_environment(), "collectstatic", "--noinput")
    assert result.returncode == 0, result.stderr
    assert (root / "var" / "static" / "staticfiles.json").exists()
    return root


def test_check_deploy_is_clean_with_the_documented_production_environment(collected):
    result = manage(
        collected, documented_production_environment(), "check", "--deploy", "--fail-level", "DEBUG"
    )

    assert result.returncode == 0, result.stderr
    assert CLEAN in result.stdout


def test_check_deploy_asks_for_collectstatic_when_it_was_not_run(tmp_path):
    result = manage(tmp_path, documented_production_environment(), "check", "--deploy")

    assert result.returncode != 0
    assert "(pypi_site.E001) The static files have not been collected" in result.stderr
    assert "python manage.py collectstatic --noinput" in result.stderr


def test_the_other_deploy_steps_do_not_stop_on_uncollected_static_files(tmp_path):
    """``migrate`` runs the checks and comes before ``collectstatic``: only ``--deploy`` asks."""
    assert manage(tmp_path, documented_production_environment(), "check").returncode == 0


@pytest.mark.parametrize(
    ("variable", "value", "warning"),
    [
        ("SECURE_SSL_REDIRECT", "false", "security.W008"),
        ("SECURE_HSTS_SECONDS", "0", "security.W004"),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "false", "security.W005"),
        ("SECURE_HSTS_PRELOAD", "false", "security.W021"),
    ],
)
def test_https_settings_come_from_the_environment(collected, variable, value, warning):
    """Each is on by default with an https SITE_URL, and an operator can turn it off (and is
    then warned, as Django warns)."""
    env = {**documented_production_environment(), variable: value}

    result = manage(collected, env, "check", "--deploy")

    assert f"({warning})" in result.stdout + result.stderr
    assert CLEAN not in result.stdout


@pytest.mark.django_db
def test_pages_answer_without_collected_static_files(client, settings, tmp_path, caplog):
    """A site started without ``collectstatic``: pages still answer (unhashed static names)
    and the log says once what to run, instead of every page answering 500."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "pypi_site.staticfiles.ManifestStaticFilesStorage"},
    }

    with caplog.at_level(logging.ERROR, logger="pypi_site.staticfiles"):
        for path in ("/", "/account/login/", "/search/?q=x"):
            assert client.get(path).status_code == 200, path

    errors = [r.getMessage() for r in caplog.records if r.name == "pypi_site.staticfiles"]
    assert len(errors) == 1 and "collectstatic" in errors[0]  # once, not per file or page
