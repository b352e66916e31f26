"""The index follows the write path: real uploads and the services, run to their commit."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import User
from packages.models import LifecycleStatus, Project, Release, SearchDocument
from packages.search import documents
from packages.services.events import Actor
from packages.services.projects import (
    archive_project,
    delete_project,
    quarantine_project,
    release_from_quarantine,
    unarchive_project,
)
from packages.services.releases import delete_file, delete_release, unyank_release, yank_release
from tests import uploads
from tests.packages.factories import FileFactory, ReleaseFactory

from .conftest import make_indexed

pytestmark = pytest.mark.django_db

CLASSIFIERS = ["Framework :: Django", "Programming Language :: Python :: 3"]


@pytest.fixture
def actor(publisher: User) -> Actor:
    return Actor(user=publisher, ip_address="192.0.2.1", user_agent="tests/1.0")


@pytest.fixture
def upload(client, token, committed):
    def send(version: str = "1.0", name: str = "sample", kind: str = "wheel", **metadata):
        build = uploads.wheel_upload if kind == "wheel" else uploads.sdist_upload
        form = build(name, version, metadata=metadata or None)
        if "summary" in metadata:
            form.set("summary", metadata["summary"])
        with committed():
            response = form.post(client, token)
        assert response.status_code == 200, response.content
        return Release.objects.get(project__name=name, version=version)

    return send


def document(name: str = "sample") -> SearchDocument | None:
    return SearchDocument.objects.filter(normalized_name=name).first()


def test_an_upload_indexes_the_project(upload):
    upload(
        "1.0",
        summary="Sample for tests",
        keywords="web,http",
        author="Alice Example",
        classifiers=CLASSIFIERS,
        description="A *long* description.",
    )

    doc = document()
    assert doc is not None
    assert (doc.name, doc.version, doc.summary) == ("sample", "1.0", "Sample for tests")
    assert (doc.keywords, doc.author) == ("web,http", "Alice Example")
    assert doc.classifiers == CLASSIFIERS
    assert "A *long* description." in doc.description
    assert not doc.is_prerelease and not doc.is_archived
    assert doc.created == doc.release.created
    if connection.vendor == "postgresql":
        assert doc.search_vector


def test_a_new_release_updates_version_and_summary(upload):
    upload("1.0", summary="First")
    upload("2.0", summary="Second")

    doc = document()
    assert doc is not None
    assert (doc.version, doc.summary) == ("2.0", "Second")


def test_a_pre_release_does_not_replace_the_final_release(upload):
    upload("1.0", summary="Final")
    upload("2.0b1", summary="Beta")

    doc = document()
    assert doc is not None
    assert (doc.version, doc.summary, doc.is_prerelease) == ("1.0", "Final", False)


def test_a_project_with_only_a_pre_release_is_indexed_as_one(upload):
    upload("2.0b1", summary="Beta")

    doc = document()
    assert doc is not None
    assert (doc.version, doc.is_prerelease) == ("2.0b1", True)


def test_a_second_file_of_the_release_keeps_the_document(upload):
    upload("1.0", summary="Sample")
    upload("1.0", kind="sdist")

    assert document() is not None
    assert SearchDocument.objects.count() == 1


def test_yank_removes_the_release_from_the_document(upload, actor, committed):
    upload("1.0", summary="First")
    second = upload("2.0", summary="Second")

    with committed():
        yank_release(second, actor=actor, reason="broken")
    doc = document()
    assert doc is not None
    assert (doc.version, doc.summary) == ("1.0", "First")

    with committed():
        unyank_release(second, actor=actor)
    doc = document()
    assert doc is not None
    assert doc.version == "2.0"


def test_yanking_the_only_release_removes_the_document(upload, actor, committed):
    only = upload("1.0")

    with committed():
        yank_release(only, actor=actor)

    assert document() is None


def test_deleting_the_latest_release_falls_back_to_the_previous_one(upload, actor, committed):
    upload("1.0", summary="First")
    second = upload("2.0", summary="Second")

    with committed():
        delete_release(second, actor=actor)

    doc = document()
    assert doc is not None
    assert (doc.version, doc.summary) == ("1.0", "First")


def test_deleting_the_last_file_of_a_release_drops_it_from_the_document(upload, actor, committed):
    upload("1.0", summary="First")
    second = upload("2.0", summary="Second")

    with committed():
        delete_file(second.files.get(), actor=actor)

    doc = document()
    assert doc is not None
    assert doc.version == "1.0"


def test_deleting_the_project_deletes_the_document(upload, actor, committed):
    upload("1.0")

    with committed():
        delete_project(Project.objects.get(), actor=actor)

    assert not SearchDocument.objects.exists()


def test_quarantine_removes_the_document_and_its_release_restores_it(upload, actor, committed):
    upload("1.0")

    with committed():
        quarantine_project(Project.objects.get(), actor=actor)
    assert document() is None

    with committed():
        release_from_quarantine(Project.objects.get(), actor=actor)
    doc = document()
    assert doc is not None
    assert doc.lifecycle_status == LifecycleStatus.QUARANTINE_EXIT
    assert not doc.is_archived


def test_archiving_keeps_the_project_indexed_and_marked(upload, actor, committed):
    upload("1.0")

    with committed():
        archive_project(Project.objects.get(), actor=actor)
    doc = document()
    assert doc is not None and doc.is_archived

    with committed():
        unarchive_project(Project.objects.get(), actor=actor)
    doc = document()
    assert doc is not None and not doc.is_archived


def test_archived_not_indexed_projects_have_no_document(indexed):
    assert indexed("hidden", status=LifecycleStatus.ARCHIVED_NOINDEX) is None
    assert indexed("shown", status=LifecycleStatus.ARCHIVED) is not None


def test_a_rolled_back_change_schedules_no_update(
    upload, actor, django_capture_on_commit_callbacks
):
    release = upload("1.0")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            yank_release(release, actor=actor)
            raise RuntimeError

    assert callbacks == []
    assert document() is not None


def test_a_failing_update_does_not_fail_the_committed_change(
    upload, actor, committed, monkeypatch, caplog
):
    release = upload("1.0")

    def fail(project_id: int) -> None:
        raise RuntimeError("index down")

    monkeypatch.setattr(documents, "update", fail)
    with committed():
        yank_release(release, actor=actor)

    assert Release.objects.get().yanked
    assert "index down" in caplog.text


def test_a_release_without_files_is_not_indexed(db):
    release = ReleaseFactory(project__name="empty")

    assert documents.update(release.project_id) is None
    assert not SearchDocument.objects.exists()


def test_update_of_a_deleted_project_does_nothing(db):
    assert documents.update(123456) is None


def test_the_description_is_kept_to_its_first_200_kb(indexed):
    doc = indexed("long", description="é" * 150_000)  # 300,000 bytes

    assert doc is not None
    assert len(doc.description.encode()) <= documents.MAX_DESCRIPTION_BYTES
    assert doc.description == "é" * (documents.MAX_DESCRIPTION_BYTES // 2)


def test_reindex_search_rebuilds_every_document(db, capsys):
    make_indexed("kept", summary="Old")
    make_indexed("gone")
    Release.objects.filter(project__name="kept").update(summary="New")
    # Changed behind the services' back: a pre-release and a yank that nobody indexed.
    Release.objects.filter(project__name="gone").update(yanked=True)
    FileFactory(release=ReleaseFactory(project__name="fresh", version="1.0"))
    SearchDocument.objects.filter(normalized_name="kept").update(search_vector=None)

    call_command("reindex_search")

    assert sorted(SearchDocument.objects.values_list("normalized_name", "summary")) == [
        ("fresh", "A release for tests"),
        ("kept", "New"),
    ]
    assert "Indexed 2 projects, removed 1 stale documents." in capsys.readouterr().out
    if connection.vendor == "postgresql":
        assert all(SearchDocument.objects.values_list("search_vector", flat=True))
