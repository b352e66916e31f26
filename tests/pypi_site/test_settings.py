"""The settings as an operator meets them: ``manage.py`` run in a subprocess with nothing but
the environment the documentation gives, as on a production machine."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTED = "### A complete production environment"


def documented_production_environment() -> dict[str, str]:
    """The variables of docs/operations.md's production environment, placeholders filled."""
    text = (REPO / "docs" / "operations.md").read_text()
    section = text[text.index(DOCUMENTED) :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("=")
        env[name] = re.sub(r"<[^>]*>", lambda _: secrets.token_urlsafe(64), value)
    return env


def manage(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "pypi_site.settings.base",
            "VAR_DIR": str(tmp_path / "var"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", ""),
        ("SECRET_KEY", "short-but-secret"),
        ("SECRET_KEY", "a" * 64),
        ("SECRET_KEY", "django-insecure-" + secrets.token_urlsafe(48)),
        ("DATA_SECRET_KEY", "0123456789"),
    ],
    ids=["missing", "short", "few-characters", "django-default", "weak-data-key"],
)
def test_production_refuses_to_start_with_a_weak_key(tmp_path, variable, value):
    env = documented_production_environment()
    env[variable] = value

    result = manage(tmp_path, env, "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable} " in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()
    # make run and local sites (http SITE_URL) keep their random key in var/.
    env.update(SITE_URL="http://localhost:8000", ALLOWED_HOSTS="localhost")
    assert manage(tmp_path, env, "check").returncode == 0


def test_a_security_store_of_one_process_is_refused(tmp_path):
    result = manage(tmp_path, {"SECURITY_CACHE_URL": "locmemcache://"}, "check")
    assert result.returncode != 0
    assert "SECURITY_CACHE_URL must name a store every worker and node shares" in result.stderr
