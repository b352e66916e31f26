"""A project's settings page: its limits, archiving and unarchiving, deleting the project."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

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
    RoleInvitation,
)

from .conftest import (
    BASE,
    NAME,
    SDIST_1,
    WHEEL_09,
    WHEEL_1,
    WHEEL_2,
    Site,
    assert_on_newest_serial,
    newest_entry,
    newest_event,
    project_json,
    simple_json,
    state,
    text_of,
)

pytestmark = pytest.mark.django_db

SETTINGS = f"{BASE}settings/"
COLLABORATORS = [["max@example.com"], ["mia@example.com"], ["olivia@example.com"]]
ARCHIVED_BANNER = "This project is archived: it takes no new uploads and stays installable."


def recipients() -> list[list[str]]:
    return sorted(m.to for m in mail.outbox)


def status(client: Client) -> dict[str, str]:
    response = simple_json(client)
    assert response.status_code == 200
    return response.json()["project-status"]


def assert_event(tag: ProjectEventTag, site: Site) -> None:
    event = newest_event()
    assert event.tag == tag
    assert event.user == site.owner
    assert event.additional["submitted_by"] == "olivia"


def test_the_settings_page(site: Site, owner: Client):
    response = owner.get(SETTINGS)
    assert response.status_code == 200
    page = text_of(response)
    assert "3 releases, 4 files" in page
    assert "Archive this project" in page
    assert "Delete this project" in page
    assert f"/manage/account/token/?project={NAME}" in response.content.decode()
    assert response.context["delete_form"].fields["confirm"].label == (
        "Type the project name to confirm"
    )


def test_a_maintainer_reads_the_settings_without_the_forms(site: Site, maintainer: Client):
    response = maintainer.get(SETTINGS)
    page = text_of(response)
    assert "3 releases, 4 files" in page
    assert "Archive this project" not in page
    assert "Delete this project" not in page
    assert "Only the project's Owners can do this." in page


# Archiving ------------------------------------------------------------------------------------


def test_archive(site: Site, owner: Client, client: Client, committed):
    assert status(client) == {"status": "active"}
    project_json(client)
    with committed():
        response = owner.post(f"{SETTINGS}archive/", follow=True)

    assert response.redirect_chain == [(SETTINGS, 302)]
    page = text_of(response)
    assert "The project is archived." in page
    assert ARCHIVED_BANNER in page
    assert "Unarchive this project" in page
    project = site.refresh()
    assert project.lifecycle_status == LifecycleStatus.ARCHIVED
    assert project.lifecycle_status_changed is not None
    entry = newest_entry()
    assert (entry.name, entry.version, entry.action) == (NAME, None, "project archived")
    assert entry.submitted_by == site.owner
    assert_on_newest_serial()
    assert_event(ProjectEventTag.ARCHIVE_ENTER, site)
    assert recipients() == COLLABORATORS

    assert status(client) == {"status": "archived"}
    assert simple_json(client).json()["meta"]["_last-serial"] == entry.id
    assert project_json(client)["last_serial"] == entry.id
    html = client.get(f"/simple/{NAME}/").content.decode()
    assert '<meta name="pypi:project-status" content="archived">' in html
    # Everything stays installable.
    assert len(simple_json(client).json()["files"]) == 4


@pytest.mark.parametrize("page", ["", "release/1.0/", "collaboration/", "history/"])
def test_an_archived_project_says_so_on_every_page(site: Site, owner: Client, page: str):
    owner.post(f"{SETTINGS}archive/")
    response = owner.get(f"{BASE}{page}")
    assert ARCHIVED_BANNER in text_of(response)
    assert "Unarchive it in the settings." in text_of(response)


def test_archiving_twice_is_refused(site: Site, owner: Client):
    owner.post(f"{SETTINGS}archive/")
    before = state()
    response = owner.post(f"{SETTINGS}archive/", follow=True)
    assert "Cannot archive project with status archived." in text_of(response)
    assert state() == before


def test_unarchive(site: Site, owner: Client, client: Client, committed):
    owner.post(f"{SETTINGS}archive/")
    assert status(client) == {"status": "archived"}
    mail.outbox.clear()
    with committed():
        response = owner.post(f"{SETTINGS}unarchive/", follow=True)

    assert response.redirect_chain == [(SETTINGS, 302)]
    assert "The project is no longer archived." in text_of(response)
    assert ARCHIVED_BANNER not in text_of(response)
    assert site.refresh().lifecycle_status == LifecycleStatus.ACTIVE
    assert newest_entry().action == "project unarchived"
    assert_on_newest_serial()
    assert_event(ProjectEventTag.ARCHIVE_EXIT, site)
    assert recipients() == COLLABORATORS
    assert status(client) == {"status": "active"}


def test_unarchiving_an_active_project_is_refused(site: Site, owner: Client):
    before = state()
    response = owner.post(f"{SETTINGS}unarchive/", follow=True)
    assert "The project is not archived." in text_of(response)
    assert state() == before


# Deleting the project -------------------------------------------------------------------------


def test_delete_the_project(site: Site, owner: Client, client: Client, committed):
    simple_json(client)
    project_json(client)
    with committed():
        response = owner.post(f"{SETTINGS}delete/", {"confirm": NAME}, follow=True)

    assert response.redirect_chain == [("/manage/projects/", 302)]
    assert "Deleted the project “sample”." in text_of(response)
    assert "sample" not in [r.project.name for r in response.context["roles"]]
    assert not Project.objects.filter(name=NAME).exists()
    assert not Release.objects.exists()
    assert not File.objects.exists()
    assert not Role.objects.exists()
    assert not RoleInvitation.objects.exists()
    assert not ProjectEvent.objects.exists()
    assert set(FilenameRegistry.objects.values_list("filename", flat=True)) >= {
        WHEEL_09,
        WHEEL_1,
        SDIST_1,
        WHEEL_2,
    }
    entry = JournalEntry.objects.latest("id")
    assert (entry.name, entry.version, entry.action) == (NAME, None, "remove project")
    assert entry.submitted_by == site.owner
    assert recipients() == COLLABORATORS
    assert all(NAME in m.subject for m in mail.outbox)

    assert simple_json(client).status_code == 404
    assert client.get(f"/pypi/{NAME}/json").status_code == 404
    assert owner.get(BASE).status_code == 404


@pytest.mark.parametrize("typed", ["", "Sample", "SAMPLE", "sample-", "1.0"])
def test_delete_the_project_with_the_wrong_confirmation(
    site: Site, owner: Client, client: Client, typed: str
):
    before = state()
    response = owner.post(f"{SETTINGS}delete/", {"confirm": typed})
    assert response.status_code == 400
    assert list(response.context["delete_form"].errors) == ["confirm"]
    assert 'id="id_confirm_error"' in response.content.decode()
    assert state() == before
    assert simple_json(client).status_code == 200
    assert mail.outbox == []
