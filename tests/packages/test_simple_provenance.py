"""PEP 740 in the Simple API: each file names its provenance's Integrity API address
(``"provenance"`` in JSON, ``data-provenance`` in HTML), for a file published from CI with a
real attestation (tests/packages/attested.py)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages.models import Provenance
from packages.provenance import provenance_path
from tests import uploads
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory

from .attested import (
    PROJECT,
    SDIST,
    VERSION,
    WHEEL,
    Published,
    create_project_with_publisher,
    offline_sigstore,  # noqa: F401 - a fixture, used by name
    publish,
    publisher_token,
    sdist_upload,
)
from .test_simple import V1_JSON, anchors, get

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_sigstore")]

PROVENANCE = "http://testserver" + provenance_path(PROJECT, VERSION, SDIST)


@pytest.fixture
def published(client, publisher) -> Published:
    return publish(client, publisher)


def json_files(client, url: str = f"/simple/{PROJECT}/") -> dict[str, dict]:
    response = get(client, url, V1_JSON)
    assert response.status_code == 200
    return {entry["filename"]: entry for entry in json.loads(response.content)["files"]}


def html_anchors(client, url: str = f"/simple/{PROJECT}/") -> dict[str, dict[str, str]]:
    response = get(client, url)
    assert response.status_code == 200
    return {anchor["text"]: anchor for anchor in anchors(response.content)}


def test_json_names_the_provenance_of_the_attested_file_and_null_for_the_other(client, published):
    files = json_files(client)

    assert files[SDIST]["provenance"] == PROVENANCE
    assert files[WHEEL]["provenance"] is None  # PEP 740: the key is there, null


def test_html_names_it_in_data_provenance_on_the_attested_file_only(client, published):
    found = html_anchors(client)

    assert found[SDIST]["data-provenance"] == PROVENANCE
    assert "data-provenance" not in found[WHEEL]


def test_every_file_has_the_key_in_json(client, token):
    assert uploads.wheel_upload("plain", "1.0").post(client, token).status_code == 200

    (entry,) = json_files(client, "/simple/plain/").values()

    assert entry["provenance"] is None


def test_the_address_serves_the_provenance(client, published):
    url = json_files(client)[SDIST]["provenance"]

    response = client.get(url.removeprefix("http://testserver"))

    assert response.status_code == 200
    assert response.json() == published.sdist.provenance.document


def test_the_address_is_on_this_site_when_files_are_served_elsewhere(client, published, settings):
    settings.FILES_URL = "https://files.example"

    entry = json_files(client)[SDIST]

    assert entry["url"].startswith("https://files.example/")
    assert entry["provenance"] == PROVENANCE


def test_the_address_follows_the_host_the_client_reached(client, published, settings):
    settings.ALLOWED_HOSTS = ["*"]

    response = client.get(f"/simple/{PROJECT}/", HTTP_ACCEPT=V1_JSON, HTTP_HOST="mirror.example")
    files = {f["filename"]: f for f in json.loads(response.content)["files"]}

    assert files[SDIST]["provenance"] == PROVENANCE.replace("testserver", "mirror.example")


def test_a_new_attested_upload_moves_the_serial_and_shows(client, publisher):
    project, publisher_row = create_project_with_publisher(publisher)
    before = get(client, f"/simple/{PROJECT}/", V1_JSON)
    assert json.loads(before.content)["files"] == []

    response = sdist_upload().post(client, publisher_token(publisher_row))
    assert response.status_code == 200

    after = get(client, f"/simple/{PROJECT}/", V1_JSON)
    project.refresh_from_db()
    assert after["X-PyPI-Last-Serial"] == str(project.last_serial) != before["X-PyPI-Last-Serial"]
    assert json.loads(after.content)["files"][0]["provenance"] == PROVENANCE


# Query counts ------------------------------------------------------------------------------------


def project_with_provenance(name: str, files: int) -> None:
    """``files`` wheels of one release, every other one with provenance."""
    release = ReleaseFactory(project=ProjectFactory(name=name), version="1.0")
    for number in range(files):
        file = FileFactory(release=release, filename=f"{name}-1.0-py3-none-any-{number}.whl")
        if number % 2 == 0:
            Provenance.objects.create(file=file, document={"version": 1})


def count_queries(client, url: str, accept: str | None) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert get(client, url, accept).status_code == 200
    return len(queries)


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_provenance_adds_no_query(client, accept):
    """The same three queries as tests/packages/test_simple.py counts: the project, its
    releases, and the files with whether each has provenance (a join, not a query per file)."""
    project_with_provenance("one", 1)
    project_with_provenance("many", 60)

    assert count_queries(client, "/simple/one/", accept) == 3
    assert count_queries(client, "/simple/many/", accept) == 3
    body = get(client, "/simple/many/", accept).content
    assert body.count(b"/provenance") == 30
