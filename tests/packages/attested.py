"""A project with a file published from CI with real PEP 740 attestations, for the tests of
what is served from them (the Integrity API, the Simple API, the project page).

The file is the real sdist of pypi-attestations 0.0.19 and its attestation, published from
GitHub Actions (trailofbits/pypi-attestations, release.yml): tests/data/attestations/README.md
says where they came from. It is uploaded over HTTP with an upload token minted for a trusted
publisher of that repository, as the token endpoint mints one; the attestation is verified
offline (``offline_sigstore``: no network, an empty Sigstore cache).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from packages.models import File, Project, TrustedPublisher
from packages.oidc.minting import mint
from packages.services import publishers
from packages.services.events import Actor
from packages.services.projects import create_project
from tests import uploads

DATA = Path(__file__).resolve().parent.parent / "data" / "attestations"
PROJECT = "pypi-attestations"
VERSION = "0.0.19"
SDIST = "pypi_attestations-0.0.19.tar.gz"
WHEEL = "pypi_attestations-0.0.19-py3-none-any.whl"
REPOSITORY = "trailofbits/pypi-attestations"
GITHUB = {
    "repository_owner": "trailofbits",
    "repository_name": "pypi-attestations",
    "workflow_filename": "release.yml",
}
# The claims of the CI run that published 0.0.19, as GitHub's token would carry them.
CLAIMS = {
    "repository": REPOSITORY,
    "repository_owner": "trailofbits",
    "repository_owner_id": "2314423",
    "job_workflow_ref": f"{REPOSITORY}/.github/workflows/release.yml@refs/tags/v0.0.19",
    "ref": "refs/tags/v0.0.19",
    "sha": "0" * 40,
    "jti": "a-ci-run",
    "event_name": "release",
}


@pytest.fixture
def offline_sigstore(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No network, and a Sigstore cache that starts empty (seeded from the library's own
    trust root), as in tests/packages/test_attestations.py."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access in an offline test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    yield


def provenance_document() -> dict[str, Any]:
    """The provenance object the public index serves for the sdist."""
    return json.loads((DATA / f"{SDIST}.provenance.json").read_text())


def attestation() -> dict[str, Any]:
    """The PyPI Publish attestation the CI run uploaded with the sdist."""
    return provenance_document()["attestation_bundles"][0]["attestations"][0]


def github_publisher(project: Project) -> TrustedPublisher:
    return publishers.add_publisher(project, "github", GITHUB, actor=Actor(user=None))


def publisher_token(publisher: TrustedPublisher) -> str:
    token, _expires = mint(publisher, CLAIMS, actor=Actor(user=None))
    return token


def sdist_upload(*, attested: bool = True) -> uploads.Upload:
    upload = uploads.for_file(SDIST, (DATA / SDIST).read_bytes(), name=PROJECT, version=VERSION)
    if attested:
        upload.add("attestations", json.dumps([attestation()]))
    return upload


@dataclass
class Published:
    project: Project
    publisher: TrustedPublisher
    sdist: File  # published with its attestation: it has provenance
    wheel: File  # published by the same publisher without attestations


def create_project_with_publisher(owner: User) -> tuple[Project, TrustedPublisher]:
    """``pypi-attestations``, owned by ``owner``, without files, and its GitHub publisher."""
    project = create_project(PROJECT, actor=Actor(user=owner))
    return project, github_publisher(project)


def publish(client: Client, owner: User) -> Published:
    """``pypi-attestations`` owned by ``owner``, its GitHub publisher, and 0.0.19's attested
    sdist and an unattested wheel uploaded with the publisher's token."""
    project, publisher = create_project_with_publisher(owner)
    token = publisher_token(publisher)
    response = sdist_upload().post(client, token)
    assert response.status_code == 200, response.content
    response = uploads.wheel_upload(PROJECT, VERSION).post(client, token)
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    return Published(
        project=project,
        publisher=publisher,
        sdist=File.objects.get(filename=SDIST),
        wheel=File.objects.get(filename=WHEEL),
    )
