"""A project's history page: the events of what was done to it, newest first, with who did it
and the details (version, reason, collaborator, API token), 50 to a page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from packages.models import ProjectEvent, ProjectEventTag
from tests.packages.factories import ProjectFactory

from .conftest import BASE, Site, logged_in, plain

pytestmark = pytest.mark.django_db

HISTORY = f"{BASE}history/"


def rows(response) -> list[str]:
    """The text of each row of the events table, in order."""
    body = response.content.decode()
    tbody = body[body.index("<tbody>") : body.index("</tbody>")]
    found = re.findall(r"<tr>(.*?)</tr>", tbody, flags=re.S)
    return [plain(row) for row in found]


def event(site: Site, tag: ProjectEventTag, **additional: object) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=site.project,
        tag=tag,
        user=site.owner,
        ip_address="192.0.2.1",
        user_agent="twine/6.0",
        additional={"submitted_by": "olivia", **additional},
    )


def test_an_empty_history(site: Site, owner: Client):
    response = owner.get(HISTORY)
    assert response.status_code == 200
    assert rows(response) == ["No events yet."]


def test_the_actions_appear_newest_first_with_their_details(site: Site, owner: Client):
    owner.post(f"{BASE}release/1.0/yank/", {"yank-reason": "Broken wheel", "yank-confirm": "1.0"})
    owner.post(f"{BASE}collaboration/", {"username": "bob", "role_name": "Owner"})
    owner.post(f"{BASE}collaboration/{site.mia_role.pk}/change/", {"role_name": "Owner"})
    owner.post(f"{BASE}release/2.0/delete/", {"delete-confirm": "2.0"})
    owner.post(f"{BASE}settings/archive/")

    response = owner.get(HISTORY)

    shown = rows(response)
    assert len(shown) == 5
    archived, deleted, changed, invited, yanked = shown
    assert archived.startswith("Project archived olivia ")
    assert deleted.startswith("Release deleted Version: 2.0 olivia ")
    assert changed.startswith(
        "Collaborator's role changed Collaborator: mia Role: Owner "
        "Previous role: Maintainer olivia "
    )
    assert invited.startswith("Collaborator invited Collaborator: bob Role: Owner olivia ")
    assert yanked.startswith("Release yanked Version: 1.0 Reason: Broken wheel olivia ")
    # Who is a link to their profile; where from and with what client are shown.
    assert 'href="/user/olivia/"' in response.content.decode()
    assert all("127.0.0.1" in row for row in shown)


def test_a_maintainer_reads_the_history(site: Site, owner: Client, maintainer: Client):
    owner.post(f"{BASE}release/1.0/yank/", {"yank-confirm": "1.0"})
    response = maintainer.get(HISTORY)
    assert response.status_code == 200
    assert rows(response)[0].startswith("Release yanked Version: 1.0 olivia ")


def test_the_file_of_a_deletion_is_named(site: Site, owner: Client):
    file = site.file("sample-1.0.tar.gz")
    owner.post(f"{BASE}release/1.0/file/{file.pk}/delete/", {"confirm": file.filename})
    (row,) = rows(owner.get(HISTORY))
    assert row.startswith("File deleted Version: 1.0 File: sample-1.0.tar.gz olivia ")


def test_an_accepted_invitation_names_who_invited(site: Site, owner: Client):
    ivy = logged_in(site.ivy)
    ivy.post(f"/manage/projects/invitation/{site.invitation.pk}/", {"accept": ""})
    (row,) = rows(owner.get(HISTORY))
    assert row.startswith(
        "Collaborator added Collaborator: ivy Role: Maintainer Invited by: olivia ivy "
    )


def test_an_upload_shows_the_api_token_it_used(site: Site, owner: Client):
    event(
        site,
        ProjectEventTag.FILE_ADD,
        version="1.0",
        filename="sample-1.0-py3-none-any.whl",
        api_token="CI for sample (7d0c)",
    )
    (row,) = rows(owner.get(HISTORY))
    assert row.startswith(
        "File uploaded Version: 1.0 File: sample-1.0-py3-none-any.whl "
        "API token: CI for sample (7d0c) olivia "
    )
    assert "192.0.2.1" in row
    assert "twine/6.0" in row


def test_an_event_of_a_deleted_user_names_who_it_was(site: Site, owner: Client):
    ProjectEvent.objects.create(
        project=site.project,
        tag=ProjectEventTag.RELEASE_YANK,
        user=None,
        additional={"submitted_by": "gone-user", "version": "1.0"},
    )
    (row,) = rows(owner.get(HISTORY))
    assert row.startswith("Release yanked Version: 1.0 gone-user ")


def test_the_history_is_paginated_by_fifty(site: Site, owner: Client):
    for n in range(60):
        event(site, ProjectEventTag.RELEASE_ADD, version=f"3.{n}")

    first = owner.get(HISTORY)
    second = owner.get(f"{HISTORY}?page=2")

    first_rows, second_rows = rows(first), rows(second)
    assert len(first_rows) == 50
    assert len(second_rows) == 10
    # Newest first: 3.59 down to 3.10, then 3.9 down to 3.0.
    assert first_rows[0].startswith("Release published Version: 3.59 ")
    assert first_rows[-1].startswith("Release published Version: 3.10 ")
    assert second_rows[0].startswith("Release published Version: 3.9 ")
    assert second_rows[-1].startswith("Release published Version: 3.0 ")
    assert 'href="?page=2" rel="next"' in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?page=1" rel="prev"' in second.content.decode()
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("page", ["0", "99", "x", ""])
def test_an_out_of_range_page_shows_a_valid_one(site: Site, owner: Client, page: str):
    for n in range(60):
        event(site, ProjectEventTag.RELEASE_ADD, version=f"3.{n}")
    response = owner.get(f"{HISTORY}?page={page}")
    assert response.status_code == 200
    assert len(rows(response)) in (50, 10)


def test_the_history_shows_only_this_project(site: Site, owner: Client):
    other = ProjectFactory(name="other")
    ProjectEvent.objects.create(project=other, tag=ProjectEventTag.PROJECT_CREATE)
    assert rows(owner.get(HISTORY)) == ["No events yet."]
