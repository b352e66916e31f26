"""The journal: serials that only grow, and each project's ``last_serial``."""

from __future__ import annotations

import pytest
from django.db import transaction

from packages.models import JournalEntry, Project
from packages.services import journal
from tests import uploads
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_last_serial_is_zero_for_an_empty_journal():
    assert journal.last_serial() == 0


def test_record_appends_an_entry_and_bumps_the_project():
    project = ProjectFactory(name="Sample")
    user = UserFactory(username="alice")

    serial = journal.record(project, journal.Entry("new release", "1.0"), by=user)

    entry = JournalEntry.objects.get()
    assert (entry.name, entry.version, entry.action, entry.submitted_by) == (
        "Sample",
        "1.0",
        "new release",
        user,
    )
    assert serial == entry.id == journal.last_serial()
    assert project.last_serial == serial
    assert Project.objects.get().last_serial == serial


def test_deferred_entries_are_written_together_when_the_block_ends():
    project = ProjectFactory(name="Sample")
    user = UserFactory(username="alice")

    with transaction.atomic(), journal.deferred():
        assert journal.record(project, journal.Entry("create"), by=user) == 0
        journal.record(project, journal.Entry("add Owner alice"), by=user)
        journal.record(project, journal.Entry("new release", "1.0"), by=user)
        assert not JournalEntry.objects.exists()

    entries = list(JournalEntry.objects.order_by("id"))
    assert [(e.version, e.action) for e in entries] == [
        (None, "create"),
        (None, "add Owner alice"),
        ("1.0", "new release"),
    ]
    assert project.last_serial == entries[-1].id == Project.objects.get().last_serial


def test_a_failing_deferred_block_writes_nothing():
    project = ProjectFactory(name="Sample")

    with pytest.raises(RuntimeError), transaction.atomic(), journal.deferred():
        journal.record(project, journal.Entry("create"), by=None)
        raise RuntimeError

    assert not JournalEntry.objects.exists()
    assert Project.objects.get().last_serial == 0


def test_serials_strictly_increase_across_projects():
    first, second = ProjectFactory(name="first"), ProjectFactory(name="second")

    serials = [
        journal.record(project, journal.Entry("new release", str(number)), by=None)
        for number in range(5)
        for project in (first, second)
    ]

    assert serials == sorted(set(serials))
    assert serials == list(JournalEntry.objects.order_by("id").values_list("id", flat=True))
    assert Project.objects.get(name="first").last_serial == serials[-2]
    assert Project.objects.get(name="second").last_serial == serials[-1]
    assert journal.last_serial() == serials[-1]


def test_entries_outlive_the_project():
    project = ProjectFactory(name="sample")
    serial = journal.record(project, journal.Entry("remove project"), by=None)
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


def test_a_deferred_block_whose_transaction_will_roll_back_writes_nothing():
    project = ProjectFactory(name="Sample")

    with transaction.atomic(), journal.deferred():
        journal.record(project, journal.Entry("new release", "1.0"), by=None)
        transaction.set_rollback(True)

    assert not JournalEntry.objects.exists()


def test_identical_reupload_under_another_version_changes_nothing(client, token):
    """An identical file comes back with a form naming a new version: the release the form
    would have created is rolled back with everything else (found by the upload fuzzer)."""
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    serial = journal.last_serial()

    again = uploads.wheel_upload("sample", "1.0").set("version", "1.0.post1")
    assert again.post(client, token).status_code == 200

    assert journal.last_serial() == serial
    assert list(Project.objects.get().releases.values_list("version", flat=True)) == ["1.0"]
