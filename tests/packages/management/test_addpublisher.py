"""``manage.py addpublisher``: registering GitHub and GitLab publishers (and pending ones) for
automation, through the pages' forms and services; what it prints, and every refusal as a
CommandError (Django prints it on stderr and exits with status 1)."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from packages.models import PendingPublisher, ProjectEvent, ProjectEventTag, RoleName
from packages.models import TrustedPublisher as Publisher
from tests.accounts.factories import EmailAddressFactory, UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("addpublisher", *args, stdout=out)
    return out.getvalue()


def refusal(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        run(*args)
    return str(raised.value)


@pytest.fixture
def project(make_publisher):
    project = ProjectFactory(name="sample")
    RoleFactory(project=project, user=make_publisher(username="olivia"), role_name=RoleName.OWNER)
    return project


def test_github_publisher(project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = run(
            "sample",
            "github",
            "octo/widgets",
            "release.yml",
            "--environment",
            "PyPI",
            "--owner-id",
            "583231",
        )
    assert out == (
        "Added GitHub Actions from octo/widgets (repository_owner 'octo', repository_owner_id "
        "'583231', repository_name 'widgets', workflow_filename 'release.yml', environment "
        "'pypi') as a trusted publisher of sample.\n"
    )
    added = Publisher.objects.get()
    assert (added.project, added.added_by, added.repository_owner_id) == (project, None, "583231")
    event = ProjectEvent.objects.get(tag=ProjectEventTag.OIDC_PUBLISHER_ADD)
    assert event.user is None
    (message,) = mail.outbox
    assert message.to == ["olivia@example.com"]
    assert "An administrator added a trusted publisher to the project sample" in message.body


def test_github_publisher_without_owner_id(project):
    run("Sample", "github", "octo/widgets", "release.yml")
    assert Publisher.objects.get().repository_owner_id == ""


def test_gitlab_publisher_with_a_subgroup(project):
    out = run("sample", "gitlab", "acme/tools/widgets", "ci/release.yml", "--environment", "Prod")
    assert out.startswith("Added GitLab CI/CD from acme/tools/widgets (")
    added = Publisher.objects.get()
    assert (added.namespace, added.gitlab_project, added.workflow_filepath) == (
        "acme/tools",
        "widgets",
        "ci/release.yml",
    )
    assert added.environment == "Prod"  # GitLab's environments are case-sensitive


def test_pending_publisher(make_publisher):
    alice = make_publisher(username="alice")
    out = run("brand-new", "github", "octo/widgets", "release.yml", "--pending", "--user", "Alice")
    assert out.startswith("Registered a pending publisher, GitHub Actions from octo/widgets (")
    assert out.endswith("to create the project 'brand-new' owned by alice.\n")
    pending = PendingPublisher.objects.get()
    assert (pending.added_by, pending.project_name) == (alice, "brand-new")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing", "github", "octo/widgets", "release.yml"], "No project named 'missing'."),
        (["sample", "github", "octo", "release.yml"], "Give the repository as OWNER/REPOSITORY"),
        (
            ["sample", "github", "octo/widgets", "release.txt"],
            "workflow_filename: Workflow name must end with .yml or .yaml",
        ),
        (
            ["sample", "github", "oc_to/widgets", "release.yml"],
            "owner: Invalid GitHub user or organization name.",
        ),
        (
            ["sample", "gitlab", "acme/widgets", ".gitlab-ci.yml", "--owner-id", "1"],
            "--owner-id is for GitHub publishers only.",
        ),
        (["new", "github", "octo/widgets", "release.yml", "--pending"], "--pending needs --user"),
        (
            ["new", "github", "octo/widgets", "release.yml", "--pending", "--user", "nobody"],
            "No user named 'nobody'.",
        ),
        (
            ["sample", "github", "octo/widgets", "release.yml", "--user", "olivia"],
            "--user goes with --pending only.",
        ),
        (
            ["sample", "github", "octo/widgets", "release.yml", "--pending", "--user", "olivia"],
            "This project already exists",
        ),
        (
            ["os", "github", "octo/widgets", "release.yml", "--pending", "--user", "olivia"],
            "The name 'os' isn't allowed",
        ),
    ],
    ids=[
        "no-project",
        "no-slash",
        "workflow",
        "owner",
        "owner-id-on-gitlab",
        "pending-without-user",
        "no-user",
        "user-without-pending",
        "project-exists",
        "stdlib-name",
    ],
)
def test_refusals(project, args, message):
    assert message in refusal(*args)
    assert not Publisher.objects.exists() and not PendingPublisher.objects.exists()


def test_a_duplicate_is_refused(project):
    run("sample", "github", "octo/widgets", "release.yml")
    assert refusal("sample", "github", "octo/widgets", "release.yml") == (
        "release.yml is already registered with sample"
    )


def test_a_pending_publisher_needs_a_verified_address():
    user = UserFactory(username="una")
    EmailAddressFactory(user=user, verified=False)
    message = refusal("new", "github", "octo/widgets", "release.yml", "--pending", "--user", "una")
    assert message.startswith("You must have a verified email")
