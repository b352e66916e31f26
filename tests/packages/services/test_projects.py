"""Project services: creating a project, its lifecycle, its limits, deleting it.

Each change is checked in the three places it must land: the project row, the journal (the
exact entry mirrors read, with the project's ``last_serial`` on it) and the project history.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from accounts.models import User
from moderation.models import AdminFlag
from packages.models import (
    File,
    FilenameRegistry,
    JournalEntry,
    LifecycleStatus,
    Project,
    ProjectEvent,
    ProjectEventTag,
    Release,
    Role,
    RoleName,
)
from packages.services import journal
from packages.services.events import Actor
from packages.services.projects import (
    archive_project,
    check_deletion_allowed,
    create_project,
    delete_project,
    quarantine_project,
    release_from_quarantine,
    set_limits,
    unarchive_project,
)
from packages.services.refusals import Refused
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

IP = "192.0.2.7"
AGENT = "tests/1.0"


@pytest.fixture
def moderator() -> User:
    return UserFactory(username="mod")


@pytest.fixture
def actor(moderator: User) -> Actor:
    return Actor(user=moderator, ip_address=IP, user_agent=AGENT)


def switch_on(flag_id: str) -> None:
    AdminFlag.objects.update_or_create(id=flag_id, defaults={"enabled": True, "description": "x"})


def entries() -> list[tuple[str, str | None, str, str | None]]:
    """The whole journal, oldest first: (name, version, action, submitted_by's username)."""
    return [
        (e.name, e.version, e.action, e.submitted_by.username if e.submitted_by else None)
        for e in JournalEntry.objects.order_by("id").select_related("submitted_by")
    ]


def assert_on_newest_serial(project: Project) -> None:
    newest = JournalEntry.objects.latest("id").id
    assert Project.objects.get(pk=project.pk).last_serial == newest == journal.last_serial()
    assert project.last_serial == newest  # the caller's instance is kept current too


def only_event(project: Project) -> ProjectEvent:
    return ProjectEvent.objects.get(project=project)


# create_project


def test_create_project_journals_the_project_and_its_first_owner():
    alice = UserFactory(username="alice")

    project = create_project("My.Project", actor=Actor(alice, IP, AGENT))

    project = Project.objects.get(pk=project.pk)
    assert (project.name, project.normalized_name, project.ultranormalized_name) == (
        "My.Project",
        "my-project",
        "mypr0ject",
    )
    assert project.lifecycle_status == LifecycleStatus.ACTIVE
    assert list(Role.objects.values_list("project__name", "user__username", "role_name")) == [
        ("My.Project", "alice", RoleName.OWNER)
    ]
    assert entries() == [
        ("My.Project", None, "create", "alice"),
        ("My.Project", None, "add Owner alice", "alice"),
    ]
    assert_on_newest_serial(project)
    history = ProjectEvent.objects.filter(project=project).order_by("id")
    assert [(e.tag, e.user, e.ip_address, e.user_agent) for e in history] == [
        (ProjectEventTag.PROJECT_CREATE, alice, IP, AGENT),
        (ProjectEventTag.ROLE_ADD, alice, IP, AGENT),
    ]
    assert history[0].additional == {"submitted_by": "alice"}
    assert history[1].additional == {
        "submitted_by": "alice",
        "role_name": "Owner",
        "target_user": "alice",
    }


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("-bad-", 400, "The name '-bad-' is invalid."),
        ("Ex_Isting", 400, "The name 'Ex_Isting' is too similar to an existing project."),
    ],
)
def test_create_project_refuses_a_name_and_journals_nothing(actor, name, status, message):
    ProjectFactory(name="existing")

    with pytest.raises(Refused) as refused:
        create_project(name, actor=actor)

    assert refused.value.status == status
    assert refused.value.message.startswith(message)
    assert list(Project.objects.values_list("name", flat=True)) == ["existing"]
    assert entries() == []
    assert not ProjectEvent.objects.exists()


def test_create_project_refuses_while_registration_is_switched_off(actor):
    switch_on("disallow-new-project-registration")

    with pytest.raises(Refused) as refused:
        create_project("sample", actor=actor)

    assert refused.value.status == 403
    assert refused.value.message.startswith("New project registration temporarily disabled.")
    assert not Project.objects.exists()
    assert entries() == []


def test_create_project_refuses_past_the_hourly_rate(actor, settings):
    settings.UPLOAD_NEW_PROJECTS_PER_USER_HOUR = 1
    create_project("first", actor=actor)

    with pytest.raises(Refused) as refused:
        create_project("second", actor=actor)

    assert (refused.value.status, refused.value.message) == (429, "Too many new projects created")
    assert list(Project.objects.values_list("name", flat=True)) == ["first"]
    assert {name for name, *_ in entries()} == {"first"}


def test_create_project_losing_a_race_for_the_name_is_409_and_journals_nothing(actor):
    # The name check looks at ultranormalized names; a row that slipped past it (another
    # transaction committing the same name) is caught by the unique normalized name.
    ProjectFactory(name="sample", ultranormalized_name="zzz-other")

    with pytest.raises(Refused) as refused:
        create_project("Sample", actor=actor)

    assert refused.value.status == 409
    assert refused.value.message.startswith("The name 'Sample' conflicts with an existing project.")
    assert Project.objects.count() == 1
    assert entries() == []
    assert not ProjectEvent.objects.exists()
    assert not Role.objects.exists()


# Lifecycle


def test_archive_project(actor, moderator):
    project = ProjectFactory(name="sample")

    archive_project(project, actor=actor, note="unmaintained")

    stored = Project.objects.get()
    assert stored.lifecycle_status == LifecycleStatus.ARCHIVED
    assert stored.lifecycle_status_note == "unmaintained"
    assert stored.lifecycle_status_changed is not None
    assert entries() == [("sample", None, "project archived", "mod")]
    assert_on_newest_serial(project)
    event = only_event(project)
    assert (event.tag, event.user, event.ip_address, event.user_agent) == (
        ProjectEventTag.ARCHIVE_ENTER,
        moderator,
        IP,
        AGENT,
    )
    assert event.additional == {"submitted_by": "mod", "note": "unmaintained"}


def test_a_project_released_from_quarantine_may_be_archived(actor):
    project = ProjectFactory(name="sample", lifecycle_status=LifecycleStatus.QUARANTINE_EXIT)

    archive_project(project, actor=actor)

    assert Project.objects.get().lifecycle_status == LifecycleStatus.ARCHIVED
    assert entries() == [("sample", None, "project archived", "mod")]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (LifecycleStatus.QUARANTINE_ENTER, "quarantined"),
        (LifecycleStatus.ARCHIVED, "archived"),
        (LifecycleStatus.ARCHIVED_NOINDEX, "archived (not indexed)"),
    ],
)
def test_archive_refuses_a_project_that_is_not_active(actor, status, words):
    project = ProjectFactory(name="sample", lifecycle_status=status, lifecycle_status_note="n")

    with pytest.raises(Refused) as refused:
        archive_project(project, actor=actor, note="again")

    assert refused.value.status == 409
    assert refused.value.message == f"Cannot archive project with status {words}."
    stored = Project.objects.get()
    assert (stored.lifecycle_status, stored.lifecycle_status_note) == (status, "n")
    assert (entries(), stored.last_serial) == ([], 0)
    assert not ProjectEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "stale_status", "status", "message"),
    [
        pytest.param(
            archive_project,
            LifecycleStatus.ACTIVE,
            LifecycleStatus.QUARANTINE_ENTER,
            "Cannot archive project with status quarantined.",
            id="archive",
        ),
        pytest.param(
            unarchive_project,
            LifecycleStatus.ARCHIVED,
            LifecycleStatus.ACTIVE,
            "The project is not archived.",
            id="unarchive",
        ),
        pytest.param(
            quarantine_project,
            LifecycleStatus.ACTIVE,
            LifecycleStatus.QUARANTINE_ENTER,
            "The project is already in quarantine.",
            id="quarantine",
        ),
        pytest.param(
            release_from_quarantine,
            LifecycleStatus.QUARANTINE_ENTER,
            LifecycleStatus.QUARANTINE_EXIT,
            "The project is not in quarantine.",
            id="release",
        ),
    ],
)
def test_a_lifecycle_change_reads_the_status_from_the_table_not_a_stale_instance(
    actor, change, stale_status, status, message
):
    # Another moderator changed the status after this instance was read.
    stale = ProjectFactory(name="sample", lifecycle_status=stale_status)
    Project.objects.filter(pk=stale.pk).update(lifecycle_status=status)

    with pytest.raises(Refused) as refused:
        change(stale, actor=actor)

    assert (refused.value.status, refused.value.message) == (409, message)
    assert Project.objects.get().lifecycle_status == status
    assert entries() == []


@pytest.mark.parametrize("status", [LifecycleStatus.ARCHIVED, LifecycleStatus.ARCHIVED_NOINDEX])
def test_unarchive_project(actor, moderator, status):
    project = ProjectFactory(name="sample", lifecycle_status=status)

    unarchive_project(project, actor=actor, note="maintained again")

    stored = Project.objects.get()
    assert stored.lifecycle_status == LifecycleStatus.ACTIVE
    assert stored.lifecycle_status_note == "maintained again"
    assert entries() == [("sample", None, "project unarchived", "mod")]
    assert_on_newest_serial(project)
    event = only_event(project)
    assert (event.tag, event.user) == (ProjectEventTag.ARCHIVE_EXIT, moderator)
    assert event.additional == {"submitted_by": "mod", "note": "maintained again"}


@pytest.mark.parametrize(
    "status",
    [LifecycleStatus.ACTIVE, LifecycleStatus.QUARANTINE_ENTER, LifecycleStatus.QUARANTINE_EXIT],
)
def test_unarchive_refuses_a_project_that_is_not_archived(actor, status):
    project = ProjectFactory(name="sample", lifecycle_status=status)

    with pytest.raises(Refused) as refused:
        unarchive_project(project, actor=actor)

    assert (refused.value.status, refused.value.message) == (409, "The project is not archived.")
    assert Project.objects.get().lifecycle_status == status
    assert entries() == []
    assert not ProjectEvent.objects.exists()


@pytest.mark.parametrize(
    "status", [LifecycleStatus.ACTIVE, LifecycleStatus.ARCHIVED, LifecycleStatus.QUARANTINE_EXIT]
)
def test_quarantine_project(actor, moderator, status):
    project = ProjectFactory(name="sample", lifecycle_status=status)

    quarantine_project(project, actor=actor, note="malware report #12")

    stored = Project.objects.get()
    assert stored.lifecycle_status == LifecycleStatus.QUARANTINE_ENTER
    assert stored.lifecycle_status_note == "malware report #12"
    assert stored.lifecycle_status_changed is not None
    assert entries() == [("sample", None, "project quarantined", "mod")]
    assert_on_newest_serial(project)
    event = only_event(project)
    assert (event.tag, event.user, event.ip_address) == (
        ProjectEventTag.QUARANTINE_ENTER,
        moderator,
        IP,
    )
    assert event.additional == {"submitted_by": "mod", "note": "malware report #12"}


def test_quarantine_twice_is_refused(actor):
    project = ProjectFactory(name="sample")
    quarantine_project(project, actor=actor, note="first")

    with pytest.raises(Refused) as refused:
        quarantine_project(project, actor=actor, note="second")

    assert (refused.value.status, refused.value.message) == (
        409,
        "The project is already in quarantine.",
    )
    assert Project.objects.get().lifecycle_status_note == "first"
    assert [action for _, _, action, _ in entries()] == ["project quarantined"]
    assert ProjectEvent.objects.count() == 1


def test_release_from_quarantine(actor, moderator):
    project = ProjectFactory(name="sample", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    release_from_quarantine(project, actor=actor, note="false positive")

    stored = Project.objects.get()
    assert stored.lifecycle_status == LifecycleStatus.QUARANTINE_EXIT
    assert stored.lifecycle_status_note == "false positive"
    assert not stored.is_quarantined
    assert entries() == [("sample", None, "project quarantine cleared", "mod")]
    assert_on_newest_serial(project)
    event = only_event(project)
    assert (event.tag, event.user) == (ProjectEventTag.QUARANTINE_EXIT, moderator)
    assert event.additional == {"submitted_by": "mod", "note": "false positive"}


@pytest.mark.parametrize(
    "status", [LifecycleStatus.ACTIVE, LifecycleStatus.QUARANTINE_EXIT, LifecycleStatus.ARCHIVED]
)
def test_release_from_quarantine_refuses_a_project_not_in_quarantine(actor, status):
    project = ProjectFactory(name="sample", lifecycle_status=status)

    with pytest.raises(Refused) as refused:
        release_from_quarantine(project, actor=actor)

    assert (refused.value.status, refused.value.message) == (
        409,
        "The project is not in quarantine.",
    )
    assert Project.objects.get().lifecycle_status == status
    assert entries() == []
    assert not ProjectEvent.objects.exists()


def test_each_lifecycle_change_moves_the_serial_on(actor):
    project = ProjectFactory(name="sample")
    other = ProjectFactory(name="other")
    serials = []
    for change in (quarantine_project, release_from_quarantine, archive_project, unarchive_project):
        change(project, actor=actor)
        journal.record(other, journal.Entry("new release", "1.0"), by=None)  # interleaved
        serials.append(Project.objects.get(pk=project.pk).last_serial)

    mine = JournalEntry.objects.filter(name="sample").order_by("id")
    assert serials == [e.id for e in mine]
    assert [e.action for e in mine] == [
        "project quarantined",
        "project quarantine cleared",
        "project archived",
        "project unarchived",
    ]
    assert list(
        ProjectEvent.objects.filter(project=project).order_by("id").values_list("tag", flat=True)
    ) == [
        ProjectEventTag.QUARANTINE_ENTER,
        ProjectEventTag.QUARANTINE_EXIT,
        ProjectEventTag.ARCHIVE_ENTER,
        ProjectEventTag.ARCHIVE_EXIT,
    ]


# Limits


def test_set_limits(actor, moderator, settings):
    project = ProjectFactory(name="sample", upload_limit=None, total_size_limit=None)
    raised = settings.UPLOAD_MAX_FILE_SIZE * 2

    set_limits(project, upload_limit=raised, total_size_limit=50 * 1024**3, actor=actor)

    stored = Project.objects.get()
    assert (stored.upload_limit, stored.total_size_limit) == (raised, 50 * 1024**3)
    assert stored.file_size_limit == raised
    event = only_event(project)
    assert (event.tag, event.user, event.ip_address) == (
        ProjectEventTag.LIMITS_CHANGE,
        moderator,
        IP,
    )
    assert event.additional == {
        "submitted_by": "mod",
        "before": {"upload_limit": None, "total_size_limit": None},
        "after": {"upload_limit": raised, "total_size_limit": 50 * 1024**3},
    }


def test_set_limits_back_to_the_site_defaults(actor, settings):
    project = ProjectFactory(name="sample", upload_limit=500 * 1024**2, total_size_limit=1)

    set_limits(project, upload_limit=None, total_size_limit=None, actor=actor)

    stored = Project.objects.get()
    assert (stored.upload_limit, stored.total_size_limit) == (None, None)
    assert stored.file_size_limit == settings.UPLOAD_MAX_FILE_SIZE
    assert only_event(project).additional["before"] == {
        "upload_limit": 500 * 1024**2,
        "total_size_limit": 1,
    }


def test_set_limits_accepts_the_cap_itself(actor, settings):
    project = ProjectFactory(name="sample")

    set_limits(project, upload_limit=settings.UPLOAD_LIMIT_CAP, total_size_limit=None, actor=actor)

    assert Project.objects.get().upload_limit == settings.UPLOAD_LIMIT_CAP


def test_set_limits_refuses_a_file_limit_above_the_cap(actor, settings):
    project = ProjectFactory(name="sample", upload_limit=None, total_size_limit=7)

    with pytest.raises(Refused) as refused:
        set_limits(
            project,
            upload_limit=settings.UPLOAD_LIMIT_CAP + 1,
            total_size_limit=8,
            actor=actor,
        )

    assert refused.value.status == 400
    assert refused.value.message == (
        f"The file size limit cannot exceed {settings.UPLOAD_LIMIT_CAP} bytes."
    )
    stored = Project.objects.get()
    assert (stored.upload_limit, stored.total_size_limit) == (None, 7)
    assert not ProjectEvent.objects.exists()
    assert entries() == []


# Deleting a project


def test_delete_project_keeps_its_filenames_and_journals_the_removal(actor):
    project = create_project("Sample", actor=actor)
    file = FileFactory(release=ReleaseFactory(project=project, version="1.0"))
    other = FileFactory()

    delete_project(project, actor=actor)

    assert list(Project.objects.all()) == [other.release.project]
    assert list(Release.objects.all()) == [other.release]
    assert list(File.objects.all()) == [other]
    assert set(FilenameRegistry.objects.values_list("filename", flat=True)) == {
        file.filename,
        other.filename,
    }
    assert not ProjectEvent.objects.filter(project_id=project.pk).exists()
    assert entries()[-1] == ("Sample", None, "remove project", "mod")
    assert journal.last_serial() == JournalEntry.objects.get(action="remove project").id
    assert project.last_serial == journal.last_serial()


def test_deletion_switch_refuses_every_deletion():
    switch_on("disallow-deletion")

    with pytest.raises(Refused) as refused:
        check_deletion_allowed()

    assert refused.value.status == 403
    assert refused.value.message.startswith("Deletion is temporarily disabled.")


def test_delete_project_is_refused_while_deletion_is_switched_off(actor):
    project = create_project("Sample", actor=actor)
    FileFactory(release=ReleaseFactory(project=project))
    before = entries()
    switch_on("disallow-deletion")

    with pytest.raises(Refused) as refused:
        delete_project(project, actor=actor)

    assert refused.value.status == 403
    assert refused.value.message.startswith("Deletion is temporarily disabled.")
    assert Project.objects.filter(pk=project.pk).exists()
    assert File.objects.count() == 1
    assert entries() == before


# One transaction: a failure anywhere inside leaves nothing behind


@pytest.fixture
def journal_write_fails():
    """Make the database write of the next journal entry fail (after its INSERT)."""

    def fail(sender, instance, **kwargs):
        raise RuntimeError("journal write failed")

    post_save.connect(fail, sender=JournalEntry, dispatch_uid="journal_write_fails")
    yield
    post_save.disconnect(sender=JournalEntry, dispatch_uid="journal_write_fails")


LIFECYCLE_CHANGES = [
    pytest.param(archive_project, LifecycleStatus.ACTIVE, id="archive"),
    pytest.param(unarchive_project, LifecycleStatus.ARCHIVED, id="unarchive"),
    pytest.param(quarantine_project, LifecycleStatus.ACTIVE, id="quarantine"),
    pytest.param(release_from_quarantine, LifecycleStatus.QUARANTINE_ENTER, id="release"),
]


@pytest.mark.parametrize(("change", "status"), LIFECYCLE_CHANGES)
def test_a_lifecycle_change_failing_inside_leaves_no_trace(
    actor, journal_write_fails, change, status
):
    project = ProjectFactory(name="sample", lifecycle_status=status, lifecycle_status_note="n")

    with pytest.raises(RuntimeError):
        change(project, actor=actor, note="new")

    stored = Project.objects.get()
    assert (stored.lifecycle_status, stored.lifecycle_status_note, stored.last_serial) == (
        status,
        "n",
        0,
    )
    assert not JournalEntry.objects.exists()
    assert not ProjectEvent.objects.exists()


def test_create_project_failing_inside_leaves_no_project(actor, journal_write_fails):
    with pytest.raises(RuntimeError):
        create_project("sample", actor=actor)

    assert not Project.objects.exists()
    assert not JournalEntry.objects.exists()
    assert not ProjectEvent.objects.exists()


def test_create_project_failing_at_its_last_write_leaves_no_project(actor):
    # The Owner role is the last write: the project, its event and its "create" entry are
    # already written when it fails.
    def fail(sender, instance, **kwargs):
        raise RuntimeError("role write failed")

    post_save.connect(fail, sender=Role, dispatch_uid="role_write_fails")
    try:
        with pytest.raises(RuntimeError):
            create_project("sample", actor=actor)
    finally:
        post_save.disconnect(sender=Role, dispatch_uid="role_write_fails")

    assert not Project.objects.exists()
    assert not JournalEntry.objects.exists()
    assert not ProjectEvent.objects.exists()


def test_delete_project_failing_after_its_journal_entry_deletes_nothing(actor):
    project = ProjectFactory(name="sample")
    FileFactory(release=ReleaseFactory(project=project))

    def fail(sender, instance, **kwargs):
        raise RuntimeError("delete failed")

    post_delete.connect(fail, sender=Project, dispatch_uid="project_delete_fails")
    try:
        with pytest.raises(RuntimeError):
            delete_project(project, actor=actor)
    finally:
        post_delete.disconnect(sender=Project, dispatch_uid="project_delete_fails")

    assert Project.objects.get().last_serial == 0
    assert File.objects.count() == 1
    assert not JournalEntry.objects.exists()


def test_a_change_rolled_back_by_the_caller_leaves_no_journal_entry(actor):
    project = ProjectFactory(name="sample")

    with pytest.raises(RuntimeError), transaction.atomic():
        quarantine_project(project, actor=actor)
        raise RuntimeError

    assert Project.objects.get().lifecycle_status == LifecycleStatus.ACTIVE
    assert Project.objects.get().last_serial == 0
    assert not JournalEntry.objects.exists()
    assert not ProjectEvent.objects.exists()


# CDN purges: one per change, on commit, never for a rolled-back change


@pytest.fixture
def cdn(settings):
    # Never reached: the callbacks below are captured, not run.
    settings.CDN_PURGE_URL = "http://127.0.0.1:9/purge"


PURGING_CHANGES = [
    *LIFECYCLE_CHANGES,
    pytest.param(
        lambda project, actor, note: delete_project(project, actor=actor),
        LifecycleStatus.ACTIVE,
        id="delete",
    ),
]


@pytest.mark.parametrize(("change", "status"), PURGING_CHANGES)
def test_a_change_schedules_one_purge_on_commit(
    actor, cdn, django_capture_on_commit_callbacks, change, status
):
    project = ProjectFactory(name="sample", lifecycle_status=status)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change(project, actor=actor, note="")

    assert len(callbacks) == 1


@pytest.mark.parametrize(("change", "status"), PURGING_CHANGES)
def test_a_rolled_back_change_schedules_no_purge(
    actor, cdn, django_capture_on_commit_callbacks, change, status
):
    project = ProjectFactory(name="sample", lifecycle_status=status)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            change(project, actor=actor, note="")
            raise RuntimeError

    assert callbacks == []
    assert Project.objects.get().lifecycle_status == status


def test_a_refused_change_schedules_no_purge(actor, cdn, django_capture_on_commit_callbacks):
    project = ProjectFactory(name="sample", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(Refused):
            archive_project(project, actor=actor)

    assert callbacks == []


def test_without_a_cdn_no_purge_is_requested(
    actor, settings, purge_server, django_capture_on_commit_callbacks
):
    settings.CDN_PURGE_URL = ""
    project = ProjectFactory(name="sample")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        quarantine_project(project, actor=actor)

    assert len(callbacks) == 1  # the search index is still updated
    assert purge_server.received == []
