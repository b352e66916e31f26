"""pypi-simple reading ``/simple/`` as HTML (PEP 503) and as JSON (PEP 691)."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pypi_simple
import pytest
import requests
from packaging.specifiers import SpecifierSet

from .clients import build, project_json, publish, sha256
from .site import Site

pytestmark = pytest.mark.interop

PROJECT = "simple-client"
REQUIRES_PYTHON = ">=3.8,<4"  # both characters HTML-escaped in the page


@pytest.fixture(scope="module")
def published(site: Site, token: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """1.0 (wheel and sdist, with Requires-Python) and 1.1 (wheel, yanked), by filename."""
    directory = tmp_path_factory.mktemp(PROJECT)
    dists = [
        *build(directory, PROJECT, "1.0", metadata={"requires_python": REQUIRES_PYTHON}),
        *build(directory, PROJECT, "1.1", sdist=False),
    ]
    publish(site, token, dists)
    site.yank(PROJECT, "1.1", reason="broken build")
    return {path.name: path for path in dists}


def wheel_metadata(path: Path) -> bytes:
    with zipfile.ZipFile(path) as wheel:
        [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        return wheel.read(name)


@pytest.fixture(
    params=[pypi_simple.ACCEPT_HTML_ONLY, pypi_simple.ACCEPT_JSON_ONLY], ids=["html", "json"]
)
def accept(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def client(site: Site, accept: str) -> Iterator[pypi_simple.PyPISimple]:
    session = requests.Session()
    session.trust_env = False  # no proxy or netrc from the environment: the loopback site only
    with pypi_simple.PyPISimple(
        endpoint=f"{site.url}/simple/", accept=accept, session=session
    ) as client:
        yield client


def test_index_page(client: pypi_simple.PyPISimple, published: dict[str, Path]) -> None:
    assert PROJECT in client.get_index_page(timeout=30).projects


def test_project_page(
    site: Site, client: pypi_simple.PyPISimple, accept: str, published: dict[str, Path]
) -> None:
    page = client.get_project_page(PROJECT, timeout=30)

    assert int(page.last_serial) == project_json(site, PROJECT)["last_serial"]
    packages = {package.filename: package for package in page.packages}
    assert set(packages) == set(published)
    for filename, path in published.items():
        package = packages[filename]
        assert package.digests == {"sha256": sha256(path)}
        assert package.is_yanked == (package.version == "1.1")
        if package.version == "1.0":
            assert SpecifierSet(package.requires_python) == SpecifierSet(REQUIRES_PYTHON)
        else:
            assert package.requires_python is None
        if package.package_type == "wheel":
            metadata_digest = hashlib.sha256(wheel_metadata(path)).hexdigest()
            assert package.has_metadata is True
            assert package.metadata_digests == {"sha256": metadata_digest}
        else:
            assert not package.has_metadata
    assert packages["simple_client-1.1-py3-none-any.whl"].yanked_reason == "broken build"
    if accept == pypi_simple.ACCEPT_JSON_ONLY:  # PEP 700 data only exists in JSON
        assert page.versions == ["1.0", "1.1"]
        assert all(packages[f].size == p.stat().st_size for f, p in published.items())
        assert all(package.upload_time is not None for package in page.packages)


def test_download_and_metadata(
    client: pypi_simple.PyPISimple, published: dict[str, Path], tmp_path: Path
) -> None:
    page = client.get_project_page(PROJECT, timeout=30)

    for package in page.packages:
        downloaded = tmp_path / package.filename
        client.download_package(package, downloaded, verify=True, timeout=30)
        assert downloaded.read_bytes() == published[package.filename].read_bytes()
    wheel = next(p for p in page.packages if p.filename == "simple_client-1.0-py3-none-any.whl")
    metadata = client.get_package_metadata(wheel, verify=True, timeout=30)
    assert metadata == wheel_metadata(published[wheel.filename]).decode()


def test_unknown_project(client: pypi_simple.PyPISimple) -> None:
    with pytest.raises(pypi_simple.NoSuchProjectError):
        client.get_project_page("simple-client-nowhere", timeout=30)
