"""Mail about a project's releases, files and life: every collaborator (owners and maintainers)
is told once, when the change commits; nobody when it is refused or rolled back."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from accounts.events import EventTag
from accounts.models import User, UserEvent
from moderation.models import AdminFlag
from packages.models import LifecycleStatus, Project, Release, Role, RoleName
from packages.services.events import Actor
from packages.services.projects import archive_project, delete_project, unarchive_project
from packages.services.refusals import Refused
from packages.services.releases import (
    delete_file,
    delete_release,
    unyank_release,
    yank_release,
)
from tests.accounts.factories import EmailAddressFactory, UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = pytest.mark.django_db

IP = "192.0.2.7"
AGENT = "tests/1.0"
COLLABORATORS = ["alice", "bob", "carol"]


def switch_on(flag_id: str) -> None:
    AdminFlag.objects.update_or_create(id=flag_id, defaults={"enabled": True, "description": "x"})


def with_address(user: User) -> User:
    EmailAddressFactory(user=user)
    return user


@pytest.fixture
def moderator() -> User:
    """mod acts; an address, but no role on the project."""
    return with_address(UserFactory(username="mod"))


@pytest.fixture
def actor(moderator: User) -> Actor:
    return Actor(user=moderator, ip_address=IP, user_agent=AGENT)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the on-commit callbacks (mail) of what happens inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def project(moderator) -> Project:
    """``sample`` with owners alice and carol, maintainer bob, and one release 1.0 with a file;
    another project's owner (zed) and the actor (mod) have addresses too."""
    project = ProjectFactory(name="sample")
    for name, role_name in [
        ("alice", RoleName.OWNER),
        ("bob", RoleName.MAINTAINER),
        ("carol", RoleName.OWNER),
    ]:
        RoleFactory(
            project=project, user=with_address(UserFactory(username=name)), role_name=role_name
        )
    elsewhere = ProjectFactory(name="elsewhere")
    RoleFactory(project=elsewhere, user=with_address(UserFactory(username="zed")))
    FileFactory(release=ReleaseFactory(project=project, version="1.0"))
    return project


def sent() -> list[tuple[str, str]]:
    """(notice, recipient) of each mail, from the recipients' security histories, sorted."""
    return sorted(
        UserEvent.objects.filter(tag=EventTag.EMAIL_SENT).values_list(
            "additional__notice", "user__username"
        )
    )


def release() -> Release:
    return Release.objects.get(project__name="sample", version="1.0")


def set_status(status: str) -> None:
    Project.objects.filter(name="sample").update(lifecycle_status=status)


def fresh_project() -> Project:
    return Project.objects.get(name="sample")


# (notice, how to set the project up for the change, the change, its mail's subject)
CHANGES = [
    pytest.param(
        "yanked-project-release",
        lambda: None,
        lambda actor: yank_release(release(), actor=actor, reason="broken wheel tags"),
        "Release 1.0 of sample yanked",
        id="yank",
    ),
    pytest.param(
        "unyanked-project-release",
        lambda: Release.objects.update(yanked=True, yanked_reason="oops"),
        lambda actor: unyank_release(release(), actor=actor),
        "Release 1.0 of sample un-yanked",
        id="unyank",
    ),
    pytest.param(
        "removed-project-release",
        lambda: None,
        lambda actor: delete_release(release(), actor=actor),
        "Release 1.0 of sample deleted",
        id="delete_release",
    ),
    pytest.param(
        "removed-project-release-file",
        lambda: None,
        lambda actor: delete_file(release().files.get(), actor=actor),
        "File sample-1.0-py3-none-any.whl deleted from sample",
        id="delete_file",
    ),
    pytest.param(
        "removed-project",
        lambda: None,
        lambda actor: delete_project(fresh_project(), actor=actor),
        "Project sample deleted",
        id="delete_project",
    ),
    pytest.param(
        "archived-project",
        lambda: None,
        lambda actor: archive_project(fresh_project(), actor=actor),
        "Project sample archived",
        id="archive",
    ),
    pytest.param(
        "unarchived-project",
        lambda: set_status(LifecycleStatus.ARCHIVED),
        lambda actor: unarchive_project(fresh_project(), actor=actor),
        "Project sample unarchived",
        id="unarchive",
    ),
]


@pytest.mark.parametrize(("notice", "prepare", "change", "subject"), CHANGES)
def test_a_change_mails_every_collaborator_once(
    actor, project, committed, notice, prepare, change, subject
):
    prepare()

    with committed():
        change(actor)

    assert sent() == [(notice, name) for name in COLLABORATORS]
    assert sorted((m.to, m.subject) for m in mail.outbox) == [
        ([f"{name}@example.com"], subject) for name in COLLABORATORS
    ]
    assert all("mod" in m.body and "sample" in m.body for m in mail.outbox)


def test_the_yank_mail_gives_the_reason(actor, project, committed):
    with committed():
        yank_release(release(), actor=actor, reason="broken wheel tags")

    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert "Reason: broken wheel tags" in message.body
        assert "broken wheel tags" in message.alternatives[0].content


def test_a_yank_without_a_reason_gives_none(actor, project, committed):
    with committed():
        yank_release(release(), actor=actor)

    assert len(mail.outbox) == 3
    assert not any("Reason:" in m.body for m in mail.outbox)


def test_a_deleted_project_still_mails_its_former_collaborators(actor, project, committed):
    with committed():
        delete_project(project, actor=actor)

    assert not Project.objects.filter(name="sample").exists()
    assert not Role.objects.filter(user__username__in=COLLABORATORS).exists()
    assert sent() == [("removed-project", name) for name in COLLABORATORS]
    assert sorted(m.to[0] for m in mail.outbox) == [f"{n}@example.com" for n in COLLABORATORS]


@pytest.mark.parametrize(("notice", "prepare", "change", "subject"), CHANGES)
def test_a_collaborator_without_a_verified_address_gets_no_mail(
    actor, project, committed, notice, prepare, change, subject
):
    unverified = UserFactory(username="dave")
    EmailAddressFactory(user=unverified, verified=False)
    RoleFactory(project=project, user=unverified, role_name=RoleName.MAINTAINER)
    RoleFactory(project=project, user=UserFactory(username="erin"), role_name=RoleName.OWNER)
    prepare()

    with committed():
        change(actor)

    assert sent() == [(notice, name) for name in COLLABORATORS]
    assert len(mail.outbox) == 3
    assert all(m.to[0].split("@")[0] in COLLABORATORS for m in mail.outbox)


@pytest.mark.parametrize(("notice", "prepare", "change", "subject"), CHANGES)
def test_a_rolled_back_change_mails_nobody(
    actor, project, committed, notice, prepare, change, subject
):
    prepare()

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        change(actor)
        raise RuntimeError

    assert sent() == []
    assert mail.outbox == []
    assert Project.objects.filter(name="sample").exists()


def deletion_switched_off() -> None:
    switch_on("disallow-deletion")


# (how the change is made to be refused, the refused change, its status)
REFUSED = [
    pytest.param(
        lambda: Release.objects.update(yanked=True),
        lambda actor: yank_release(release(), actor=actor, reason="again"),
        409,
        id="yank-a-yanked-release",
    ),
    pytest.param(
        lambda: None,
        lambda actor: unyank_release(release(), actor=actor),
        409,
        id="unyank-a-release-not-yanked",
    ),
    pytest.param(
        deletion_switched_off,
        lambda actor: delete_release(release(), actor=actor),
        403,
        id="delete_release-switched-off",
    ),
    pytest.param(
        deletion_switched_off,
        lambda actor: delete_file(release().files.get(), actor=actor),
        403,
        id="delete_file-switched-off",
    ),
    pytest.param(
        deletion_switched_off,
        lambda actor: delete_project(fresh_project(), actor=actor),
        403,
        id="delete_project-switched-off",
    ),
    pytest.param(
        lambda: set_status(LifecycleStatus.ARCHIVED),
        lambda actor: archive_project(fresh_project(), actor=actor),
        409,
        id="archive-an-archived-project",
    ),
    pytest.param(
        lambda: set_status(LifecycleStatus.QUARANTINE_ENTER),
        lambda actor: archive_project(fresh_project(), actor=actor),
        409,
        id="archive-a-quarantined-project",
    ),
    pytest.param(
        lambda: None,
        lambda actor: unarchive_project(fresh_project(), actor=actor),
        409,
        id="unarchive-an-active-project",
    ),
]


@pytest.mark.parametrize(("prepare", "change", "status"), REFUSED)
def test_a_refused_change_mails_nobody(actor, project, committed, prepare, change, status):
    prepare()

    with committed():
        with pytest.raises(Refused) as refused:
            change(actor)

    assert refused.value.status == status
    assert sent() == []
    assert mail.outbox == []
