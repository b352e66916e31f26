"""The project management API as a script uses it: ``curl`` with an "upload and manage" token
against the running site, and pip and twine seeing the result at once."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .clients import (
    build,
    explain,
    imported_version,
    output,
    pip,
    project_json,
    publish,
    succeeded,
    twine_upload,
)
from .site import Site

pytestmark = pytest.mark.interop

PROJECT = "api-demo"


def curl(site: Site, token: str, method: str, path: str, body: dict[str, Any] | None = None):
    """``curl`` as the documentation shows it; (status, parsed JSON body or None)."""
    args = ["curl", "-sS", "-X", method, "-H", f"Authorization: Bearer {token}"]
    args += ["-w", "\n%{http_code}", f"{site.url}{path}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data", json.dumps(body)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    text, _, status = done.stdout.rpartition("\n")
    return int(status), (json.loads(text) if text.strip() else None)


def install(site: Site, target: Path, requirement: str) -> subprocess.CompletedProcess[str]:
    return pip("install", "--index-url", f"{site.url}/simple/", "--target", target, requirement)


@pytest.fixture(scope="module")
def dists(site: Site, token: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp(PROJECT)
    wheels = {v: build(directory, PROJECT, v, sdist=False)[0] for v in ("1.0", "2.0", "3.0")}
    publish(site, token, list(wheels.values()))
    return wheels


def test_a_script_yanks_unyanks_and_deletes(
    site: Site, publisher: str, dists: dict[str, Path], tmp_path: Path
) -> None:
    upload_only = site.token(publisher, [PROJECT])
    manager = site.token(publisher, [PROJECT], manage=True)
    base = f"/api/projects/{PROJECT}"

    status, body = curl(site, upload_only, "POST", f"{base}/releases/3.0/yank/")
    assert status == 403, body
    assert "upload and manage" in body["detail"]

    status, body = curl(site, manager, "POST", f"{base}/releases/3.0/yank/", {"reason": "bad"})
    assert (status, body["yanked"], body["yanked_reason"]) == (200, True, "bad")
    succeeded(install(site, tmp_path / "after-yank", PROJECT))
    assert imported_version("api_demo", path=tmp_path / "after-yank") == "2.0"
    assert project_json(site, PROJECT)["releases"]["3.0"][0]["yanked_reason"] == "bad"

    status, _ = curl(site, manager, "POST", f"{base}/releases/3.0/unyank/")
    assert status == 200
    succeeded(install(site, tmp_path / "after-unyank", PROJECT))
    assert imported_version("api_demo", path=tmp_path / "after-unyank") == "3.0"

    wheel = dists["1.0"]
    status, _ = curl(site, manager, "DELETE", f"{base}/files/{wheel.name}/")
    assert status == 204
    assert project_json(site, PROJECT)["releases"]["1.0"] == []  # a release without files
    again = twine_upload(site, manager, [wheel])
    assert again.returncode != 0, explain(again)
    assert "previously used" in output(again), explain(again)

    status, body = curl(site, manager, "GET", f"{base}/")
    assert status == 200
    assert [(r["version"], len(r["files"])) for r in body["releases"]] == [
        ("3.0", 1),
        ("2.0", 1),
        ("1.0", 0),
    ]
