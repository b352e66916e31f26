"""Release services: creating a release, yanking it, deleting a release or a file.

Deletions run against real uploads, so the sizes and the filename registry are those the
upload path wrote, and a new upload is what proves a deleted filename stays reserved.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.signals import post_save
from packaging.metadata import Metadata

from accounts.models import User
from moderation.models import AdminFlag
from packages.description import Rendered
from packages.models import (
    DependencyKind,
    File,
    FilenameRegistry,
    JournalEntry,
    Project,
    ProjectEvent,
    ProjectEventTag,
    Release,
)
from packages.services import journal
from packages.services.events import Actor
from packages.services.refusals import Refused
from packages.services.releases import (
    create_release,
    delete_file,
    delete_release,
    unyank_release,
    yank_release,
)
from tests import uploads
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

IP = "192.0.2.7"
AGENT = "tests/1.0"
REUSED = (
    "This filename was previously used by a file that has since been deleted. "
    "Use a different version."
)


@pytest.fixture
def moderator() -> User:
    return UserFactory(username="mod")


@pytest.fixture
def actor(moderator: User) -> Actor:
    return Actor(user=moderator, ip_address=IP, user_agent=AGENT)


def switch_on(flag_id: str) -> None:
    AdminFlag.objects.update_or_create(id=flag_id, defaults={"enabled": True, "description": "x"})


def entries_since(serial: int) -> list[tuple[str, str | None, str, str | None]]:
    return [
        (e.name, e.version, e.action, e.submitted_by.username if e.submitted_by else None)
        for e in JournalEntry.objects.filter(id__gt=serial)
        .order_by("id")
        .select_related("submitted_by")
    ]


def assert_on_newest_serial(project: Project) -> None:
    newest = JournalEntry.objects.latest("id").id
    assert Project.objects.get(pk=project.pk).last_serial == newest == journal.last_serial()


def events_since(project: Project, event_id: int = 0) -> list[ProjectEvent]:
    return list(ProjectEvent.objects.filter(project=project, id__gt=event_id).order_by("id"))


def newest_event_id() -> int:
    return ProjectEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def upload(client, token, kind: str = "wheel", version: str = "1.0") -> tuple[uploads.Upload, int]:
    """Upload a file of ``sample``; the form, and how much it added to the project's size."""
    before = Project.objects.filter(name="sample").values_list("total_size", flat=True).first()
    build = uploads.wheel_upload if kind == "wheel" else uploads.sdist_upload
    form = build("sample", version)
    response = form.post(client, token)
    assert response.status_code == 200, response.content
    added = Project.objects.get(name="sample").total_size - (before or 0)
    assert added >= len(form.files[0].content)
    return form, added


# create_release


def test_create_release_stores_the_metadata_and_journals_it(actor, moderator):
    project = ProjectFactory(name="sample")
    meta = Metadata.from_raw(
        {
            "metadata_version": "2.1",
            "name": "sample",
            "version": "2.0rc1",
            "summary": "A sample",
            "description": "Hello",
            "requires_dist": ["requests>=2", "idna"],
            "requires_python": ">=3.11",
            "project_urls": {"Source": "https://example.com/src"},
            "classifiers": ["Programming Language :: Python :: 3"],
        }
    )
    rendered = Rendered(html="<p>Hello</p>", content_type="text/x-rst", rendered_by="tests")

    release = create_release(project, meta, rendered, actor=actor)

    release = Release.objects.get()
    assert (release.project, release.version, release.canonical_version) == (
        project,
        "2.0rc1",
        "2rc1",
    )
    assert release.is_prerelease
    assert (release.summary, release.requires_python) == ("A sample", ">=3.11")
    assert (release.uploader, release.uploaded_via) == (moderator, AGENT)
    assert (release.description.raw, release.description.html) == ("Hello", "<p>Hello</p>")
    assert sorted(
        release.dependencies.filter(kind=DependencyKind.REQUIRES_DIST).values_list(
            "specifier", flat=True
        )
    ) == ["idna", "requests>=2"]
    assert list(release.project_urls.values_list("name", "url")) == [
        ("Source", "https://example.com/src")
    ]
    assert list(release.classifiers.values_list("classifier", flat=True)) == [
        "Programming Language :: Python :: 3"
    ]
    assert entries_since(0) == [("sample", "2.0rc1", "new release", "mod")]
    assert_on_newest_serial(project)
    (event,) = events_since(project)
    assert (event.tag, event.user, event.ip_address) == (ProjectEventTag.RELEASE_ADD, moderator, IP)
    assert event.additional == {"submitted_by": "mod", "version": "2.0rc1"}


# Yanking


def test_yank_release(actor, moderator):
    release = ReleaseFactory(project__name="sample", version="1.0")
    FileFactory(release=release)

    yank_release(release, actor=actor, reason="broken on Windows")

    stored = Release.objects.get()
    assert stored.yanked
    assert stored.yanked_reason == "broken on Windows"
    assert stored.yanked_date is not None
    assert entries_since(0) == [("sample", "1.0", "yank release", "mod")]
    assert_on_newest_serial(release.project)
    (event,) = events_since(release.project)
    assert (event.tag, event.user, event.user_agent) == (
        ProjectEventTag.RELEASE_YANK,
        moderator,
        AGENT,
    )
    assert event.additional == {
        "submitted_by": "mod",
        "version": "1.0",
        "reason": "broken on Windows",
    }


def test_unyank_release(actor, moderator):
    release = ReleaseFactory(project__name="sample", version="1.0")
    yank_release(release, actor=actor, reason="oops")
    first = journal.last_serial()

    unyank_release(Release.objects.get(), actor=actor)

    stored = Release.objects.get()
    assert (stored.yanked, stored.yanked_reason, stored.yanked_date) == (False, "", None)
    assert entries_since(first) == [("sample", "1.0", "unyank release", "mod")]
    assert_on_newest_serial(release.project)
    event = events_since(release.project)[-1]
    assert (event.tag, event.user) == (ProjectEventTag.RELEASE_UNYANK, moderator)
    assert event.additional == {"submitted_by": "mod", "version": "1.0"}


def test_a_yanked_release_is_still_served_with_its_reason(client, actor):
    release = ReleaseFactory(project__name="sample", version="1.0")
    FileFactory(release=release)
    client.get("/simple/sample/")  # cached under the serial before the yank

    yank_release(release, actor=actor, reason="use 1.1")

    page = client.get("/simple/sample/").content.decode()
    assert 'data-yanked="use 1.1"' in page
    assert f"<!--SERIAL {journal.last_serial()}-->" in page


# Deleting a release


def test_delete_release_keeps_its_filenames_reserved(client, token, actor, moderator):
    wheel, _ = upload(client, token, "wheel", "1.0")
    upload(client, token, "sdist", "1.0")
    _, later = upload(client, token, "wheel", "2.0")
    project = Project.objects.get()
    filenames = set(File.objects.filter(release__version="1.0").values_list("filename", flat=True))
    serial, event_id = journal.last_serial(), newest_event_id()

    delete_release(Release.objects.get(version="1.0"), actor=actor)

    assert list(Release.objects.values_list("version", flat=True)) == ["2.0"]
    assert not File.objects.filter(filename__in=filenames).exists()
    assert Project.objects.get().total_size == later
    assert filenames <= set(FilenameRegistry.objects.values_list("filename", flat=True))
    assert entries_since(serial) == [("sample", "1.0", "remove release", "mod")]
    assert_on_newest_serial(project)
    (event,) = events_since(project, event_id)
    assert (event.tag, event.user, event.ip_address) == (
        ProjectEventTag.RELEASE_REMOVE,
        moderator,
        IP,
    )
    assert event.additional == {"submitted_by": "mod", "version": "1.0"}

    serial = journal.last_serial()
    response = wheel.post(client, token)
    assert response.status_code == 400
    assert response.content.decode().startswith(REUSED)
    assert not Release.objects.filter(version="1.0").exists()
    assert journal.last_serial() == serial


def test_delete_release_without_files(actor):
    release = ReleaseFactory(project__name="sample", version="1.0")

    delete_release(release, actor=actor)

    assert not Release.objects.exists()
    assert Project.objects.get().total_size == 0
    assert entries_since(0) == [("sample", "1.0", "remove release", "mod")]


def test_delete_release_is_refused_while_deletion_is_switched_off(client, token, actor):
    upload(client, token, "wheel", "1.0")
    project = Project.objects.get()
    serial, size = journal.last_serial(), project.total_size
    switch_on("disallow-deletion")

    with pytest.raises(Refused) as refused:
        delete_release(Release.objects.get(), actor=actor)

    assert refused.value.status == 403
    assert refused.value.message.startswith("Deletion is temporarily disabled.")
    assert File.objects.count() == 1
    assert Project.objects.get().total_size == size
    assert entries_since(serial) == []


# Deleting a file


def test_delete_file_keeps_its_filename_reserved(client, token, actor, moderator):
    wheel, _ = upload(client, token, "wheel", "1.0")
    _, sdist = upload(client, token, "sdist", "1.0")
    project = Project.objects.get()
    file = File.objects.get(packagetype="bdist_wheel")
    serial, event_id = journal.last_serial(), newest_event_id()

    delete_file(file, actor=actor)

    assert list(File.objects.values_list("packagetype", flat=True)) == ["sdist"]
    assert Release.objects.get().version == "1.0"  # the release stays
    assert Project.objects.get().total_size == sdist
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    assert entries_since(serial) == [("sample", "1.0", f"remove file {file.filename}", "mod")]
    assert_on_newest_serial(project)
    (event,) = events_since(project, event_id)
    assert (event.tag, event.user) == (ProjectEventTag.FILE_REMOVE, moderator)
    assert event.additional == {"submitted_by": "mod", "filename": file.filename, "version": "1.0"}

    serial = journal.last_serial()
    response = wheel.post(client, token)
    assert response.status_code == 400
    assert response.content.decode().startswith(REUSED)
    assert list(File.objects.values_list("packagetype", flat=True)) == ["sdist"]
    assert journal.last_serial() == serial


def test_delete_file_is_refused_while_deletion_is_switched_off(client, token, actor):
    upload(client, token, "wheel", "1.0")
    serial, size = journal.last_serial(), Project.objects.get().total_size
    switch_on("disallow-deletion")

    with pytest.raises(Refused) as refused:
        delete_file(File.objects.get(), actor=actor)

    assert refused.value.status == 403
    assert refused.value.message.startswith("Deletion is temporarily disabled.")
    assert File.objects.count() == 1
    assert Project.objects.get().total_size == size
    assert entries_since(serial) == []


def test_a_deleted_file_leaves_the_simple_page(client, token, actor):
    upload(client, token, "wheel", "1.0")
    file = File.objects.get()
    assert file.filename in client.get("/simple/sample/").content.decode()

    delete_file(file, actor=actor)

    assert file.filename not in client.get("/simple/sample/").content.decode()


# One transaction each


@pytest.fixture
def journal_write_fails():
    """Make the database write of the next journal entry fail (after its INSERT)."""

    def fail(sender, instance, **kwargs):
        raise RuntimeError("journal write failed")

    post_save.connect(fail, sender=JournalEntry, dispatch_uid="journal_write_fails")
    yield
    post_save.disconnect(sender=JournalEntry, dispatch_uid="journal_write_fails")


def snapshot() -> tuple:
    return (
        list(Project.objects.values()),
        list(Release.objects.values()),
        list(File.objects.values()),
        list(FilenameRegistry.objects.values()),
        list(JournalEntry.objects.values()),
        list(ProjectEvent.objects.values()),
    )


CHANGES = [
    pytest.param(
        False, lambda release, actor: yank_release(release, actor=actor, reason="r"), id="yank"
    ),
    pytest.param(True, lambda release, actor: unyank_release(release, actor=actor), id="unyank"),
    pytest.param(
        True, lambda release, actor: delete_release(release, actor=actor), id="delete_release"
    ),
    pytest.param(
        True,
        lambda release, actor: delete_file(release.files.get(), actor=actor),
        id="delete_file",
    ),
]


def release_with_a_file(yanked: bool) -> Release:
    release = ReleaseFactory(project__name="sample", version="1.0", yanked=yanked)
    FileFactory(release=release)
    Project.objects.filter(pk=release.project_id).update(total_size=1024)
    return Release.objects.get()


@pytest.mark.parametrize(("yanked", "change"), CHANGES)
def test_a_change_failing_inside_leaves_no_trace(actor, journal_write_fails, yanked, change):
    release = release_with_a_file(yanked)
    before = snapshot()

    with pytest.raises(RuntimeError):
        change(release, actor)

    assert snapshot() == before


def test_create_release_failing_inside_its_caller_leaves_no_release(actor, journal_write_fails):
    # create_release runs inside the upload's transaction; the caller's rollback undoes it.
    project = ProjectFactory(name="sample")
    meta = Metadata.from_raw({"metadata_version": "2.1", "name": "sample", "version": "1.0"})
    rendered = Rendered(html="", content_type="", rendered_by="tests")

    with pytest.raises(RuntimeError), transaction.atomic():
        create_release(project, meta, rendered, actor=actor)

    assert not Release.objects.exists()
    assert not JournalEntry.objects.exists()
    assert not ProjectEvent.objects.exists()


# CDN purges


@pytest.fixture
def cdn(settings):
    # Never reached: the callbacks below are captured, not run.
    settings.CDN_PURGE_URL = "http://127.0.0.1:9/purge"


@pytest.mark.parametrize(("yanked", "change"), CHANGES)
def test_a_change_schedules_one_purge_on_commit(
    actor, cdn, django_capture_on_commit_callbacks, yanked, change
):
    release = release_with_a_file(yanked)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change(release, actor)

    assert len(callbacks) == 1


@pytest.mark.parametrize(("yanked", "change"), CHANGES)
def test_a_rolled_back_change_schedules_no_purge(
    actor, cdn, django_capture_on_commit_callbacks, yanked, change
):
    release = release_with_a_file(yanked)
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            change(release, actor)
            raise RuntimeError

    assert callbacks == []
    assert snapshot() == before


def test_a_refused_deletion_schedules_no_purge(actor, cdn, django_capture_on_commit_callbacks):
    release = release_with_a_file(yanked=True)
    switch_on("disallow-deletion")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(Refused):
            delete_release(release, actor=actor)

    assert callbacks == []
