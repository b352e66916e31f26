"""The Integrity API's answers and the provenance address the Simple API gives a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packages.provenance import (
    APPLICATION_JSON,
    INTEGRITY_V1_JSON,
    disabled_body,
    negotiate,
    not_acceptable_body,
    not_found_body,
    provenance_body,
    provenance_path,
    provenance_url,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "attestations"
SERVED = DATA / "pypi_attestations-0.0.19.tar.gz.provenance.json"


def test_the_body_is_the_stored_document_written_as_the_public_index_writes_it() -> None:
    """The real provenance kept in tests/data is sorted, compact JSON ending in a newline:
    writing the document back gives the same bytes."""
    assert provenance_body(json.loads(SERVED.read_bytes())) == SERVED.read_bytes()


def test_the_address_of_a_file() -> None:
    assert provenance_path("pypi-attestations", "0.0.19", "pypi_attestations-0.0.19.tar.gz") == (
        "/integrity/pypi-attestations/0.0.19/pypi_attestations-0.0.19.tar.gz/provenance"
    )
    assert provenance_url("https://index.example/", "Sample", "1.0", "sample-1.0.tar.gz") == (
        "https://index.example/integrity/Sample/1.0/sample-1.0.tar.gz/provenance"
    )


def test_the_address_keeps_plus_signs_and_quotes_what_a_path_cannot_hold() -> None:
    path = provenance_path("sample", "1.0+local", "sample-1.0+local-py3-none-any.whl")
    assert path == "/integrity/sample/1.0+local/sample-1.0+local-py3-none-any.whl/provenance"
    assert provenance_path("a/b", "1 0", "x?.whl") == "/integrity/a%2Fb/1%200/x%3F.whl/provenance"


@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        (None, INTEGRITY_V1_JSON),
        ("", INTEGRITY_V1_JSON),
        ("*/*", INTEGRITY_V1_JSON),
        ("application/*", INTEGRITY_V1_JSON),
        ("application/json", APPLICATION_JSON),
        (INTEGRITY_V1_JSON, INTEGRITY_V1_JSON),
        (f"{INTEGRITY_V1_JSON};q=0.5, application/json", APPLICATION_JSON),
        ("application/json, */*;q=0.1", APPLICATION_JSON),
        ("application/json;q=0, */*;q=0.1", INTEGRITY_V1_JSON),
        ("text/html", None),
        ("application/json;q=0", None),
        ("text/html, application/xml;q=0.9", None),
        ("garbage", INTEGRITY_V1_JSON),
        ("text/html, garbage", INTEGRITY_V1_JSON),
    ],
)
def test_negotiation(accept: str | None, answer: str | None) -> None:
    assert negotiate(accept) == answer


def test_the_refusals() -> None:
    assert json.loads(not_found_body("sample-1.0.tar.gz")) == {
        "message": "No provenance available for sample-1.0.tar.gz"
    }
    assert json.loads(not_acceptable_body()) == {"message": "Request not acceptable"}
    assert json.loads(disabled_body()) == {"message": "Attestations temporarily disabled"}
