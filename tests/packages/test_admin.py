"""The admin changes projects only through the services: every change it makes journals,
moves the serial, records an event naming the staff member, and shows on the read surfaces.

Everything goes through the admin's HTTP interface, logged in with a second factor
(``staff_client`` in tests/packages/conftest.py).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

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
from packages.services.projects import quarantine_project
from packages.services.roles import add_role
from tests import uploads
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

V1_JSON = "application/vnd.pypi.simple.v1+json"


# Helpers


@pytest.fixture
def added_sizes(client: Client, token: str) -> dict[str, int]:
    """Upload ``sample`` 1.0 (a wheel and an sdist) and 2.0 (a wheel) as alice; how much each
    file added to the project's total size."""
    added = {}
    for upload in (
        uploads.wheel_upload("sample", "1.0"),
        uploads.sdist_upload("sample", "1.0"),
        uploads.wheel_upload("sample", "2.0"),
    ):
        before = sum(added.values())
        assert upload.post(client, token).status_code == 200, upload
        added[upload.files[0].filename] = Project.objects.get().total_size - before
    return added


@pytest.fixture
def sample(added_sizes: dict[str, int]) -> Project:
    return Project.objects.get()


def newest_entry() -> tuple[str, str | None, str, User | None]:
    entry = JournalEntry.objects.latest("id")
    return entry.name, entry.version, entry.action, entry.submitted_by


def assert_on_newest_serial(project: Project) -> None:
    newest = JournalEntry.objects.latest("id").id
    assert Project.objects.get(pk=project.pk).last_serial == newest == journal.last_serial()


def newest_event(project: Project) -> ProjectEvent:
    return ProjectEvent.objects.filter(project=project).latest("id")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def action(client: Client, model: str, name: str, *pks: int, **data: str):
    """Post admin action ``name`` for ``pks`` on the changelist of ``model``."""
    return client.post(
        f"/admin/packages/{model}/", {"action": name, "_selected_action": list(pks), **data}
    )


def action_with_note(client: Client, model: str, name: str, pk: int, note: str):
    """Ask for the action (its note page must come first, changing nothing), then confirm."""
    serial = journal.last_serial()
    page = action(client, model, name, pk)
    assert page.status_code == 200
    assert page.templates[0].name == "admin/action_with_note.html"
    html = page.content.decode()
    assert 'name="note"' in html
    assert 'name="apply" value="1"' in html
    assert f'name="_selected_action" value="{pk}"' in html
    assert f'name="action" value="{name}"' in html
    assert journal.last_serial() == serial  # nothing changed yet
    done = action(client, model, name, pk, apply="1", note=note)
    assert done.status_code == 302
    return client.get(done["Location"])


class FormReader(HTMLParser):
    """The values a browser would submit for the admin's change form (its ``_save`` button)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "option":
            if self._select and "selected" in a:
                self.data[self._select] = a.get("value") or ""
            return
        name = a.get("name") or ""
        if "__prefix__" in name or name in ("csrfmiddlewaretoken", ""):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "search", "button"):
                return
            if kind == "checkbox" and "checked" not in a:
                return
            self.data[name] = a.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def change_form(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    reader = FormReader()
    reader.feed(response.content.decode())
    return reader.data


def project_url(project: Project) -> str:
    return f"/admin/packages/project/{project.pk}/change/"


def role_rows(form: dict[str, str]) -> dict[int, str]:
    """The inline row index of each existing role: {role id: row prefix}."""
    return {
        int(value): key.removesuffix("-id")
        for key, value in form.items()
        if re.fullmatch(r"roles-\d+-id", key) and value
    }


def roles(project: Project) -> dict[str, str]:
    return dict(Role.objects.filter(project=project).values_list("user__username", "role_name"))


def replay(name: str) -> dict[str, str]:
    """The roles of project ``name`` as a mirror rebuilds them from the journal's words."""
    state: dict[str, str] = {}
    for words in (
        action.split()
        for action in JournalEntry.objects.filter(name=name)
        .order_by("id")
        .values_list("action", flat=True)
    ):
        if words[0] == "add" and len(words) == 3:
            state[words[2]] = words[1]
        elif words[0] == "change":
            state[words[2]] = words[4]
        elif words[0] == "remove" and len(words) == 3 and words[1] in RoleName.values:
            state.pop(words[2], None)
    return state


def simple_files(client: Client) -> list[str]:
    page = client.get("/simple/sample/").content.decode()
    return re.findall(r">([^<]+\.(?:whl|tar\.gz))</a>", page)


def switch_on(flag_id: str) -> None:
    AdminFlag.objects.update_or_create(id=flag_id, defaults={"enabled": True, "description": "x"})


# Lifecycle actions


def test_quarantine_with_a_note(client, staff, staff_client, sample):
    assert len(simple_files(client)) == 3
    assert client.get("/pypi/sample/json").status_code == 200

    page = action_with_note(staff_client, "project", "quarantine", sample.pk, "malware, #42")

    assert "1 object changed." in messages_of(page)
    stored = Project.objects.get()
    assert stored.lifecycle_status == LifecycleStatus.QUARANTINE_ENTER
    assert stored.lifecycle_status_note == "malware, #42"
    assert newest_entry() == ("sample", None, "project quarantined", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    # Owners read the history: it names the staff member, not their address.
    assert (event.tag, event.user, event.ip_address, event.user_agent) == (
        ProjectEventTag.QUARANTINE_ENTER,
        staff,
        None,
        "",
    )
    assert event.additional == {"submitted_by": "staffer", "note": "malware, #42"}
    # The read surfaces, through HTTP.
    assert simple_files(client) == []
    simple = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)
    assert (simple["files"], simple["project-status"]) == ([], {"status": "quarantined"})
    assert client.get("/pypi/sample/json").status_code == 404
    assert client.get("/pypi/sample/1.0/json").status_code == 404


def test_release_from_quarantine(client, staff, staff_client, sample):
    quarantine_project(sample, actor=Actor(staff))

    page = action_with_note(
        staff_client, "project", "release_from_quarantine", sample.pk, "false alarm"
    )

    assert "1 object changed." in messages_of(page)
    stored = Project.objects.get()
    assert stored.lifecycle_status == LifecycleStatus.QUARANTINE_EXIT
    assert stored.lifecycle_status_note == "false alarm"
    assert newest_entry() == ("sample", None, "project quarantine cleared", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user) == (ProjectEventTag.QUARANTINE_EXIT, staff)
    assert event.additional == {"submitted_by": "staffer", "note": "false alarm"}
    assert len(simple_files(client)) == 3
    assert client.get("/pypi/sample/json").status_code == 200


def test_archive_and_unarchive(client, staff, staff_client, sample):
    action_with_note(staff_client, "project", "archive", sample.pk, "unmaintained")

    assert Project.objects.get().lifecycle_status == LifecycleStatus.ARCHIVED
    assert newest_entry() == ("sample", None, "project archived", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user, event.additional["note"]) == (
        ProjectEventTag.ARCHIVE_ENTER,
        staff,
        "unmaintained",
    )
    simple = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)
    assert (len(simple["files"]), simple["project-status"]) == (3, {"status": "archived"})

    action_with_note(staff_client, "project", "unarchive", sample.pk, "back")

    assert Project.objects.get().lifecycle_status == LifecycleStatus.ACTIVE
    assert newest_entry() == ("sample", None, "project unarchived", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user, event.additional["note"]) == (
        ProjectEventTag.ARCHIVE_EXIT,
        staff,
        "back",
    )
    simple = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)
    assert simple["project-status"] == {"status": "active"}


def test_a_refused_action_says_why_and_changes_nothing(staff, staff_client, sample):
    quarantine_project(sample, actor=Actor(staff))
    serial = journal.last_serial()

    page = action_with_note(staff_client, "project", "archive", sample.pk, "no")

    assert "sample: Cannot archive project with status quarantined." in messages_of(page)
    assert "1 object changed." not in messages_of(page)
    assert Project.objects.get().lifecycle_status == LifecycleStatus.QUARANTINE_ENTER
    assert journal.last_serial() == serial


def test_an_action_over_several_projects_changes_each(client, token, staff, staff_client, sample):
    assert uploads.wheel_upload("other", "1.0").post(client, token).status_code == 200
    other = Project.objects.get(name="other")
    quarantine_project(other, actor=Actor(staff))
    serial = journal.last_serial()

    response = action(
        staff_client, "project", "quarantine", sample.pk, other.pk, apply="1", note="batch"
    )
    page = staff_client.get(response["Location"])

    assert "other: The project is already in quarantine." in messages_of(page)
    assert "1 object changed." in messages_of(page)
    assert list(JournalEntry.objects.filter(id__gt=serial).values_list("name", "action")) == [
        ("sample", "project quarantined")
    ]


# Yanking


def test_yank_with_a_reason_and_unyank(client, staff, staff_client, sample):
    release = Release.objects.get(version="1.0")

    page = action_with_note(staff_client, "release", "yank", release.pk, "broken on Windows")

    assert "1 object changed." in messages_of(page)
    stored = Release.objects.get(pk=release.pk)
    assert (stored.yanked, stored.yanked_reason) == (True, "broken on Windows")
    assert not Release.objects.get(version="2.0").yanked
    assert newest_entry() == ("sample", "1.0", "yank release", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user) == (ProjectEventTag.RELEASE_YANK, staff)
    assert event.additional == {
        "submitted_by": "staffer",
        "version": "1.0",
        "reason": "broken on Windows",
    }
    simple = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)
    assert {f["filename"]: f["yanked"] for f in simple["files"]} == {
        "sample-1.0-py3-none-any.whl": "broken on Windows",
        "sample-1.0.tar.gz": "broken on Windows",
        "sample-2.0-py3-none-any.whl": False,
    }

    response = action(staff_client, "release", "unyank", release.pk)

    assert response.status_code == 302
    stored = Release.objects.get(pk=release.pk)
    assert (stored.yanked, stored.yanked_reason, stored.yanked_date) == (False, "", None)
    assert newest_entry() == ("sample", "1.0", "unyank release", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user, event.additional) == (
        ProjectEventTag.RELEASE_UNYANK,
        staff,
        {"submitted_by": "staffer", "version": "1.0"},
    )
    simple = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)
    assert {f["yanked"] for f in simple["files"]} == {False}


# The project change form: limits and roles


def test_change_the_upload_limit(staff, staff_client, sample, settings):
    serial = journal.last_serial()
    form = change_form(staff_client, project_url(sample))
    limit = settings.UPLOAD_MAX_FILE_SIZE * 3
    form["upload_limit_mib"] = str(limit // 1024**2)  # the form takes MiB

    response = staff_client.post(project_url(sample), form)

    assert response.status_code == 302
    stored = Project.objects.get()
    assert (stored.upload_limit, stored.total_size_limit) == (limit, None)
    assert stored.file_size_limit == limit
    event = newest_event(sample)
    # Owners read the history: it names the staff member, not their address.
    assert (event.tag, event.user, event.ip_address, event.user_agent) == (
        ProjectEventTag.LIMITS_CHANGE,
        staff,
        None,
        "",
    )
    assert event.additional["submitted_by"] == "staffer"
    assert event.additional["after"] == {"upload_limit": limit, "total_size_limit": None}
    assert journal.last_serial() == serial  # no role or lifecycle change was journaled


def test_the_limits_event_records_the_limits_before_the_change(staff_client, sample, settings):
    sample.upload_limit = settings.UPLOAD_MAX_FILE_SIZE * 2
    sample.save(update_fields=["upload_limit"])
    form = change_form(staff_client, project_url(sample))
    form["upload_limit_mib"] = str(settings.UPLOAD_MAX_FILE_SIZE * 3 // 1024**2)
    form["total_size_limit_gib"] = "50"

    assert staff_client.post(project_url(sample), form).status_code == 302

    assert newest_event(sample).additional["before"] == {
        "upload_limit": settings.UPLOAD_MAX_FILE_SIZE * 2,
        "total_size_limit": None,
    }


def test_an_upload_limit_above_the_cap_is_refused(staff_client, sample, settings):
    form = change_form(staff_client, project_url(sample))
    form["upload_limit_mib"] = str(settings.UPLOAD_LIMIT_CAP // 1024**2 + 1)

    response = staff_client.post(project_url(sample), form)

    assert response.status_code == 200  # the form again, the error on the field
    assert response.context["adminform"].form.errors["upload_limit_mib"] == [
        "Enter a file size limit from 100 to 1024 MiB, or leave the field empty for the "
        "site's default."
    ]
    assert Project.objects.get().upload_limit is None
    assert not ProjectEvent.objects.filter(tag=ProjectEventTag.LIMITS_CHANGE).exists()


def test_saving_the_form_unchanged_records_nothing(staff_client, sample):
    serial, events = journal.last_serial(), ProjectEvent.objects.count()
    form = change_form(staff_client, project_url(sample))

    assert staff_client.post(project_url(sample), form).status_code == 302

    assert journal.last_serial() == serial
    assert ProjectEvent.objects.count() == events
    assert roles(sample) == {"alice": "Owner"}


def test_add_change_and_remove_a_role_through_the_inline(staff, staff_client, sample):
    bob = UserFactory(username="bob")
    url = project_url(sample)

    # Add: a new inline row.
    form = change_form(staff_client, url)
    row = f"roles-{form['roles-TOTAL_FORMS']}"
    form.update({f"{row}-project": str(sample.pk), f"{row}-user": str(bob.pk)})
    form[f"{row}-role_name"] = RoleName.MAINTAINER
    form["roles-TOTAL_FORMS"] = str(int(form["roles-TOTAL_FORMS"]) + 1)
    assert staff_client.post(url, form).status_code == 302

    assert roles(sample) == {"alice": "Owner", "bob": "Maintainer"}
    assert newest_entry() == ("sample", None, "add Maintainer bob", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user, event.additional) == (
        ProjectEventTag.ROLE_ADD,
        staff,
        {"submitted_by": "staffer", "role_name": "Maintainer", "target_user": "bob"},
    )

    # Change: bob's row gets another role name.
    form = change_form(staff_client, url)
    row = role_rows(form)[Role.objects.get(user=bob).pk]
    form[f"{row}-role_name"] = RoleName.OWNER
    assert staff_client.post(url, form).status_code == 302

    assert roles(sample) == {"alice": "Owner", "bob": "Owner"}
    assert newest_entry() == ("sample", None, "change Maintainer bob to Owner", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user, event.additional) == (
        ProjectEventTag.ROLE_CHANGE,
        staff,
        {
            "submitted_by": "staffer",
            "role_name": "Owner",
            "previous_role_name": "Maintainer",
            "target_user": "bob",
        },
    )

    # Remove: bob's row is ticked for deletion.
    form = change_form(staff_client, url)
    row = role_rows(form)[Role.objects.get(user=bob).pk]
    form[f"{row}-DELETE"] = "on"
    assert staff_client.post(url, form).status_code == 302

    assert roles(sample) == {"alice": "Owner"}
    assert newest_entry() == ("sample", None, "remove Owner bob", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user, event.additional) == (
        ProjectEventTag.ROLE_REMOVE,
        staff,
        {"submitted_by": "staffer", "role_name": "Owner", "target_user": "bob"},
    )
    assert replay("sample") == roles(sample)


def test_a_second_role_for_the_same_user_is_refused_by_the_inline(staff_client, sample):
    serial = journal.last_serial()
    alice = User.objects.get(username="alice")
    form = change_form(staff_client, project_url(sample))
    row = f"roles-{form['roles-TOTAL_FORMS']}"
    form.update({f"{row}-project": str(sample.pk), f"{row}-user": str(alice.pk)})
    form[f"{row}-role_name"] = RoleName.MAINTAINER
    form["roles-TOTAL_FORMS"] = str(int(form["roles-TOTAL_FORMS"]) + 1)

    response = staff_client.post(project_url(sample), form)

    assert response.status_code == 200  # the form again, with the error
    assert roles(sample) == {"alice": "Owner"}
    assert journal.last_serial() == serial


def test_changing_the_user_of_a_role_row_keeps_journal_and_roles_in_agreement(
    staff, staff_client, sample
):
    bob, carol = UserFactory(username="bob"), UserFactory(username="carol")
    add_role(sample, bob, RoleName.MAINTAINER, actor=Actor(staff))
    form = change_form(staff_client, project_url(sample))
    row = role_rows(form)[Role.objects.get(user=bob).pk]
    form[f"{row}-user"] = str(carol.pk)
    form[f"{row}-role_name"] = RoleName.OWNER

    staff_client.post(project_url(sample), form)

    assert replay("sample") == roles(sample)


# Deletions through the admin's delete confirmation


def test_delete_a_release(client, token, staff, staff_client, sample, added_sizes):
    release = Release.objects.get(version="1.0")
    filenames = set(release.files.values_list("filename", flat=True))
    kept = File.objects.get(release__version="2.0")
    url = f"/admin/packages/release/{release.pk}/delete/"

    page = staff_client.get(url)
    assert page.status_code == 200
    assert "Are you sure" in page.content.decode()
    assert Release.objects.filter(pk=release.pk).exists()

    assert staff_client.post(url, {"post": "yes"}).status_code == 302

    assert list(Release.objects.values_list("version", flat=True)) == ["2.0"]
    assert Project.objects.get().total_size == added_sizes[kept.filename]
    assert filenames <= set(FilenameRegistry.objects.values_list("filename", flat=True))
    assert newest_entry() == ("sample", "1.0", "remove release", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user, event.additional) == (
        ProjectEventTag.RELEASE_REMOVE,
        staff,
        {"submitted_by": "staffer", "version": "1.0"},
    )
    assert simple_files(client) == [kept.filename]
    response = uploads.wheel_upload("sample", "1.0").post(client, token)
    assert response.status_code == 400
    assert b"previously used" in response.content


def test_delete_a_file(client, token, staff, staff_client, sample, added_sizes):
    file = File.objects.get(filename="sample-1.0-py3-none-any.whl")
    size = Project.objects.get().total_size
    url = f"/admin/packages/file/{file.pk}/delete/"

    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"post": "yes"}).status_code == 302

    assert not File.objects.filter(pk=file.pk).exists()
    assert Release.objects.filter(version="1.0").exists()
    assert Project.objects.get().total_size == size - added_sizes[file.filename]
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    assert newest_entry() == ("sample", "1.0", f"remove file {file.filename}", staff)
    assert_on_newest_serial(sample)
    event = newest_event(sample)
    assert (event.tag, event.user, event.additional) == (
        ProjectEventTag.FILE_REMOVE,
        staff,
        {"submitted_by": "staffer", "filename": file.filename, "version": "1.0"},
    )
    assert file.filename not in simple_files(client)
    response = uploads.wheel_upload("sample", "1.0").post(client, token)
    assert response.status_code == 400
    assert b"previously used" in response.content


def test_delete_files_with_the_bulk_action(staff, staff_client, sample):
    files = list(File.objects.filter(release__version="1.0").order_by("filename"))
    serial = journal.last_serial()

    response = action(staff_client, "file", "delete_selected", *(f.pk for f in files), post="yes")

    assert response.status_code == 302
    assert list(File.objects.values_list("release__version", flat=True)) == ["2.0"]
    assert sorted(
        JournalEntry.objects.filter(id__gt=serial).values_list("version", "action", "submitted_by")
    ) == sorted(("1.0", f"remove file {f.filename}", staff.pk) for f in files)
    assert_on_newest_serial(sample)


def test_delete_a_project(client, staff, staff_client, sample):
    url = f"/admin/packages/project/{sample.pk}/delete/"
    filenames = set(File.objects.values_list("filename", flat=True))

    page = staff_client.get(url)
    assert page.status_code == 200
    assert "Are you sure" in page.content.decode()

    assert staff_client.post(url, {"post": "yes"}).status_code == 302

    assert not Project.objects.exists()
    assert not File.objects.exists()
    assert filenames <= set(FilenameRegistry.objects.values_list("filename", flat=True))
    assert newest_entry() == ("sample", None, "remove project", staff)
    assert JournalEntry.objects.latest("id").id == journal.last_serial()
    assert client.get("/simple/sample/").status_code == 404
    assert client.get("/pypi/sample/json").status_code == 404


@pytest.mark.parametrize("model", ["project", "release", "file"])
def test_deleting_while_deletion_is_switched_off_says_why(staff_client, sample, model):
    pk = {
        "project": sample.pk,
        "release": Release.objects.get(version="2.0").pk,
        "file": File.objects.get(filename="sample-2.0-py3-none-any.whl").pk,
    }[model]
    serial = journal.last_serial()
    switch_on("disallow-deletion")

    response = staff_client.post(f"/admin/packages/{model}/{pk}/delete/", {"post": "yes"})

    assert response.status_code in (200, 302)
    assert File.objects.count() == 3
    assert journal.last_serial() == serial
    page = staff_client.get(response["Location"]) if response.status_code == 302 else response
    assert any(m.startswith("Deletion is temporarily disabled.") for m in messages_of(page))


# What the change forms cannot change


def test_lifecycle_and_serial_fields_are_read_only_in_the_project_form(staff_client, sample):
    before = Project.objects.values().get()
    serial, events = journal.last_serial(), ProjectEvent.objects.count()
    form = change_form(staff_client, project_url(sample))
    assert "lifecycle_status" not in form
    form.update(
        {
            "name": "renamed",
            "normalized_name": "renamed",
            "lifecycle_status": LifecycleStatus.QUARANTINE_ENTER,
            "lifecycle_status_note": "sneaky",
            "lifecycle_status_changed": "2020-01-01 00:00:00",
            "total_size": "1",
            "last_serial": "999999",
        }
    )

    assert staff_client.post(project_url(sample), form).status_code == 302

    assert Project.objects.values().get() == before
    assert journal.last_serial() == serial
    assert ProjectEvent.objects.count() == events


def test_yanks_are_read_only_in_the_release_form(staff_client, sample):
    release = Release.objects.get(version="1.0")
    before = Release.objects.values().get(pk=release.pk)
    serial = journal.last_serial()
    url = f"/admin/packages/release/{release.pk}/change/"
    form = change_form(staff_client, url)
    assert "yanked" not in form
    form.update(
        {
            "yanked": "on",
            "yanked_reason": "sneaky",
            "lifecycle_status": LifecycleStatus.QUARANTINE_ENTER,
            "version": "9.9",
        }
    )

    response = staff_client.post(url, form)

    assert response.status_code in (302, 403)
    assert Release.objects.values().get(pk=release.pk) == before
    assert journal.last_serial() == serial


def test_files_cannot_be_changed_in_the_admin(staff_client, sample):
    file = File.objects.get(filename="sample-1.0-py3-none-any.whl")
    before = File.objects.values().get(pk=file.pk)

    assert staff_client.get("/admin/packages/file/add/").status_code == 403
    response = staff_client.post(
        f"/admin/packages/file/{file.pk}/change/", {"filename": "other.whl", "size": "1"}
    )

    assert response.status_code == 403
    assert File.objects.values().get(pk=file.pk) == before


@pytest.mark.parametrize("model", ["journalentry", "projectevent", "filenameregistry"])
def test_records_have_no_add_change_or_delete(staff_client, sample, model):
    rows = {
        "journalentry": JournalEntry,
        "projectevent": ProjectEvent,
        "filenameregistry": FilenameRegistry,
    }[model]
    before = list(rows.objects.order_by("pk").values())
    pk = before[0]["id"]
    base = f"/admin/packages/{model}"

    changelist = staff_client.get(f"{base}/")
    assert changelist.status_code == 200
    assert f'href="{base}/add/"' not in changelist.content.decode()
    assert "delete_selected" not in changelist.content.decode()
    view = staff_client.get(f"{base}/{pk}/change/")
    assert view.status_code == 200  # staff may look
    assert 'name="_save"' not in view.content.decode()
    assert staff_client.get(f"{base}/add/").status_code == 403
    assert staff_client.post(f"{base}/add/", {"name": "x", "filename": "x"}).status_code == 403
    assert staff_client.post(f"{base}/{pk}/change/", {"action": "tampered"}).status_code == 403
    assert staff_client.get(f"{base}/{pk}/delete/").status_code == 403
    assert staff_client.post(f"{base}/{pk}/delete/", {"post": "yes"}).status_code == 403
    staff_client.post(
        f"{base}/", {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
    )

    assert list(rows.objects.order_by("pk").values()) == before
