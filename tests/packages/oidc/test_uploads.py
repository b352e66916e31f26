"""Uploading with a trusted publisher's token: minted through ``POST /_/oidc/mint-token``
from a CI token the local issuer signs, then sent to ``/legacy/`` as twine sends any token.

The token uploads to its publisher's projects only, creates none, stops working when the
publisher is removed, the project is archived or quarantined, or trusted publishing is
switched off; the file records its publisher, the project's history the token's issue, and
attestations are refused unless they verify.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from moderation.models import AdminFlag
from packages.models import File, Project, ProjectEvent, ProjectEventTag, TrustedPublisher
from packages.services import projects as project_services
from packages.services.events import Actor
from tests import uploads
from tests.oidc_issuer import LocalIssuer
from tests.packages.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PUBLISHER = {
    "provider": "github",
    "repository_owner": "octo-org",
    "repository_owner_id": "1234567",
    "repository_name": "sample",
    "workflow_filename": "release.yml",
}


@pytest.fixture
def sample() -> Project:
    project = ProjectFactory(name="sample", normalized_name="sample")
    TrustedPublisher.objects.create(project=project, **PUBLISHER)
    return project


def minted(client: Client, issuer: LocalIssuer, **claims) -> str:
    """An upload token for the issuer's GitHub-shaped CI token."""
    response = client.post(
        "/_/oidc/mint-token",
        json.dumps({"token": issuer.github_token(**claims)}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.content.decode()


def test_a_minted_token_uploads_and_the_file_records_its_publisher(client, oidc_issuer, sample):
    token = minted(client, oidc_issuer, sha="f00d" * 10)

    response = uploads.wheel_upload("sample", "1.0").post(client, token)

    assert response.status_code == 200, response.content
    file = File.objects.get()
    assert file.published_by == {
        "provider": "github",
        "repository": "octo-org/sample",
        "url": "https://github.com/octo-org/sample",
    }
    issued = ProjectEvent.objects.get(project=sample, tag=ProjectEventTag.OIDC_TOKEN_ADD)
    assert issued.user is None
    assert issued.additional["publisher"] == "GitHub Actions from octo-org/sample"
    assert issued.additional["url"] == f"https://github.com/octo-org/sample/commit/{'f00d' * 10}"
    added = ProjectEvent.objects.get(project=sample, tag=ProjectEventTag.FILE_ADD)
    assert added.additional["api_token"].startswith("OpenID token: GitHub Actions from")
    # Installers see the file.
    assert client.get("/simple/sample/").content.count(b"sample-1.0-py3-none-any.whl") >= 1


def test_a_minted_token_creates_no_project(client, oidc_issuer, sample):
    token = minted(client, oidc_issuer)

    response = uploads.wheel_upload("brand-new", "1.0").post(client, token)

    status, message = refusal(response)
    assert status == 400
    assert message.startswith("Non-user identities cannot create new projects.")
    assert not Project.objects.filter(name="brand-new").exists()


def test_a_minted_token_is_limited_to_its_publishers_projects(client, oidc_issuer, sample):
    ProjectFactory(name="other", normalized_name="other")
    token = minted(client, oidc_issuer)

    status, message = refusal(uploads.wheel_upload("other", "1.0").post(client, token))

    assert status == 403
    assert message == ("Invalid API Token: project-scoped token is not valid for project: 'other'")


def test_removing_the_publisher_stops_its_tokens(client, oidc_issuer, sample):
    token = minted(client, oidc_issuer)
    TrustedPublisher.objects.filter(project=sample).delete()

    status, message = refusal(uploads.wheel_upload("sample", "1.0").post(client, token))

    assert status == 403
    assert message.startswith("The given token isn't allowed to upload to project 'sample'.")
    assert not File.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            project_services.archive_project,
            "Project 'sample' is archived and cannot accept uploads.",
        ),
        (project_services.quarantine_project, "Project 'sample' is in quarantine"),
    ],
    ids=["archived", "quarantined"],
)
def test_an_archived_or_quarantined_project_refuses_its_publisher(
    client, oidc_issuer, sample, staff, change, expected
):
    token = minted(client, oidc_issuer)
    change(sample, actor=Actor(user=staff))

    status, message = refusal(uploads.wheel_upload("sample", "1.0").post(client, token))

    assert status == 403
    assert message.startswith(expected)


def test_switching_trusted_publishing_off_stops_minted_tokens_at_once(client, oidc_issuer, sample):
    token = minted(client, oidc_issuer)
    AdminFlag.objects.filter(id="disallow-oidc").update(enabled=True)

    status, message = refusal(uploads.wheel_upload("sample", "1.0").post(client, token))

    assert status == 403
    assert message.startswith("Trusted publishing is temporarily disabled.")


def test_a_minted_token_cannot_use_the_management_api(client, oidc_issuer, sample):
    token = minted(client, oidc_issuer)

    response = client.get("/api/projects/sample/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This is a trusted publisher's token: it uploads files and can do nothing else."
    }


def test_attestations_that_do_not_verify_refuse_the_upload(client, oidc_issuer, sample):
    token = minted(client, oidc_issuer)
    upload = uploads.wheel_upload("sample", "1.0").set("attestations", "[]")

    status, message = refusal(upload.post(client, token))

    assert status == 400
    assert message.startswith("Invalid attestations supplied during upload: ")
    assert not File.objects.exists()


def test_attestations_need_trusted_publishing(client, token):
    upload = uploads.wheel_upload("sample", "1.0").set("attestations", "[]")

    status, message = refusal(upload.post(client, token))

    assert status == 400
    assert message == (
        "Invalid attestations supplied during upload: "
        "Attestations are only supported when using Trusted Publishing"
    )
    assert not File.objects.exists()


def test_staff_remove_a_publisher_in_the_admin_and_its_tokens_stop(
    client, oidc_issuer, sample, staff_client
):
    token = minted(client, oidc_issuer)
    publisher = TrustedPublisher.objects.get()
    assert staff_client.get("/admin/packages/trustedpublisher/").status_code == 200

    response = staff_client.post(
        f"/admin/packages/trustedpublisher/{publisher.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not TrustedPublisher.objects.exists()
    removed = ProjectEvent.objects.get(tag=ProjectEventTag.OIDC_PUBLISHER_REMOVE)
    assert removed.user.username == "staffer"
    status, _message = refusal(uploads.wheel_upload("sample", "1.0").post(client, token))
    assert status == 403


def test_a_minted_token_uploads_to_every_project_whose_publisher_accepts_the_run(
    client, oidc_issuer, sample
):
    """Two projects publish from the same workflow, one publisher with GitHub's owner id and
    one without: the token covers both, and uploads to both."""
    other = ProjectFactory(name="other", normalized_name="other")
    TrustedPublisher.objects.create(project=other, **{**PUBLISHER, "repository_owner_id": ""})
    token = minted(client, oidc_issuer)

    for name in ("sample", "other"):
        response = uploads.wheel_upload(name, "1.0").post(client, token)
        assert response.status_code == 200, (name, response.content)
