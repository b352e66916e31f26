"""bandersnatch mirroring the site, through XML-RPC and through the Simple JSON index.

The mirror must hold what the site serves, byte for byte; a second run must fetch only what
changed since the serial the first one reached; pip must install from the mirror.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .clients import (
    build,
    explain,
    imported_version,
    pip,
    project_json,
    publish,
    run,
    sha256,
    succeeded,
)
from .site import BIN, Site

pytestmark = pytest.mark.interop


def write_config(path: Path, site: Site, mirror: Path, project: str, api_method: str) -> Path:
    # Only this test's project: the site is shared with the other tests of the session.
    path.write_text(
        f"""\
[mirror]
directory = {mirror}
master = {site.url}
allow-non-https = true
json = true
workers = 1
timeout = 30
global-timeout = 300
stop-on-error = true
hash-index = false
storage-backend = filesystem
release-files = true
simple-format = ALL
api-method = {api_method}

[plugins]
enabled =
    allowlist_project

[allowlist]
packages =
    {project}
"""
    )
    return path


def mirror_serial(mirror: Path) -> int:
    return int((mirror / "status").read_text())


def assert_mirrored(mirror: Path, name: str, served: dict[str, Any], dists: list[Path]) -> None:
    """The mirror's simple pages, JSON and files match what the site serves and was uploaded."""
    uploaded = {path.name: sha256(path) for path in dists}
    files = [f for release in served["releases"].values() for f in release]
    assert {f["filename"]: f["digests"]["sha256"] for f in files} == uploaded

    web = mirror / "web"
    for f in files:
        stored = web / urlsplit(f["url"]).path.lstrip("/")
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == uploaded[f["filename"]]
    html = (web / "simple" / name / "index.html").read_text()
    for filename, digest in uploaded.items():
        assert f"{filename}#sha256={digest}" in html, html
    page = json.loads((web / "simple" / name / "index.v1_json").read_text())
    assert {f["filename"]: f["hashes"]["sha256"] for f in page["files"]} == uploaded
    assert name in (web / "simple" / "index.html").read_text()
    for document in (web / "json" / name, web / "pypi" / name / "json"):
        mirrored = json.loads(document.read_text())
        assert mirrored["info"]["name"] == name
        assert set(mirrored["releases"]) == set(served["releases"])


@pytest.mark.parametrize("api_method", ["xmlrpc", "simple"])
def test_mirror(site: Site, token: str, tmp_path: Path, api_method: str) -> None:
    name = f"mirror-by-{api_method}"
    first = build(tmp_path / "v1", name, "1.0")
    publish(site, token, first)
    mirror = tmp_path / "mirror"
    config = write_config(tmp_path / "bandersnatch.conf", site, mirror, name, api_method)
    command = [BIN / "bandersnatch", "--config", config, "mirror"]

    succeeded(run(command))

    served = project_json(site, name)
    assert_mirrored(mirror, name, served, first)
    reached = mirror_serial(mirror)
    assert reached >= served["last_serial"]

    second = build(tmp_path / "v2", name, "2.0", sdist=False)
    publish(site, token, second)
    mark = site.log_mark()

    proc = succeeded(run(command))

    served = project_json(site, name)
    assert_mirrored(mirror, name, served, first + second)
    assert mirror_serial(mirror) >= served["last_serial"] > reached, explain(proc)
    fetched = {r.path for r in site.requests(mark) if r.path.startswith("/packages/")}
    assert fetched == {urlsplit(f["url"]).path for f in served["releases"]["2.0"]}, explain(proc)

    target = tmp_path / "installed"
    index = (mirror / "web" / "simple").as_uri() + "/"
    succeeded(pip("install", "--index-url", index, "--target", target, name))
    assert imported_version("mirror_by_" + api_method, path=target) == "2.0"
