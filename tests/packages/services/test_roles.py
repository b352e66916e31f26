"""Role services: the journal spells each change as the public index does, and the project
history names who changed whose role."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.signals import post_save

from accounts.models import User
from packages.models import JournalEntry, Project, ProjectEvent, ProjectEventTag, Role, RoleName
from packages.services import journal
from packages.services.events import Actor
from packages.services.refusals import Refused
from packages.services.roles import add_role, change_role, remove_role
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

IP = "192.0.2.7"
AGENT = "tests/1.0"


@pytest.fixture
def moderator() -> User:
    return UserFactory(username="mod")


@pytest.fixture
def actor(moderator: User) -> Actor:
    return Actor(user=moderator, ip_address=IP, user_agent=AGENT)


@pytest.fixture
def bob() -> User:
    return UserFactory(username="bob")


@pytest.fixture
def project() -> Project:
    return ProjectFactory(name="sample")


def entries() -> list[tuple[str, str | None, str, str | None]]:
    return [
        (e.name, e.version, e.action, e.submitted_by.username if e.submitted_by else None)
        for e in JournalEntry.objects.order_by("id").select_related("submitted_by")
    ]


def assert_on_newest_serial(project: Project) -> None:
    newest = JournalEntry.objects.latest("id").id
    assert Project.objects.get(pk=project.pk).last_serial == newest == journal.last_serial()


def roles() -> list[tuple[str, str, str]]:
    return list(
        Role.objects.order_by("project__name", "user__username").values_list(
            "project__name", "user__username", "role_name"
        )
    )


def test_add_role(actor, moderator, bob, project):
    role = add_role(project, bob, RoleName.MAINTAINER, actor=actor)

    assert Role.objects.get() == role
    assert roles() == [("sample", "bob", "Maintainer")]
    assert entries() == [("sample", None, "add Maintainer bob", "mod")]
    assert_on_newest_serial(project)
    event = ProjectEvent.objects.get()
    assert (event.project, event.tag, event.user, event.ip_address, event.user_agent) == (
        project,
        ProjectEventTag.ROLE_ADD,
        moderator,
        IP,
        AGENT,
    )
    assert event.additional == {
        "submitted_by": "mod",
        "role_name": "Maintainer",
        "target_user": "bob",
    }


def test_add_role_refuses_a_second_role_for_the_same_user(actor, bob, project):
    add_role(project, bob, RoleName.MAINTAINER, actor=actor)

    with pytest.raises(Refused) as refused:
        add_role(project, bob, RoleName.OWNER, actor=actor)

    assert (refused.value.status, refused.value.message) == (
        409,
        "User 'bob' already has Maintainer role for project",
    )
    assert roles() == [("sample", "bob", "Maintainer")]
    assert [action for _, _, action, _ in entries()] == ["add Maintainer bob"]
    assert ProjectEvent.objects.count() == 1


def test_the_same_user_may_have_roles_on_two_projects(actor, bob, project):
    add_role(project, bob, RoleName.OWNER, actor=actor)
    other = ProjectFactory(name="other")

    add_role(other, bob, RoleName.MAINTAINER, actor=actor)

    assert roles() == [("other", "bob", "Maintainer"), ("sample", "bob", "Owner")]
    assert entries()[-1] == ("other", None, "add Maintainer bob", "mod")
    assert_on_newest_serial(other)


def test_change_role(actor, moderator, bob, project):
    role = RoleFactory(project=project, user=bob, role_name=RoleName.MAINTAINER)

    change_role(role, RoleName.OWNER, actor=actor)

    assert roles() == [("sample", "bob", "Owner")]
    assert entries() == [("sample", None, "change Maintainer bob to Owner", "mod")]
    assert_on_newest_serial(project)
    event = ProjectEvent.objects.get()
    assert (event.tag, event.user) == (ProjectEventTag.ROLE_CHANGE, moderator)
    assert event.additional == {
        "submitted_by": "mod",
        "role_name": "Owner",
        "previous_role_name": "Maintainer",
        "target_user": "bob",
    }


def test_change_role_names_the_stored_role_when_the_instance_already_changed(actor, bob, project):
    # An admin form applies the new name to the instance before the service runs.
    RoleFactory(project=project, role_name=RoleName.OWNER, user__username="carol")
    role = RoleFactory(project=project, user=bob, role_name=RoleName.OWNER)
    role.role_name = RoleName.MAINTAINER

    change_role(role, RoleName.MAINTAINER, actor=actor)

    assert roles() == [("sample", "bob", "Maintainer"), ("sample", "carol", "Owner")]
    assert entries() == [("sample", None, "change Owner bob to Maintainer", "mod")]
    assert ProjectEvent.objects.get().additional["previous_role_name"] == "Owner"


def test_changing_a_role_to_the_same_name_changes_nothing(actor, bob, project):
    role = RoleFactory(project=project, user=bob, role_name=RoleName.OWNER)

    change_role(role, RoleName.OWNER, actor=actor)

    assert roles() == [("sample", "bob", "Owner")]
    assert entries() == []
    assert not ProjectEvent.objects.exists()
    assert Project.objects.get().last_serial == 0


def test_remove_role(actor, moderator, bob, project):
    role = RoleFactory(project=project, user=bob, role_name=RoleName.OWNER)
    keep = RoleFactory(project=project, role_name=RoleName.OWNER)

    remove_role(role, actor=actor)

    assert list(Role.objects.all()) == [keep]
    assert entries() == [("sample", None, "remove Owner bob", "mod")]
    assert_on_newest_serial(project)
    event = ProjectEvent.objects.get()
    assert (event.project, event.tag, event.user) == (
        project,
        ProjectEventTag.ROLE_REMOVE,
        moderator,
    )
    assert event.additional == {"submitted_by": "mod", "role_name": "Owner", "target_user": "bob"}


def replay(name: str) -> dict[str, str]:
    """The roles of project ``name`` as a mirror rebuilds them from the journal's words."""
    state: dict[str, str] = {}
    for action in (
        JournalEntry.objects.filter(name=name).order_by("id").values_list("action", flat=True)
    ):
        words = action.split()
        if words[0] == "add":
            state[words[2]] = words[1]
        elif words[0] == "change":
            assert state[words[2]] == words[1]
            state[words[2]] = words[4]
        elif words[0] == "remove":
            assert state.pop(words[2]) == words[1]
    return state


def test_the_journal_replays_to_the_stored_roles(actor, bob, project):
    alice = UserFactory(username="alice")
    add_role(project, alice, RoleName.OWNER, actor=actor)
    role = add_role(project, bob, RoleName.MAINTAINER, actor=actor)
    change_role(role, RoleName.OWNER, actor=actor)
    remove_role(Role.objects.get(user=alice), actor=actor)

    assert [action for _, _, action, _ in entries()] == [
        "add Owner alice",
        "add Maintainer bob",
        "change Maintainer bob to Owner",
        "remove Owner alice",
    ]
    assert roles() == [("sample", "bob", "Owner")]
    assert replay("sample") == {"bob": "Owner"}


# One transaction each


@pytest.fixture
def journal_write_fails():
    """Make the database write of the next journal entry fail (after its INSERT)."""

    def fail(sender, instance, **kwargs):
        raise RuntimeError("journal write failed")

    post_save.connect(fail, sender=JournalEntry, dispatch_uid="journal_write_fails")
    yield
    post_save.disconnect(sender=JournalEntry, dispatch_uid="journal_write_fails")


CHANGES = [
    pytest.param(
        lambda project, role, actor: add_role(
            project, UserFactory(username="carol"), RoleName.OWNER, actor=actor
        ),
        id="add",
    ),
    pytest.param(
        lambda project, role, actor: change_role(role, RoleName.OWNER, actor=actor), id="change"
    ),
    pytest.param(lambda project, role, actor: remove_role(role, actor=actor), id="remove"),
]


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_failing_inside_leaves_no_trace(actor, bob, project, journal_write_fails, change):
    role = RoleFactory(project=project, user=bob, role_name=RoleName.MAINTAINER)

    with pytest.raises(RuntimeError):
        change(project, role, actor)

    assert roles() == [("sample", "bob", "Maintainer")]
    assert not JournalEntry.objects.exists()
    assert not ProjectEvent.objects.exists()
    assert Project.objects.get().last_serial == 0


@pytest.fixture
def cdn(settings):
    # Never reached: the callbacks below are captured, not run.
    settings.CDN_PURGE_URL = "http://127.0.0.1:9/purge"


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_schedules_one_purge_on_commit(
    actor, bob, project, cdn, django_capture_on_commit_callbacks, change
):
    role = RoleFactory(project=project, user=bob, role_name=RoleName.MAINTAINER)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change(project, role, actor)

    assert len(callbacks) == 1


@pytest.mark.parametrize("change", CHANGES)
def test_a_rolled_back_change_schedules_no_purge(
    actor, bob, project, cdn, django_capture_on_commit_callbacks, change
):
    role = RoleFactory(project=project, user=bob, role_name=RoleName.MAINTAINER)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            change(project, role, actor)
            raise RuntimeError

    assert callbacks == []
    assert roles() == [("sample", "bob", "Maintainer")]
    assert not JournalEntry.objects.exists()
