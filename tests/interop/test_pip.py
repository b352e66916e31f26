"""pip against ``/simple/``: install, version resolution, hash checking, yanking, PEP 658."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .clients import (
    build,
    explain,
    imported_version,
    output,
    pip,
    project_json,
    publish,
    sha256,
    succeeded,
)
from .site import Site

pytestmark = pytest.mark.interop

PROJECT = "pip-demo"
Dists = dict[str, list[Path]]  # distribution files by version


@pytest.fixture(scope="module")
def pip_demo(site: Site, token: str, tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """``pip-demo`` 1.0 (wheel and sdist) and 2.0 (wheel), by version."""
    directory = tmp_path_factory.mktemp("pip-demo")
    dists = {
        "1.0": build(directory, PROJECT, "1.0"),
        "2.0": build(directory, PROJECT, "2.0", sdist=False),
    }
    publish(site, token, [*dists["1.0"], *dists["2.0"]])
    return dists


def install(
    site: Site, target: Path, *requirements: str, verbose: bool = False
) -> subprocess.CompletedProcess[str]:
    return pip(
        "install",
        *(["-v"] if verbose else []),
        "--index-url",
        f"{site.url}/simple/",
        "--target",
        target,
        *requirements,
    )


def test_install_pinned_version(site: Site, pip_demo: Dists, tmp_path: Path) -> None:
    succeeded(install(site, tmp_path, f"{PROJECT}==1.0"))

    assert imported_version("pip_demo", path=tmp_path) == "1.0"


def test_install_uses_the_core_metadata_file(site: Site, pip_demo: Dists, tmp_path: Path) -> None:
    wheel = pip_demo["2.0"][0]
    mark = site.log_mark()

    succeeded(install(site, tmp_path, f"{PROJECT}==2.0", verbose=True))

    assert site.requested(mark, "GET", f"/{wheel.name}.metadata"), site.requests(mark)
    assert site.requested(mark, "GET", f"/{wheel.name}"), site.requests(mark)


def test_download_with_required_hashes(site: Site, pip_demo: Dists, tmp_path: Path) -> None:
    wheel = pip_demo["1.0"][0]
    release = project_json(site, PROJECT)["releases"]["1.0"]
    digest = next(f["digests"]["sha256"] for f in release if f["filename"] == wheel.name)
    assert digest == sha256(wheel)
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(f"{PROJECT}==1.0 --hash=sha256:{digest}\n")
    bad.write_text(f"{PROJECT}==1.0 --hash=sha256:{'0' * 64}\n")
    index = ["--index-url", f"{site.url}/simple/", "--no-deps", "--require-hashes"]

    succeeded(pip("download", *index, "-d", tmp_path / "good", "-r", good))
    refused = pip("download", *index, "-d", tmp_path / "bad", "-r", bad)

    assert sha256(tmp_path / "good" / wheel.name) == digest
    assert refused.returncode != 0, explain(refused)
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in output(refused), explain(refused)
    assert not (tmp_path / "bad" / wheel.name).exists()


def test_resolution_picks_the_latest_installable_release(
    site: Site, token: str, tmp_path: Path
) -> None:
    name = "pip-yank"
    dists = [
        path
        for version in ("1.0", "2.0", "3.0", "4.0b1")
        for path in build(tmp_path / "dist", name, version, sdist=False)
    ]
    publish(site, token, dists)

    succeeded(install(site, tmp_path / "before", name))
    site.yank(name, "3.0", reason="broken")
    succeeded(install(site, tmp_path / "after", name))
    succeeded(install(site, tmp_path / "pinned", f"{name}==3.0"))

    # Pre-releases only when asked for; a yanked release only when pinned exactly (PEP 592).
    assert imported_version("pip_yank", path=tmp_path / "before") == "3.0"
    assert imported_version("pip_yank", path=tmp_path / "after") == "2.0"
    assert imported_version("pip_yank", path=tmp_path / "pinned") == "3.0"
