"""``GET /integrity/<project>/<version>/<filename>/provenance``: the provenance of a file
published from CI with a real attestation (tests/packages/attested.py), its negotiation, its
refusals and its caching."""

from __future__ import annotations

import json

import pytest

from packages.models import Project
from packages.provenance import APPLICATION_JSON, INTEGRITY_V1_JSON, provenance_path
from packages.services.events import Actor
from packages.services.projects import quarantine_project, release_from_quarantine
from packages.services.releases import delete_file

from .attested import (
    DATA,
    PROJECT,
    SDIST,
    VERSION,
    WHEEL,
    Published,
    offline_sigstore,  # noqa: F401 - a fixture, used by name
    publish,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_sigstore")]

URL = provenance_path(PROJECT, VERSION, SDIST)


@pytest.fixture
def published(client, publisher) -> Published:
    return publish(client, publisher)


def not_found(filename: str) -> dict[str, str]:
    return {"message": f"No provenance available for {filename}"}


def test_the_provenance_of_an_attested_file(client, published):
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == INTEGRITY_V1_JSON
    document = json.loads(response.content)
    assert document == published.sdist.provenance.document
    (bundle,) = document["attestation_bundles"]
    assert bundle["publisher"] == {
        "kind": "GitHub",
        "repository": "trailofbits/pypi-attestations",
        "workflow": "release.yml",
        "environment": None,
    }


def test_the_body_is_what_the_public_index_serves_for_the_file(client, published):
    served = (DATA / f"{SDIST}.provenance.json").read_bytes()

    assert client.get(URL).content == served


def test_the_headers_are_the_simple_apis(client, published):
    response = client.get(URL)

    assert response["Cache-Control"] == "public, max-age=600"
    assert response["Surrogate-Key"] == f"project/{PROJECT}"
    assert response["Surrogate-Control"].startswith("max-age=86400")
    assert response["X-PyPI-Last-Serial"] == str(published.project.last_serial)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Vary"] == "Accept"
    assert "Content-Language" not in response


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, INTEGRITY_V1_JSON),
        ("*/*", INTEGRITY_V1_JSON),
        (INTEGRITY_V1_JSON, INTEGRITY_V1_JSON),
        (APPLICATION_JSON, APPLICATION_JSON),
        (f"{INTEGRITY_V1_JSON};q=0.5, {APPLICATION_JSON}", APPLICATION_JSON),
    ],
)
def test_the_answer_is_negotiated(client, published, accept, content_type):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}

    response = client.get(URL, **headers)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type


@pytest.mark.parametrize("accept", ["text/html", "application/xml, text/plain;q=0.5"])
def test_an_accept_without_json_is_406(client, published, accept):
    response = client.get(URL, HTTP_ACCEPT=accept)

    assert response.status_code == 406
    assert response.json() == {"message": "Request not acceptable"}


def test_a_file_without_provenance_is_404(client, published):
    response = client.get(provenance_path(PROJECT, VERSION, WHEEL))

    assert response.status_code == 404
    assert response["Content-Type"] == APPLICATION_JSON
    assert response.json() == not_found(WHEEL)
    assert response["Surrogate-Key"] == f"project/{PROJECT}"  # purged if the file goes


@pytest.mark.parametrize(
    ("name", "version"),
    [("PyPI.Attestations", VERSION), ("pypi_attestations", "0.0.19.0"), (PROJECT, "v0.0.19")],
    ids=["name-spelling", "version-zeros", "version-prefix"],
)
def test_other_spellings_of_the_name_and_version_find_the_file(client, published, name, version):
    assert client.get(provenance_path(name, version, SDIST)).status_code == 200


@pytest.mark.parametrize(
    ("name", "version", "filename"),
    [
        ("other", VERSION, SDIST),
        (PROJECT, "0.0.20", SDIST),
        (PROJECT, VERSION, "pypi_attestations-0.0.20.tar.gz"),
    ],
    ids=["other-project", "other-version", "unknown-file"],
)
def test_a_file_that_is_not_there_is_404(client, published, name, version, filename):
    response = client.get(provenance_path(name, version, filename))

    assert response.status_code == 404
    assert response.json() == not_found(filename)


def test_a_quarantined_project_has_none_until_released(client, published):
    quarantine_project(published.project, actor=Actor(user=None))

    response = client.get(URL)
    assert response.status_code == 404
    assert response.json() == not_found(SDIST)

    release_from_quarantine(Project.objects.get(), actor=Actor(user=None))
    assert client.get(URL).status_code == 200


def test_a_deleted_file_has_none(client, published):
    delete_file(published.sdist, actor=Actor(user=None))

    assert client.get(URL).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_safe_methods(client, published, method):
    assert getattr(client, method)(URL).status_code == 405


def test_head_answers_like_get(client, published):
    response = client.head(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == INTEGRITY_V1_JSON
