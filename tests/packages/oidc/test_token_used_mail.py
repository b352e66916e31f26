"""A user's API token uploading to a project that has a trusted publisher mails the project's
Owners (``api-token-used-in-trusted-publisher-project``), once per token and project, after the
upload commits (packages/upload/token_mail.py). Uploads go through HTTP as twine sends them."""

from __future__ import annotations

import json
from typing import cast

import pytest
from django.core import mail

from accounts.models import ApiToken, User
from packages.models import Project, RoleName
from packages.oidc.minting import mint
from packages.services import publishers
from packages.services.events import Actor
from tests import uploads
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

NOTICE = "api-token-used-in-trusted-publisher-project"
SITE_URL = "https://index.example"
GITHUB = {"repository_owner": "octo", "repository_name": "widgets", "workflow_filename": "ci.yml"}
GITLAB = {"namespace": "acme", "gitlab_project": "widgets", "workflow_filepath": ".gitlab-ci.yml"}


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def owner(make_publisher) -> User:
    return make_publisher(username="olivia")


@pytest.fixture
def maintainer(make_publisher) -> User:
    return make_publisher(username="max")


def project_with_roles(name: str, owner: User, maintainer: User, make_publisher) -> Project:
    project = cast(Project, ProjectFactory(name=name))
    RoleFactory(project=project, user=owner, role_name=RoleName.OWNER)
    other = User.objects.filter(username="otto").first() or make_publisher(username="otto")
    RoleFactory(project=project, user=other, role_name=RoleName.OWNER)
    RoleFactory(project=project, user=maintainer, role_name=RoleName.MAINTAINER)
    return project


@pytest.fixture
def project(owner, maintainer, make_publisher) -> Project:
    """``sample``: Owners olivia and otto, Maintainer max, published from GitHub Actions."""
    project = project_with_roles("sample", owner, maintainer, make_publisher)
    publishers.add_publisher(project, "github", GITHUB, actor=Actor(user=None))
    return project


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """Upload a new wheel of ``name`` with ``token``, running what waits for the commit."""
    versions = iter(range(1, 100))

    def post(token: str, name: str = "sample", **extra: str):
        with django_capture_on_commit_callbacks(execute=True):
            return uploads.wheel_upload(name, f"1.{next(versions)}").post(client, token, **extra)

    return post


def notices() -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if "uses trusted publishing" in m.subject]


def mailed_projects(token_name: str) -> list[int]:
    return ApiToken.objects.get(description=token_name).additional.get(
        "trusted_publishing_mailed", []
    )


def test_the_owners_are_told_which_token_uploaded(project, maintainer, make_token, upload):
    token = make_token(maintainer, description="laptop")

    assert upload(token).status_code == 200

    messages = notices()
    assert sorted(m.to[0] for m in messages) == ["olivia@example.com", "otto@example.com"]
    message = messages[0]
    assert message.subject == "An API token uploaded to sample, which uses trusted publishing"
    body = " ".join(message.body.split())
    assert (
        'The API token "laptop" of max was used to upload a file to the project sample, '
        "although the project has trusted publishers: - GitHub Actions from octo/widgets"
    ) in body
    assert "remove the API token and publish through the trusted publisher only" in body
    assert f"{SITE_URL}/manage/account/token/" in body
    assert f"{SITE_URL}/manage/project/sample/settings/publishing/" in body
    html = message.alternatives[0][0]
    assert "<li>GitHub Actions from octo/widgets</li>" in html
    assert f'href="{SITE_URL}/manage/project/sample/settings/publishing/"' in html
    assert mailed_projects("laptop") == [project.pk]


def test_every_publisher_is_named(project, owner, make_token, upload):
    publishers.add_publisher(project, "gitlab", GITLAB, actor=Actor(user=None))

    upload(make_token(owner, description="laptop"))

    body = notices()[0].body
    assert "- GitHub Actions from octo/widgets" in body
    assert "- GitLab CI/CD from acme/widgets" in body


def test_once_per_token_and_project(project, owner, maintainer, make_token, make_publisher, upload):
    laptop = make_token(owner, description="laptop")
    upload(laptop)
    upload(laptop)
    assert len(notices()) == 2  # one upload told both Owners; the second told nobody

    mail.outbox.clear()
    upload(make_token(owner, description="desktop"))
    assert len(notices()) == 2  # another token is told about

    mail.outbox.clear()
    other = project_with_roles("other", owner, maintainer, make_publisher)
    publishers.add_publisher(other, "github", GITHUB, actor=Actor(user=None))
    upload(laptop, "other")
    assert [m.subject for m in notices()] == [
        "An API token uploaded to other, which uses trusted publishing"
    ] * 2
    assert mailed_projects("laptop") == [project.pk, other.pk]


def test_nothing_for_a_project_without_publishers(
    owner, maintainer, make_token, make_publisher, upload
):
    project_with_roles("plain", owner, maintainer, make_publisher)

    assert upload(make_token(owner, description="laptop"), "plain").status_code == 200

    assert notices() == []
    assert mailed_projects("laptop") == []


def test_nothing_when_the_publisher_itself_uploads(project, upload):
    publisher = project.trusted_publishers.get()
    claims = {
        "repository": "octo/widgets",
        "repository_owner": "octo",
        "repository_owner_id": "1",
        "job_workflow_ref": "octo/widgets/.github/workflows/ci.yml@refs/heads/main",
        "ref": "refs/heads/main",
        "sha": "0" * 40,
        "jti": "run",
    }
    token, _expires = mint(publisher, claims, actor=Actor(user=None))

    assert upload(token).status_code == 200

    assert notices() == []


def test_a_refused_upload_tells_nobody_and_is_not_remembered(
    project, owner, make_token, client, django_capture_on_commit_callbacks
):
    token = make_token(owner, description="laptop")
    refused = uploads.wheel_upload("sample", "1.0").add("attestations", json.dumps([{}]))

    with django_capture_on_commit_callbacks(execute=True):
        response = refused.post(client, token)

    # Refused at check 45, after the mail was queued and the token's row written.
    assert response.status_code == 400
    assert b"only supported when using Trusted Publishing" in response.content
    assert notices() == []
    assert mailed_projects("laptop") == []
