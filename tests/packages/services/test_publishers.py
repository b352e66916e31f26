"""Registering trusted publishers (packages/services/publishers.py): a project's, by its
Owners (events, mail to the Owners, no serial), pending ones (verified address, at most 3, the
new-project name rules, one registration per configuration), the daily registration limit, and
expiring pending publishers in housekeeping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User, UserEvent
from moderation.models import AdminFlag
from moderation.prohibitions import prohibit_project_name
from packages import housekeeping
from packages.models import (
    JournalEntry,
    LifecycleStatus,
    PendingPublisher,
    Project,
    ProjectEvent,
    ProjectEventTag,
    RoleName,
    TrustedPublisher,
)
from packages.services import publishers
from packages.services.events import Actor
from packages.services.publishers import NameRefused
from packages.services.refusals import Refused
from tests.accounts.factories import EmailAddressFactory, UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

IP = "192.0.2.7"
GITHUB = {
    "repository_owner": "octo",
    "repository_name": "widgets",
    "workflow_filename": "release.yml",
}
PENDING_LABEL = "GitHub Actions from octo/widgets"
GITLAB = {"namespace": "acme", "gitlab_project": "widgets", "workflow_filepath": ".gitlab-ci.yml"}


@pytest.fixture
def owner(make_publisher) -> User:
    return make_publisher(username="olivia")


@pytest.fixture
def project(owner: User, make_publisher) -> Project:
    project = ProjectFactory(name="sample")
    RoleFactory(project=project, user=owner, role_name=RoleName.OWNER)
    RoleFactory(project=project, user=make_publisher(username="otto"), role_name=RoleName.OWNER)
    RoleFactory(project=project, user=make_publisher(username="max"), role_name=RoleName.MAINTAINER)
    return project


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def as_(user: User | None) -> Actor:
    return Actor(user=user, ip_address=IP, user_agent="tests")


def refused(call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as raised:
        call(*args, **kwargs)
    return raised.value


# --- A project's publishers ----------------------------------------------------------------


def test_an_owner_adds_a_publisher(project, owner, committed):
    serial = project.last_serial
    with committed():
        added = publishers.add_publisher(
            project,
            "github",
            {**GITHUB, "environment": "  Release ", "repository_owner_id": " 583231"},
            actor=as_(owner),
        )
    added.refresh_from_db()
    assert (added.project, added.added_by, added.environment, added.repository_owner_id) == (
        project,
        owner,
        "release",
        "583231",
    )
    event = ProjectEvent.objects.get(tag=ProjectEventTag.OIDC_PUBLISHER_ADD)
    assert (event.user, event.ip_address) == (owner, IP)
    assert event.additional == {
        "submitted_by": "olivia",
        "id": added.pk,
        "reified_from_pending_publisher": False,
        "publisher": "GitHub Actions from octo/widgets",
        "publisher_name": "GitHub",
        "specifier": "release.yml",
        "url": "https://github.com/octo/widgets",
    }
    assert event.details == [("Trusted publisher", "GitHub Actions from octo/widgets")]
    # Clients do not see publishers: no journal entry, the serial stays.
    assert not JournalEntry.objects.exists()
    assert Project.objects.get(pk=project.pk).last_serial == serial
    # The Owners are told; the Maintainer is not.
    assert sorted(m.to[0] for m in mail.outbox) == ["olivia@example.com", "otto@example.com"]
    message = mail.outbox[0]
    assert message.subject == "Trusted publisher added to sample"
    assert (
        "olivia added a trusted publisher to the project sample: "
        "GitHub Actions from octo/widgets (release.yml)." in message.body
    )
    assert "/manage/project/sample/settings/publishing/" in message.body


def test_every_provider_can_be_added(project, owner):
    fields = {
        "github": GITHUB,
        "gitlab": GITLAB,
        "google": {"email": "ci@example.com", "sub": ""},
        "activestate": {
            "organization": "acme",
            "activestate_project_name": "widgets",
            "actor": "builder",
            "actor_id": "b6a5",
        },
    }
    for provider, config in fields.items():
        publishers.add_publisher(project, provider, config, actor=as_(owner))
    assert sorted(TrustedPublisher.objects.values_list("provider", flat=True)) == sorted(fields)


def test_only_owners_add_publishers(project):
    maintainer = User.objects.get(username="max")
    stranger = UserFactory(username="sam")
    assert refused(
        publishers.add_publisher, project, "github", GITHUB, actor=as_(maintainer)
    ).message == ("Only the project's Owners can do this.")
    assert refused(
        publishers.add_publisher, project, "github", GITHUB, actor=as_(stranger)
    ).message == ("You are not a collaborator on this project.")
    assert not TrustedPublisher.objects.exists()


def test_a_quarantined_project_takes_no_publisher(project, owner):
    Project.objects.filter(pk=project.pk).update(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
    project.refresh_from_db()
    answer = refused(publishers.add_publisher, project, "github", GITHUB, actor=as_(owner))
    assert (answer.status, answer.message) == (
        403,
        "This project is in quarantine and cannot be modified.",
    )


def test_an_operator_adds_a_publisher(project, committed):
    with committed():
        publishers.add_publisher(project, "gitlab", GITLAB, actor=Actor(user=None))
    event = ProjectEvent.objects.get()
    assert event.user is None and event.additional["submitted_by"] is None
    assert "An administrator added a trusted publisher to the project sample" in (
        mail.outbox[0].body
    )


def test_the_same_configuration_twice_is_refused(project, owner):
    publishers.add_publisher(project, "github", GITHUB, actor=as_(owner))
    again = {**GITHUB, "repository_name": "Widgets"}  # GitHub names ignore case
    answer = refused(publishers.add_publisher, project, "github", again, actor=as_(owner))
    assert (answer.status, answer.message) == (409, "release.yml is already registered with sample")
    # Another environment is another publisher; another project may have the same one.
    publishers.add_publisher(project, "github", {**GITHUB, "environment": "pypi"}, actor=as_(owner))
    publishers.add_publisher(ProjectFactory(), "github", GITHUB, actor=Actor(user=None))
    assert TrustedPublisher.objects.count() == 3


def test_switched_off_trusted_publishing_takes_no_publisher(project, owner):
    AdminFlag.objects.update_or_create(
        id="disallow-oidc", defaults={"enabled": True, "description": "x"}
    )
    answer = refused(publishers.add_publisher, project, "github", GITHUB, actor=as_(owner))
    assert answer.status == 403
    assert answer.message.startswith("Trusted publishing is temporarily disabled. See http")


def test_an_owner_removes_a_publisher(project, owner, committed):
    added = publishers.add_publisher(project, "github", GITHUB, actor=Actor(user=None))
    added_id = added.pk
    mail.outbox.clear()
    with committed():
        publishers.remove_publisher(added, actor=as_(owner))
    assert not TrustedPublisher.objects.exists()
    event = ProjectEvent.objects.filter(tag=ProjectEventTag.OIDC_PUBLISHER_REMOVE).get()
    assert (event.user, event.additional["id"], event.additional["specifier"]) == (
        owner,
        added_id,
        "release.yml",
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["olivia@example.com", "otto@example.com"]
    assert mail.outbox[0].subject == "Trusted publisher removed from sample"


def test_a_maintainer_cannot_remove_a_publisher(project):
    added = publishers.add_publisher(project, "github", GITHUB, actor=Actor(user=None))
    maintainer = User.objects.get(username="max")
    assert refused(publishers.remove_publisher, added, actor=as_(maintainer)).status == 403
    assert TrustedPublisher.objects.filter(pk=added.pk).exists()


def test_registrations_are_limited_to_a_hundred_a_day(project, owner):
    publishers.add_publisher(project, "github", GITHUB, actor=as_(owner))
    for _attempt in range(99):  # each attempt counts, refused or not
        assert refused(publishers.add_publisher, project, "github", GITHUB, actor=as_(owner))
    answer = refused(publishers.add_publisher, project, "gitlab", GITLAB, actor=as_(owner))
    assert (answer.status, answer.message) == (
        429,
        "There have been too many attempted trusted publisher registrations. Try again later.",
    )
    # The limit is the user's and the address's: another user elsewhere is not held back.
    other = Actor(user=User.objects.get(username="otto"), ip_address="198.51.100.1")
    publishers.add_publisher(project, "gitlab", GITLAB, actor=other)


# --- Pending publishers --------------------------------------------------------------------


@pytest.fixture
def alice(make_publisher) -> User:
    return make_publisher(username="alice")


def add_pending(user: User, name: str = "newcomer", provider: str = "github", **fields: str):
    config = {**(GITHUB if provider == "github" else GITLAB), **fields}
    return publishers.add_pending_publisher(user, name, provider, config, actor=as_(user))


def test_a_user_registers_a_pending_publisher(alice):
    pending = add_pending(alice, name=" New_Comer ", environment="PyPI")
    assert (pending.project_name, pending.normalized_name, pending.added_by) == (
        "New_Comer",
        "new-comer",
        alice,
    )
    assert pending.environment == "pypi"
    assert pending.expires - pending.created == timedelta(days=30)


def test_a_pending_publisher_needs_a_verified_address():
    user = UserFactory(username="una")
    EmailAddressFactory(user=user, verified=False)
    answer = refused(add_pending, user)
    assert answer.status == 403
    assert answer.message.startswith(
        "You must have a verified email in order to register a pending trusted publisher."
    )


def test_at_most_three_pending_publishers(alice):
    for number in range(3):
        add_pending(alice, name=f"new-{number}", workflow_filename=f"r{number}.yml")
    answer = refused(add_pending, alice, name="new-4", workflow_filename="r4.yml")
    assert (answer.status, answer.message) == (
        400,
        "You can't register more than 3 pending trusted publishers at once.",
    )
    # An expired one no longer counts.
    PendingPublisher.objects.filter(project_name="new-0").update(
        created=timezone.now() - timedelta(days=30, seconds=1)
    )
    add_pending(alice, name="new-4", workflow_filename="r4.yml")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("-bad-", "The name '-bad-' is invalid."),
        ("os", "The name 'os' isn't allowed (conflict with Python Standard Library module name)"),
        ("banned", "The name 'banned' isn't allowed."),
        ("exist-ing", "The name 'exist-ing' is too similar to an existing project."),
        ("Existing", "This project already exists."),
    ],
    ids=["invalid", "stdlib", "prohibited", "too-similar", "exists"],
)
def test_the_name_is_checked_as_for_any_new_project(alice, name, message):
    ProjectFactory(name="existing")
    prohibit_project_name("banned", actor=Actor(user=None))
    answer = refused(add_pending, alice, name=name)
    assert isinstance(answer, NameRefused)
    assert answer.message.startswith(message)
    assert not PendingPublisher.objects.exists()


def test_an_owner_of_the_existing_project_is_sent_to_its_settings(alice):
    project = ProjectFactory(name="mine")
    RoleFactory(project=project, user=alice, role_name=RoleName.OWNER)
    assert refused(add_pending, alice, name="mine").message == (
        "This project already exists: use the project's publishing settings to create a "
        "Trusted Publisher for it."
    )


def test_a_configuration_is_pending_once(alice, make_publisher):
    add_pending(alice)
    bob = make_publisher(username="bob")
    answer = refused(add_pending, bob, name="other-name", repository_name="WIDGETS")
    assert (answer.status, answer.message) == (
        409,
        "This trusted publisher has already been registered. "
        "Please contact the administrators if this wasn't intentional.",
    )
    # Once expired, the configuration is free again.
    PendingPublisher.objects.update(created=timezone.now() - timedelta(days=31))
    assert add_pending(bob, name="other-name").added_by == bob
    assert PendingPublisher.objects.count() == 1


def test_only_its_user_removes_a_pending_publisher(alice, make_publisher):
    pending = add_pending(alice)
    answer = refused(
        publishers.remove_pending_publisher, pending, actor=as_(make_publisher(username="bob"))
    )
    assert (answer.status, answer.message) == (404, "Invalid publisher ID")
    publishers.remove_pending_publisher(pending, actor=as_(alice))
    assert not PendingPublisher.objects.exists()


def test_pending_publishers_are_in_the_users_security_history(alice):
    publishers.remove_pending_publisher(add_pending(alice), actor=as_(alice))

    history = [
        (e.tag, e.additional["project"], e.additional["publisher"])
        for e in UserEvent.objects.filter(user=alice, tag__contains="pending-publisher")
    ]
    assert sorted(history) == [
        ("account:oidc:pending-publisher-added", "newcomer", PENDING_LABEL),
        ("account:oidc:pending-publisher-removed", "newcomer", PENDING_LABEL),
    ]


def test_housekeeping_expires_pending_publishers(alice, committed):
    old = add_pending(alice, name="old-name")
    young = add_pending(alice, name="young-name", workflow_filename="other.yml")
    PendingPublisher.objects.filter(pk=old.pk).update(
        created=timezone.now() - timedelta(days=30, minutes=1)
    )
    assert publishers.expire_pending(dry_run=True) == 1
    assert PendingPublisher.objects.count() == 2
    with committed():
        report = housekeeping.run()
    assert report.pending_publishers_expired == 1
    assert list(PendingPublisher.objects.all()) == [young]
    (message,) = mail.outbox
    assert (message.to, message.subject) == (
        ["alice@example.com"],
        "Pending trusted publisher for old-name expired",
    )
    assert "GitHub Actions from octo/widgets, was not used within 30 days" in message.body
    assert "/manage/account/publishing/" in message.body
