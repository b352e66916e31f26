"""uv against the site: ``uv pip install`` from ``/simple/`` and ``uv publish`` to ``/legacy/``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .clients import (
    build,
    client_env,
    explain,
    imported_version,
    output,
    project_json,
    publish,
    run,
    sha256,
    succeeded,
)
from .site import BIN, Site

pytestmark = pytest.mark.interop

PROJECT = "uv-demo"


@pytest.fixture(scope="module")
def uv_demo(site: Site, token: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """``uv-demo`` 1.0 (wheel and sdist) and 2.0 (wheel)."""
    directory = tmp_path_factory.mktemp("uv-demo")
    dists = [*build(directory, PROJECT, "1.0"), *build(directory, PROJECT, "2.0", sdist=False)]
    publish(site, token, dists)


class Uv:
    """uv with no configuration but its own cache, run from a scratch directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.env = client_env(
            UV_NO_CONFIG="1",
            UV_PYTHON_DOWNLOADS="never",
            UV_CACHE_DIR=str(directory / "uv-cache"),
        )

    def __call__(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return run([BIN / "uv", *args], env=self.env, cwd=self.directory)

    def venv(self, name: str = "venv") -> Path:
        # The interpreter running the tests: uv must not look for (or download) another.
        succeeded(self("venv", "--python", BIN / "python", self.directory / name))
        return self.directory / name / "bin" / "python"

    def install(
        self, site: Site, python: Path, *requirements: str
    ) -> subprocess.CompletedProcess[str]:
        return self(
            "pip",
            "install",
            "--python",
            python,
            "--index-url",
            f"{site.url}/simple/",
            "--no-cache",
            *requirements,
        )


@pytest.fixture
def uv(tmp_path: Path) -> Uv:
    return Uv(tmp_path)


def test_install_pinned_version(site: Site, uv_demo: None, uv: Uv) -> None:
    python = uv.venv()

    succeeded(uv.install(site, python, f"{PROJECT}==1.0"))

    assert imported_version("uv_demo", python=python) == "1.0"


def test_install_latest_version(site: Site, uv_demo: None, uv: Uv) -> None:
    python = uv.venv()

    succeeded(uv.install(site, python, PROJECT))

    assert imported_version("uv_demo", python=python) == "2.0"


def test_publish(site: Site, publisher: str, token: str, uv: Uv, tmp_path: Path) -> None:
    name = "uv-published"
    first = build(tmp_path / "v1", name, "1.0")
    second = build(tmp_path / "v2", name, "2.0")
    legacy = ["--publish-url", f"{site.url}/legacy/", "--trusted-publishing", "never"]

    succeeded(uv("publish", *legacy, "--token", token, *first))
    scoped = site.token(publisher, projects=[name])
    succeeded(uv("publish", *legacy, "-u", "__token__", "-p", scoped, *second))
    # With --check-url uv compares against the index and skips files already there.
    again = succeeded(
        uv("publish", *legacy, "--check-url", f"{site.url}/simple/", "--token", token, *second)
    )

    assert output(again).count("already exists") == 2, explain(again)
    releases = project_json(site, name)["releases"]
    for version, dists in (("1.0", first), ("2.0", second)):
        listed = {f["filename"]: f["digests"]["sha256"] for f in releases[version]}
        assert listed == {path.name: sha256(path) for path in dists}
    python = uv.venv()
    succeeded(uv.install(site, python, name))
    assert imported_version("uv_published", python=python) == "2.0"
