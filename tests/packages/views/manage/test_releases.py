"""A project's releases from its Owner's pages: yank, un-yank, delete a release, delete a file.

Each action changes the database through its service, journals (bumping ``last_serial``),
records an event naming the user, says so on the page it redirects to, mails the project's
collaborators, and the public Simple and JSON APIs show the change at once (their caches are
keyed by the serial, so they are warmed before each action).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from packages.models import File, FilenameRegistry, Project, ProjectEventTag, Release

from .conftest import (
    BASE,
    SDIST_1,
    WHEEL_09,
    WHEEL_1,
    WHEEL_2,
    Site,
    assert_on_newest_serial,
    newest_entry,
    newest_event,
    project_json,
    simple_files,
    simple_json,
    state,
    switch_on,
    text_of,
)

pytestmark = pytest.mark.django_db

COLLABORATORS = [["max@example.com"], ["mia@example.com"], ["olivia@example.com"]]
DELETION_DISABLED = "Deletion is temporarily disabled."


def recipients() -> list[list[str]]:
    return sorted(m.to for m in mail.outbox)


def warm(client: Client) -> None:
    """Fetch the public documents, so that stale cached copies would show."""
    simple_files(client)
    project_json(client)


def assert_event(tag: ProjectEventTag, site: Site, **additional: str) -> None:
    event = newest_event()
    assert event.project_id == site.project.pk
    assert event.tag == tag
    assert event.user == site.owner
    assert event.additional["submitted_by"] == "olivia"
    for key, value in additional.items():
        assert event.additional[key] == value


def assert_entry(action: str, version: str | None) -> None:
    entry = newest_entry()
    assert (entry.name, entry.version, entry.action) == ("sample", version, action)
    assert entry.submitted_by.username == "olivia"
    assert_on_newest_serial()


# The release page -----------------------------------------------------------------------------


def test_the_release_page_lists_its_files_and_forms(site: Site, owner: Client):
    response = owner.get(f"{BASE}release/1.0/")
    assert response.status_code == 200
    page = text_of(response)
    assert WHEEL_1 in page
    assert SDIST_1 in page
    assert WHEEL_2 not in page
    assert "Yank this release" in page
    assert "Delete this release" in page
    body = response.content.decode()
    # Each form has its own prefix, so the three never share a field id.
    assert 'name="yank-confirm"' in body
    assert 'name="yank-reason"' in body
    assert 'name="delete-confirm"' in body
    assert f"{BASE}release/1.0/file/{site.file(SDIST_1).pk}/delete/" in body


def test_a_yanked_release_offers_to_unyank(site: Site, owner: Client):
    response = owner.get(f"{BASE}release/0.9/")
    page = text_of(response)
    assert "Un-yank this release" in page
    assert "Yank this release" not in page
    assert "Reason: “old”" in page
    assert 'name="unyank-confirm"' in response.content.decode()


def test_the_overview_lists_the_releases_newest_first(site: Site, owner: Client):
    response = owner.get(BASE)
    assert [r.version for r in response.context["releases"]] == ["2.0", "1.0", "0.9"]
    assert [r.file_count for r in response.context["releases"]] == [1, 2, 1]
    assert "yanked" in text_of(response)


# Yank -----------------------------------------------------------------------------------------


def test_yank_with_a_reason(site: Site, owner: Client, client: Client, committed):
    warm(client)
    with committed():
        response = owner.post(
            f"{BASE}release/1.0/yank/",
            {"yank-reason": "Broken on Windows", "yank-confirm": "1.0"},
            follow=True,
        )

    assert response.redirect_chain == [(f"{BASE}release/1.0/", 302)]
    assert "Yanked release 1.0." in text_of(response)
    assert "Reason: “Broken on Windows”" in text_of(response)
    release = Release.objects.get(project=site.project, version="1.0")
    assert release.yanked
    assert release.yanked_reason == "Broken on Windows"
    assert release.yanked_date is not None
    assert_entry("yank release", "1.0")
    assert_event(ProjectEventTag.RELEASE_YANK, site, version="1.0", reason="Broken on Windows")
    assert recipients() == COLLABORATORS
    assert all("sample" in m.subject for m in mail.outbox)

    files = simple_files(client)
    assert files[WHEEL_1] == files[SDIST_1] == "Broken on Windows"
    assert files[WHEEL_2] is False
    assert simple_json(client).json()["meta"]["_last-serial"] == newest_entry().id
    document = project_json(client)
    assert document["last_serial"] == newest_entry().id
    assert {f["yanked"] for f in document["releases"]["1.0"]} == {True}
    assert {f["yanked_reason"] for f in document["releases"]["1.0"]} == {"Broken on Windows"}
    assert client.get("/pypi/sample/1.0/json").json()["info"]["yanked"] is True


def test_yank_without_a_reason(site: Site, owner: Client, client: Client):
    response = owner.post(f"{BASE}release/2.0/yank/", {"yank-confirm": "2.0"})
    assert response.status_code == 302
    release = Release.objects.get(project=site.project, version="2.0")
    assert release.yanked
    assert release.yanked_reason == ""
    # PEP 592: a yanked file without a reason is still ``true``.
    assert simple_files(client)[WHEEL_2] is True


@pytest.mark.parametrize("typed", ["", "1.1", "1", "v1.0", "1.0.0"])
def test_yank_with_the_wrong_confirmation_changes_nothing(
    site: Site, owner: Client, client: Client, typed: str
):
    warm(client)
    before = state()
    response = owner.post(
        f"{BASE}release/1.0/yank/", {"yank-reason": "broken", "yank-confirm": typed}
    )

    assert response.status_code == 400
    form = response.context["yank_form"]
    assert list(form.errors) == ["confirm"]
    assert form.prefix == "yank"
    assert state() == before
    assert simple_files(client)[WHEEL_1] is False
    # The error is shown with the field it is about, and the reason typed is kept.
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert 'id="id_yank-confirm_error"' in body
    assert 'aria-describedby="id_yank-confirm_error"' in body
    assert "broken</textarea>" in body
    assert mail.outbox == []


def test_yanking_a_yanked_release_is_refused(site: Site, owner: Client):
    before = state()
    response = owner.post(f"{BASE}release/0.9/yank/", {"yank-confirm": "0.9"}, follow=True)
    assert response.redirect_chain == [(f"{BASE}release/0.9/", 302)]
    assert "Release 0.9 is already yanked." in text_of(response)
    assert state() == before


# Un-yank --------------------------------------------------------------------------------------


def test_unyank(site: Site, owner: Client, client: Client, committed):
    warm(client)
    assert simple_files(client)[WHEEL_09] == "old"
    with committed():
        response = owner.post(f"{BASE}release/0.9/unyank/", {"unyank-confirm": "0.9"}, follow=True)

    assert response.redirect_chain == [(f"{BASE}release/0.9/", 302)]
    assert "Un-yanked release 0.9." in text_of(response)
    release = Release.objects.get(project=site.project, version="0.9")
    assert not release.yanked
    assert release.yanked_reason == ""
    assert release.yanked_date is None
    assert_entry("unyank release", "0.9")
    assert_event(ProjectEventTag.RELEASE_UNYANK, site, version="0.9")
    assert recipients() == COLLABORATORS
    assert simple_files(client)[WHEEL_09] is False
    assert {f["yanked"] for f in project_json(client)["releases"]["0.9"]} == {False}


def test_unyank_with_the_wrong_confirmation_changes_nothing(site: Site, owner: Client):
    before = state()
    response = owner.post(f"{BASE}release/0.9/unyank/", {"unyank-confirm": "1.0"})
    assert response.status_code == 400
    assert list(response.context["unyank_form"].errors) == ["confirm"]
    assert 'id="id_unyank-confirm_error"' in response.content.decode()
    assert state() == before


def test_unyanking_a_release_that_is_not_yanked_is_refused(site: Site, owner: Client):
    before = state()
    response = owner.post(f"{BASE}release/1.0/unyank/", {"unyank-confirm": "1.0"}, follow=True)
    assert "Release 1.0 is not yanked." in text_of(response)
    assert state() == before


# Deleting a release ---------------------------------------------------------------------------


def test_delete_a_release(site: Site, owner: Client, client: Client, committed):
    warm(client)
    size_before = site.refresh().total_size
    with committed():
        response = owner.post(f"{BASE}release/2.0/delete/", {"delete-confirm": "2.0"}, follow=True)

    assert response.redirect_chain == [(BASE, 302)]
    assert "Deleted release 2.0." in text_of(response)
    assert not Release.objects.filter(project=site.project, version="2.0").exists()
    assert not File.objects.filter(filename=WHEEL_2).exists()
    assert FilenameRegistry.objects.filter(filename=WHEEL_2).exists()
    assert site.refresh().total_size == size_before - 1024
    assert_entry("remove release", "2.0")
    assert_event(ProjectEventTag.RELEASE_REMOVE, site, version="2.0")
    assert recipients() == COLLABORATORS

    assert WHEEL_2 not in simple_files(client)
    assert "2.0" not in simple_json(client).json()["versions"]
    document = project_json(client)
    assert "2.0" not in document["releases"]
    assert document["info"]["version"] == "1.0"
    assert client.get("/pypi/sample/2.0/json").status_code == 404


def test_delete_a_release_with_the_wrong_confirmation(site: Site, owner: Client, client: Client):
    before = state()
    response = owner.post(f"{BASE}release/2.0/delete/", {"delete-confirm": "sample"})
    assert response.status_code == 400
    assert list(response.context["delete_form"].errors) == ["confirm"]
    assert 'id="id_delete-confirm_error"' in response.content.decode()
    assert state() == before
    assert WHEEL_2 in simple_files(client)


def test_a_form_error_stays_with_its_own_form(site: Site, owner: Client):
    """A wrong version typed to delete does not mark the yank form's field."""
    response = owner.post(f"{BASE}release/1.0/delete/", {"delete-confirm": "nope"})
    assert response.context["delete_form"].errors
    assert not response.context["yank_form"].is_bound
    assert 'id="id_yank-confirm_error"' not in response.content.decode()


# Deleting a file ------------------------------------------------------------------------------


def test_the_file_deletion_page(site: Site, owner: Client):
    response = owner.get(f"{BASE}release/1.0/file/{site.file(WHEEL_1).pk}/delete/")
    assert response.status_code == 200
    page = text_of(response)
    assert WHEEL_1 in page
    assert "can never be used again" in page
    assert response.context["form"].fields["confirm"].label == "Type the file name to confirm"


def test_delete_a_file(site: Site, owner: Client, client: Client, committed):
    warm(client)
    file = site.file(WHEEL_1)
    with committed():
        response = owner.post(
            f"{BASE}release/1.0/file/{file.pk}/delete/", {"confirm": WHEEL_1}, follow=True
        )

    assert response.redirect_chain == [(f"{BASE}release/1.0/", 302)]
    assert f"Deleted file {WHEEL_1}." in text_of(response)
    assert not File.objects.filter(filename=WHEEL_1).exists()
    assert FilenameRegistry.objects.filter(filename=WHEEL_1).exists()
    assert Release.objects.filter(project=site.project, version="1.0").exists()
    assert_entry(f"remove file {WHEEL_1}", "1.0")
    assert_event(ProjectEventTag.FILE_REMOVE, site, version="1.0", filename=WHEEL_1)
    assert recipients() == COLLABORATORS

    files = simple_files(client)
    assert WHEEL_1 not in files
    assert SDIST_1 in files
    assert [f["filename"] for f in project_json(client)["releases"]["1.0"]] == [SDIST_1]


@pytest.mark.parametrize("typed", ["", SDIST_1, WHEEL_1.upper(), "sample-1.0"])
def test_delete_a_file_with_the_wrong_confirmation(
    site: Site, owner: Client, client: Client, typed: str
):
    file = site.file(WHEEL_1)
    before = state()
    response = owner.post(f"{BASE}release/1.0/file/{file.pk}/delete/", {"confirm": typed})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["confirm"]
    assert 'id="id_confirm_error"' in response.content.decode()
    assert state() == before
    assert WHEEL_1 in simple_files(client)


# Deletions switched off -----------------------------------------------------------------------


def test_deleting_a_release_while_deletions_are_switched_off(site: Site, owner: Client):
    switch_on("disallow-deletion")
    before = state()
    response = owner.post(f"{BASE}release/2.0/delete/", {"delete-confirm": "2.0"}, follow=True)
    assert response.redirect_chain == [(f"{BASE}release/2.0/", 302)]
    assert DELETION_DISABLED in text_of(response)
    assert state() == before


def test_deleting_a_file_while_deletions_are_switched_off(site: Site, owner: Client):
    switch_on("disallow-deletion")
    before = state()
    file = site.file(WHEEL_1)
    response = owner.post(
        f"{BASE}release/1.0/file/{file.pk}/delete/", {"confirm": WHEEL_1}, follow=True
    )
    assert response.redirect_chain == [(f"{BASE}release/1.0/", 302)]
    assert DELETION_DISABLED in text_of(response)
    assert f"Deleted file {WHEEL_1}." not in text_of(response)
    assert state() == before


def test_deleting_the_project_while_deletions_are_switched_off(site: Site, owner: Client):
    switch_on("disallow-deletion")
    before = state()
    response = owner.post(f"{BASE}settings/delete/", {"confirm": "sample"})
    assert response.status_code == 403
    assert DELETION_DISABLED in text_of(response)
    assert state() == before
    assert Project.objects.filter(name="sample").exists()
