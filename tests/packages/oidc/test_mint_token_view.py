"""``POST /_/oidc/mint-token``: the body, the token's verification and the answers' shape."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from packages.models import PendingPublisher, Project, TrustedPublisher, UsedJti
from tests.oidc_issuer import ATTACKER, LocalIssuer
from tests.packages.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# The publisher of the local issuer's GitHub tokens (octo-org/sample, release.yml).
SAMPLE = {
    "repository_owner": "octo-org",
    "repository_owner_id": "1234567",
    "repository_name": "sample",
    "workflow_filename": "release.yml",
}
BODY_SHAPE = 'the request body must be a JSON object: {"token": "<the CI token>"}'


def exchange(client: Client, body: bytes | str, path: str = "/_/oidc/mint-token"):
    return client.post(path, body, content_type="application/json")


def errors(response) -> list[tuple[str, str]]:
    assert response.status_code == 422
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    document = response.json()
    assert document["message"] == "Token request failed"
    return [(e["code"], e["description"]) for e in document["errors"]]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"a string"',
        b"{}",
        b'{"token": 12}',
        b'{"token": null}',
        b'{"jwt": "a.b.c"}',
        b"[" * 10_000,
    ],
)
def test_a_body_without_a_token_is_an_invalid_payload(client, body):
    assert errors(exchange(client, body)) == [("invalid-payload", BODY_SHAPE)]


def test_a_body_over_64_kib_is_not_read(client):
    body = json.dumps({"token": "x" * 70_000})

    assert errors(exchange(client, body)) == [("invalid-payload", "the request body is too large")]


@pytest.mark.parametrize("path", ["/_/oidc/mint-token", "/_/oidc/github/mint-token"])
def test_the_token_is_verified_at_both_addresses(client, oidc_issuer: LocalIssuer, path):
    assert errors(exchange(client, '{"token": "a.b.c"}', path)) == [
        ("invalid-payload", "malformed JWT")
    ]
    forged = oidc_issuer.github_token(key=ATTACKER)
    assert errors(exchange(client, json.dumps({"token": forged}), path)) == [
        ("invalid-token", "malformed or invalid token")
    ]
    foreign = oidc_issuer.github_token(iss="https://token.ci.example")
    assert errors(exchange(client, json.dumps({"token": foreign}), path)) == [
        ("invalid-payload", "unknown trusted publishing issuer")
    ]


def test_clients_need_no_csrf_token(oidc_issuer: LocalIssuer):
    client = Client(enforce_csrf_checks=True)

    response = exchange(client, '{"token": "a.b.c"}')

    assert errors(response) == [("invalid-payload", "malformed JWT")]


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_answered(client, method):
    assert getattr(client, method)("/_/oidc/mint-token").status_code == 405


def test_a_valid_token_without_a_publisher_is_refused(client, oidc_issuer: LocalIssuer):
    response = exchange(client, json.dumps({"token": oidc_issuer.github_token()}))

    [(code, description)] = errors(response)
    assert code == "invalid-publisher"
    assert description.startswith("valid token, but no corresponding publisher (")


def test_a_match_is_exchanged_for_an_upload_token_once(client, oidc_issuer: LocalIssuer):
    TrustedPublisher.objects.create(project=ProjectFactory(), provider="github", **SAMPLE)
    body = json.dumps({"token": oidc_issuer.github_token()})

    response = exchange(client, body)

    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    document = response.json()
    assert document["success"] is True
    assert document["token"].startswith("pypi-")
    assert abs(document["expires"] - (time.time() + 15 * 60)) < 60
    assert errors(exchange(client, body)) == [
        ("invalid-reuse-token", "invalid token: already used")
    ]
    # The same run's next token (another jti) is exchanged again.
    assert exchange(client, json.dumps({"token": oidc_issuer.github_token()})).status_code == 200


def test_a_pending_publishers_first_token_creates_its_project(
    client, oidc_issuer: LocalIssuer, make_publisher
):
    user = make_publisher(username="pending-owner")
    PendingPublisher.objects.create(
        project_name="newcomer",
        normalized_name="newcomer",
        added_by=user,
        provider="github",
        **{**SAMPLE, "repository_name": "newcomer"},
    )

    token = oidc_issuer.github_token(repository="octo-org/newcomer")
    response = exchange(client, json.dumps({"token": token}))

    assert response.status_code == 200, response.content
    project = Project.objects.get(name="newcomer")
    assert project.trusted_publishers.get().repository_name == "newcomer"
    assert not PendingPublisher.objects.exists()
    assert UsedJti.objects.count() == 1
