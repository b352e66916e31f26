"""The journal: serials that only grow, and each project's ``last_serial``."""

from __future__ import annotations

import pytest

from packages.models import JournalEntry, Project
from packages.services import journal
from tests import uploads
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_last_serial_is_zero_for_an_empty_journal():
    assert journal.last_serial() == 0


def test_write_appends_entries_in_order_and_bumps_the_project():
    project = ProjectFactory(name="Sample")
    user = UserFactory(username="alice")

    serial = journal.write(
        project, [("create", None), ("add Owner alice", None), ("new release", "1.0")], user=user
    )

    entries = list(JournalEntry.objects.order_by("id"))
    assert [(e.name, e.version, e.action, e.submitted_by) for e in entries] == [
        ("Sample", None, "create", user),
        ("Sample", None, "add Owner alice", user),
        ("Sample", "1.0", "new release", user),
    ]
    assert serial == entries[-1].id == journal.last_serial()
    assert project.last_serial == serial
    assert Project.objects.get().last_serial == serial


def test_serials_strictly_increase_across_projects():
    first, second = ProjectFactory(name="first"), ProjectFactory(name="second")

    serials = [
        journal.write(project, [("new release", str(number))], user=None)
        for number in range(5)
        for project in (first, second)
    ]

    assert serials == sorted(set(serials))
    assert serials == list(JournalEntry.objects.order_by("id").values_list("id", flat=True))
    assert Project.objects.get(name="first").last_serial == serials[-2]
    assert Project.objects.get(name="second").last_serial == serials[-1]
    assert journal.last_serial() == serials[-1]


def test_writing_nothing_changes_nothing():
    project = ProjectFactory(name="sample")
    serial = journal.write(project, [("create", None)], user=None)

    assert journal.write(project, [], user=None) == 0
    assert Project.objects.get().last_serial == project.last_serial == serial
    assert JournalEntry.objects.count() == 1


def test_entries_outlive_the_project():
    project = ProjectFactory(name="sample")
    serial = journal.write(project, [("remove project", None)], user=None)
    project.delete()

    assert JournalEntry.objects.get().name == "sample"
    assert journal.last_serial() == serial


def test_every_upload_ends_on_the_project_serial(client, token):
    for upload in (
        uploads.wheel_upload("sample", "1.0"),
        uploads.sdist_upload("sample", "1.0"),
        uploads.wheel_upload("sample", "2.0"),
        uploads.wheel_upload("other", "1.0"),
    ):
        assert upload.post(client, token).status_code == 200
        name = dict(upload.fields)["name"]
        latest = JournalEntry.objects.filter(name=name).latest("id")
        assert Project.objects.get(name=name).last_serial == latest.id == journal.last_serial()

    ids = list(JournalEntry.objects.order_by("submitted_date", "id").values_list("id", flat=True))
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) == 11
