"""The admin's lists (filters, search, sizes in words), the project form's limits in MiB and
GiB, the read-only role list, what staff without change permissions may do, and the admin's
own log of every change made through it.

tests/packages/test_admin.py covers what the actions change on the read surfaces; this file
covers how staff find things and what the admin records. Everything through HTTP.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django_otp.oath import totp

from packages.models import (
    File,
    JournalEntry,
    LifecycleStatus,
    Project,
    ProjectEvent,
    ProjectEventTag,
    Release,
    Role,
    RoleName,
)
from packages.services.events import Actor
from packages.services.projects import archive_project, quarantine_project
from packages.services.releases import yank_release
from packages.services.roles import add_role
from tests import uploads
from tests.accounts.factories import UserFactory, add_totp
from tests.conftest import STAFF_PASSWORD
from tests.packages.factories import ProjectFactory
from tests.packages.test_admin import (
    FormReader,
    action,
    action_with_note,
    change_form,
    messages_of,
    project_url,
    role_rows,
)

pytestmark = pytest.mark.django_db

MIB, GIB = 1024**2, 1024**3


@pytest.fixture
def sample(client: Client, token: str) -> Project:
    """``Sample_Pkg`` 1.0 (a wheel and an sdist) and 2.0 (a wheel), uploaded by alice."""
    for upload in (
        uploads.wheel_upload("Sample_Pkg", "1.0"),
        uploads.sdist_upload("Sample_Pkg", "1.0"),
        uploads.wheel_upload("Sample_Pkg", "2.0"),
    ):
        assert upload.post(client, token).status_code == 200, upload
    return Project.objects.get()


def rows(response) -> list[str]:
    """The changelist's rows, as text."""
    html = response.content.decode()
    body = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', html, re.S)
    if body is None:
        return []
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


def listed(client: Client, model: str, **query: str) -> list[str]:
    response = client.get(f"/admin/packages/{model}/", query)
    assert response.status_code == 200
    return rows(response)


def log_entries(obj) -> list[tuple[int, str, str]]:
    """The admin log of ``obj``: (kind, who, message), oldest first."""
    return [
        (entry.action_flag, entry.user.username, entry.change_message)
        for entry in LogEntry.objects.filter(object_id=str(obj.pk))
        .filter(content_type__model=obj._meta.model_name)
        .order_by("pk")
    ]


# Projects


def test_projects_by_status(staff, staff_client, sample):
    archived = ProjectFactory(name="old")
    archive_project(archived, actor=Actor(staff))
    quarantined = ProjectFactory(name="bad")
    quarantine_project(quarantined, actor=Actor(staff))

    def names(status: str) -> list[str]:
        return [row.split()[0] for row in listed(staff_client, "project", status=status)]

    assert names("active") == ["Sample_Pkg"]
    assert names("quarantined") == ["bad"]
    assert names("archived") == ["old"]
    assert len(listed(staff_client, "project")) == 3


def test_projects_are_found_by_any_spelling_of_their_name(staff_client, sample):
    ProjectFactory(name="other")

    assert [r.split()[0] for r in listed(staff_client, "project", q="sample-pkg")] == ["Sample_Pkg"]
    assert [r.split()[0] for r in listed(staff_client, "project", q="Sample_Pkg")] == ["Sample_Pkg"]


def test_projects_by_creation_date(staff_client, sample):
    year = sample.created.year
    changelist = staff_client.get("/admin/packages/project/").content.decode()

    assert f"?created__year={year}" in changelist  # the date steps above the list
    assert len(listed(staff_client, "project", created__year=str(year))) == 1
    assert listed(staff_client, "project", created__year=str(year - 1)) == []


def test_sizes_are_in_words(staff_client, sample):
    size = Project.objects.get().total_size
    words = filesizeformat(size)  # e.g. "2.7 KB"
    assert words.endswith("KB")

    row = listed(staff_client, "project")[0]
    assert words.replace("\xa0", " ") in row
    assert str(size) not in row
    assert f'<div class="readonly">{words}</div>' in (
        staff_client.get(project_url(sample)).content.decode()
    )
    file = File.objects.get(filename="sample_pkg-2.0-py3-none-any.whl")
    view = staff_client.get(f"/admin/packages/file/{file.pk}/change/").content.decode()
    assert f'<div class="readonly">{filesizeformat(file.size)}</div>' in view
    assert f'<div class="readonly">{file.size}</div>' not in view
    assert (
        filesizeformat(file.size).replace("\xa0", " ") in listed(staff_client, "file", q="2.0")[0]
    )


def test_the_project_page_links_to_its_records(staff_client, sample):
    ProjectFactory(name="other")
    html = staff_client.get(project_url(sample)).content.decode()
    links = dict(
        (label, url.replace("&amp;", "&"))
        for url, label in re.findall(r'<a href="(/admin/packages/[^"]+\?[^"]+)">([^<]+)</a>', html)
    )

    assert set(links) == {"Releases", "Files", "Roles", "Journal entries", "Events"}
    assert len(rows(staff_client.get(links["Releases"]))) == 2
    assert len(rows(staff_client.get(links["Files"]))) == 3
    assert rows(staff_client.get(links["Roles"])) == ["Sample_Pkg alice Owner"]
    assert (
        len(rows(staff_client.get(links["Journal entries"])))
        == JournalEntry.objects.filter(name="Sample_Pkg").count()
    )
    assert len(rows(staff_client.get(links["Events"]))) == sample.events.count()


# Limits in MiB and GiB


def post_limits(client: Client, project: Project, **fields: str):
    form = change_form(client, project_url(project))
    form.update(fields)
    return client.post(project_url(project), form)


def field_errors(response, field: str) -> list[str]:
    assert response.status_code == 200  # the form again
    return response.context["adminform"].form.errors[field]


def test_limits_are_entered_in_mib_and_gib(staff, staff_client, sample):
    form = change_form(staff_client, project_url(sample))
    assert (form["upload_limit_mib"], form["total_size_limit_gib"]) == ("", "")

    response = post_limits(staff_client, sample, upload_limit_mib="500", total_size_limit_gib="20")

    assert response.status_code == 302
    stored = Project.objects.get()
    assert (stored.upload_limit, stored.total_size_limit) == (500 * MIB, 20 * GIB)
    event = ProjectEvent.objects.filter(tag=ProjectEventTag.LIMITS_CHANGE).get()
    assert event.additional["after"] == {"upload_limit": 500 * MIB, "total_size_limit": 20 * GIB}
    assert event.user == staff
    # Shown again in the same units.
    form = change_form(staff_client, project_url(sample))
    assert (form["upload_limit_mib"], form["total_size_limit_gib"]) == ("500", "20")


def test_the_limit_fields_say_their_range(staff_client, sample):
    html = staff_client.get(project_url(sample)).content.decode()

    assert '<label for="id_upload_limit_mib">File size limit (MiB):</label>' in html
    assert "From 100 to 1024 MiB. Empty: the site's default, 100 MiB." in html
    assert '<label for="id_total_size_limit_gib">Total size limit (GiB):</label>' in html
    assert "At least 10 GiB. Empty: the site's default, 10 GiB." in html


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (
            "upload_limit_mib",
            "99",
            "Enter a file size limit from 100 to 1024 MiB, or leave the field empty for the "
            "site's default.",
        ),
        (
            "upload_limit_mib",
            "1025",
            "Enter a file size limit from 100 to 1024 MiB, or leave the field empty for the "
            "site's default.",
        ),
        (
            "total_size_limit_gib",
            "9",
            "Enter a total size limit of at least 10 GiB, or leave the field empty for the "
            "site's default.",
        ),
        ("upload_limit_mib", "1.5", "Enter a whole number."),
        (
            "total_size_limit_gib",
            "-1",
            "Enter a total size limit of at least 10 GiB, or leave "
            "the field empty for the site's default.",
        ),
    ],
)
def test_a_limit_out_of_range_is_an_error_on_its_field(staff_client, sample, field, value, error):
    response = post_limits(staff_client, sample, **{field: value})

    assert field_errors(response, field) == [error]
    html = response.content.decode()
    # Tied to its field: announced with it, and marked invalid.
    assert f'<ul class="errorlist" id="id_{field}_error">' in html
    assert f'aria-invalid="true" aria-describedby="id_{field}_helptext id_{field}_error"' in html
    stored = Project.objects.get()
    assert (stored.upload_limit, stored.total_size_limit) == (None, None)
    assert not ProjectEvent.objects.filter(tag=ProjectEventTag.LIMITS_CHANGE).exists()


def test_a_limit_is_cleared_back_to_the_default(staff_client, sample):
    Project.objects.update(upload_limit=300 * MIB, total_size_limit=30 * GIB)

    assert post_limits(staff_client, sample, upload_limit_mib="").status_code == 302

    stored = Project.objects.get()
    assert (stored.upload_limit, stored.total_size_limit) == (None, 30 * GIB)


def test_a_limit_left_alone_keeps_its_exact_bytes(staff_client, sample):
    """A limit stored in bytes that are no whole number of MiB (set before the form took
    MiB) is shown rounded, and stays as it was when only the other limit changes."""
    Project.objects.update(upload_limit=300 * MIB + 1, total_size_limit=None)

    assert post_limits(staff_client, sample, total_size_limit_gib="12").status_code == 302

    stored = Project.objects.get()
    assert (stored.upload_limit, stored.total_size_limit) == (300 * MIB + 1, 12 * GIB)


def test_a_stored_limit_below_the_range_does_not_block_other_changes(staff_client, sample):
    Project.objects.update(upload_limit=MIB)  # harmless: the site's default is larger
    bob = UserFactory(username="bob")
    form = change_form(staff_client, project_url(sample))
    row = f"roles-{form['roles-TOTAL_FORMS']}"
    form.update({f"{row}-project": str(sample.pk), f"{row}-user": str(bob.pk)})
    form[f"{row}-role_name"] = RoleName.MAINTAINER
    form["roles-TOTAL_FORMS"] = str(int(form["roles-TOTAL_FORMS"]) + 1)

    assert staff_client.post(project_url(sample), form).status_code == 302

    assert Role.objects.filter(user=bob, role_name=RoleName.MAINTAINER).exists()
    assert Project.objects.get().upload_limit == MIB


# Releases


def test_only_yanked_releases_are_marked(staff, staff_client, sample):
    yank_release(Release.objects.get(version="1.0"), actor=Actor(staff), reason="broken")
    response = staff_client.get("/admin/packages/release/")

    by_version = {row.split()[1]: row for row in rows(response)}
    assert "Yanked" in by_version["1.0"]
    assert "Yanked" not in by_version["2.0"]
    assert "icon-no.svg" not in response.content.decode()  # no red cross on every other row
    assert [r.split()[1] for r in listed(staff_client, "release", yanked__exact="1")] == ["1.0"]
    assert [r.split()[1] for r in listed(staff_client, "release", q="2.0")] == ["2.0"]


# Files


def test_files_by_type_and_by_project(staff_client, sample, client, token):
    assert uploads.wheel_upload("other", "1.0").post(client, token).status_code == 200

    sdists = listed(staff_client, "file", packagetype__exact="sdist")
    assert [row.split()[0] for row in sdists] == ["sample_pkg-1.0.tar.gz"]
    assert len(listed(staff_client, "file", q="Sample_Pkg")) == 3
    assert [row.split()[0] for row in listed(staff_client, "file", q="other")] == [
        "other-1.0-py3-none-any.whl"
    ]
    sha = File.objects.get(filename="other-1.0-py3-none-any.whl").sha256_digest
    assert len(listed(staff_client, "file", q=sha)) == 1


# Roles


def test_roles_are_listed_filtered_and_searched(staff, staff_client, sample):
    bob = UserFactory(username="bob")
    add_role(sample, bob, RoleName.MAINTAINER, actor=Actor(staff))
    other = ProjectFactory(name="other")
    add_role(other, bob, RoleName.OWNER, actor=Actor(staff))

    assert sorted(listed(staff_client, "role")) == [
        "Sample_Pkg alice Owner",
        "Sample_Pkg bob Maintainer",
        "other bob Owner",
    ]
    assert listed(staff_client, "role", role_name__exact="Maintainer") == [
        "Sample_Pkg bob Maintainer"
    ]
    assert sorted(listed(staff_client, "role", q="bob")) == [
        "Sample_Pkg bob Maintainer",
        "other bob Owner",
    ]
    html = staff_client.get("/admin/packages/role/").content.decode()
    assert f'href="/admin/packages/project/{sample.pk}/change/"' in html
    assert f'href="/admin/accounts/user/{bob.pk}/change/"' in html


def test_roles_change_only_on_the_project_page(staff_client, sample):
    role = Role.objects.get()
    before = list(Role.objects.values())

    assert staff_client.get("/admin/packages/role/add/").status_code == 403
    view = staff_client.get(f"/admin/packages/role/{role.pk}/change/")
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert f'href="/admin/packages/project/{sample.pk}/change/"' in view.content.decode()
    assert (
        staff_client.post(f"/admin/packages/role/{role.pk}/change/", {"role_name": "Maintainer"})
    ).status_code == 403
    assert (
        staff_client.post(f"/admin/packages/role/{role.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert list(Role.objects.values()) == before


def test_the_role_user_is_chosen_by_name(staff_client, sample):
    UserFactory(username="bobby")
    UserFactory(username="carol")
    html = staff_client.get(project_url(sample)).content.decode()

    assert 'class="admin-autocomplete' in html  # no raw user id to type
    assert "vForeignKeyRawIdAdminField" not in html
    assert 'for="id_roles-0-user">User:</label>' in html  # each inline field has its label
    found = staff_client.get(
        "/admin/autocomplete/",
        {"term": "bob", "app_label": "packages", "model_name": "role", "field_name": "user"},
    )
    assert found.status_code == 200
    assert [r["text"] for r in json.loads(found.content)["results"]] == ["bobby"]


# Journal and events


def test_journal_entries_by_kind(staff, staff_client, sample):
    bob = UserFactory(username="bob")
    add_role(sample, bob, RoleName.MAINTAINER, actor=Actor(staff))
    yank_release(Release.objects.get(version="1.0"), actor=Actor(staff))
    quarantine_project(sample, actor=Actor(staff))

    def actions(kind: str) -> list[str]:
        return sorted(
            JournalEntry.objects.get(pk=int(row.split()[0])).action
            for row in listed(staff_client, "journalentry", kind=kind)
        )

    assert actions("create") == ["create"]
    assert actions("release") == ["new release", "new release"]
    assert actions("file") == [
        "add py3 file sample_pkg-1.0-py3-none-any.whl",
        "add py3 file sample_pkg-2.0-py3-none-any.whl",
        "add source file sample_pkg-1.0.tar.gz",
    ]
    assert actions("role") == ["add Maintainer bob", "add Owner alice"]
    assert actions("yank") == ["yank release"]
    assert actions("lifecycle") == ["project quarantined"]
    assert actions("removal") == []
    assert len(listed(staff_client, "journalentry", q="bob")) == 0  # by name or submitter
    assert len(listed(staff_client, "journalentry", q="staffer")) == 3
    assert len(listed(staff_client, "journalentry", q="Sample_Pkg")) == JournalEntry.objects.count()


def test_project_events_by_tag_and_date(staff, staff_client, sample):
    quarantine_project(sample, actor=Actor(staff))
    year = ProjectEvent.objects.latest("time").time.year

    quarantined = listed(staff_client, "projectevent", tag__exact=ProjectEventTag.QUARANTINE_ENTER)
    assert len(quarantined) == 1 and "staffer" in quarantined[0]
    assert len(listed(staff_client, "projectevent", time__year=str(year))) == (
        ProjectEvent.objects.count()
    )
    assert len(listed(staff_client, "projectevent", q="staffer")) == 1


# Staff with fewer permissions


@pytest.fixture
def viewer(db) -> Client:
    """A staff member who may look at projects and releases but change nothing."""
    key = bytes(range(2, 22))
    user = UserFactory(username="viewer", is_staff=True)
    add_totp(user, key=key)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_project", "view_release", "view_user"])
    )
    client = Client()
    client.post("/account/login/", {"login": "viewer", "password": STAFF_PASSWORD})
    client.post("/account/two-factor/", {"code": str(totp(key)).zfill(6)})
    assert client.get("/admin/").status_code == 200
    return client


def test_staff_who_may_only_look_cannot_run_the_actions(viewer, sample):
    changelist = viewer.get("/admin/packages/project/").content.decode()
    assert 'value="quarantine"' not in changelist

    response = action(viewer, "project", "quarantine", sample.pk, apply="1", note="x")

    assert response.status_code in (200, 302)
    assert Project.objects.get().lifecycle_status == LifecycleStatus.ACTIVE
    release = Release.objects.get(version="1.0")
    action(viewer, "release", "yank", release.pk, apply="1", note="x")
    assert not Release.objects.get(pk=release.pk).yanked
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "freeze_accounts",
        "unfreeze_accounts",
        "reset_passwords",
        "mark_passwords_compromised",
        "burn_recovery_codes",
        "cancel_account_recovery",
        "start_account_recovery",
        "delete_accounts",
    ],
)
def test_staff_who_may_only_look_cannot_act_on_accounts(viewer, name):
    """Every account action needs the change (or delete) permission, not just view."""
    member = UserFactory(username="member")
    changelist = viewer.get("/admin/accounts/user/").content.decode()
    assert f'value="{name}"' not in changelist

    viewer.post(
        "/admin/accounts/user/",
        {"action": name, "_selected_action": [member.pk], "apply": "1", "reason": "x"},
    )

    member.refresh_from_db()
    assert not member.is_frozen and member.has_usable_password()
    assert not LogEntry.objects.exists()


def test_staff_who_may_only_look_see_the_limits_but_cannot_set_them(viewer, sample):
    page = viewer.get(project_url(sample))
    assert page.status_code == 200
    reader = FormReader()
    reader.feed(page.content.decode())
    assert "upload_limit_mib" not in reader.data

    viewer.post(project_url(sample), {"upload_limit_mib": "500"})

    assert Project.objects.get().upload_limit is None


def test_the_dashboard_links_only_what_the_staff_member_may_see(viewer, sample):
    html = viewer.get("/admin/").content.decode()

    assert f'href="/admin/packages/project/{sample.pk}/change/"' in html
    assert 'href="/admin/moderation/adminflag/"' not in html
    assert "app-packages" in html


# The admin's log


def test_lifecycle_actions_are_logged_with_their_note(staff_client, sample):
    action_with_note(staff_client, "project", "quarantine", sample.pk, "malware, #42")
    action_with_note(staff_client, "project", "release_from_quarantine", sample.pk, "")
    action_with_note(staff_client, "project", "archive", sample.pk, "unmaintained")
    action_with_note(staff_client, "project", "unarchive", sample.pk, "back")

    assert log_entries(sample) == [
        (CHANGE, "staffer", "Quarantined. Note: malware, #42"),
        (CHANGE, "staffer", "Released from quarantine."),
        (CHANGE, "staffer", "Archived. Note: unmaintained"),
        (CHANGE, "staffer", "Unarchived. Note: back"),
    ]
    history = staff_client.get(f"/admin/packages/project/{sample.pk}/history/").content.decode()
    assert "Quarantined. Note: malware, #42" in history
    assert "staffer" in history


def test_a_refused_action_is_not_logged(staff, staff_client, sample):
    quarantine_project(sample, actor=Actor(staff))

    page = action_with_note(staff_client, "project", "archive", sample.pk, "no")

    assert any("Cannot archive project" in m for m in messages_of(page))
    assert log_entries(sample) == []


def test_yanks_are_logged_with_their_reason(staff_client, sample):
    release = Release.objects.get(version="1.0")

    action_with_note(staff_client, "release", "yank", release.pk, "broken on Windows")
    action(staff_client, "release", "unyank", release.pk)

    assert log_entries(release) == [
        (CHANGE, "staffer", "Yanked. Note: broken on Windows"),
        (CHANGE, "staffer", "Un-yanked."),
    ]


def test_limits_are_logged_in_words(staff_client, sample):
    post_limits(staff_client, sample, upload_limit_mib="500")

    assert log_entries(sample) == [
        (
            CHANGE,
            "staffer",
            "Size limits set: files 500.0\xa0MB, the project the site's default.",
        )
    ]


def test_role_changes_are_logged_as_the_services_made_them(staff_client, sample):
    bob = UserFactory(username="bob")
    url = project_url(sample)
    form = change_form(staff_client, url)
    row = f"roles-{form['roles-TOTAL_FORMS']}"
    form.update({f"{row}-project": str(sample.pk), f"{row}-user": str(bob.pk)})
    form[f"{row}-role_name"] = RoleName.MAINTAINER
    form["roles-TOTAL_FORMS"] = str(int(form["roles-TOTAL_FORMS"]) + 1)
    assert staff_client.post(url, form).status_code == 302
    form = change_form(staff_client, url)
    form[f"{role_rows(form)[Role.objects.get(user=bob).pk]}-role_name"] = RoleName.OWNER
    assert staff_client.post(url, form).status_code == 302
    form = change_form(staff_client, url)
    form[f"{role_rows(form)[Role.objects.get(user=bob).pk]}-DELETE"] = "on"
    assert staff_client.post(url, form).status_code == 302

    assert log_entries(sample) == [
        (CHANGE, "staffer", "Added bob as Maintainer."),
        (CHANGE, "staffer", "Made bob Owner."),
        (CHANGE, "staffer", "Removed bob (Owner)."),
    ]


def test_a_role_change_a_service_refuses_is_not_logged_as_done(staff_client, sample):
    alice = Role.objects.get()
    form = change_form(staff_client, project_url(sample))
    form[f"{role_rows(form)[alice.pk]}-DELETE"] = "on"  # the last Owner

    response = staff_client.post(project_url(sample), form, follow=True)

    assert Role.objects.filter(pk=alice.pk).exists()
    assert messages_of(response)  # the service's refusal, said on the page
    # Django's own words for a save that changed nothing, not "Deleted role ...".
    assert [entry.get_change_message() for entry in LogEntry.objects.all()] == [
        "No fields changed."
    ]


def test_deletions_are_logged(staff_client, sample):
    file = File.objects.get(filename="sample_pkg-2.0-py3-none-any.whl")
    release = Release.objects.get(version="1.0")

    staff_client.post(f"/admin/packages/file/{file.pk}/delete/", {"post": "yes"})
    action(staff_client, "release", "delete_selected", release.pk, post="yes")
    staff_client.post(f"/admin/packages/project/{sample.pk}/delete/", {"post": "yes"})

    assert not Project.objects.exists()
    logged = sorted(
        (entry.content_type.model, entry.object_repr, entry.user.username)
        for entry in LogEntry.objects.filter(action_flag=DELETION)
    )
    assert logged == [
        ("file", "sample_pkg-2.0-py3-none-any.whl", "staffer"),
        ("project", "Sample_Pkg", "staffer"),
        ("release", str(release), "staffer"),
    ]
    assert not LogEntry.objects.filter(action_flag=ADDITION).exists()
