"""``/manage/projects/``: the user's projects (newest version, role, status) and, first, the
invitations waiting for them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from packages.models import LifecycleStatus, RoleInvitation, RoleName
from tests.packages.factories import ProjectFactory, ReleaseFactory, RoleFactory

from .conftest import Site, logged_in, member, plain, text_of

pytestmark = pytest.mark.django_db

PROJECTS = "/manage/projects/"
EMPTY = "You have no projects yet."


def cards(response) -> list[str]:
    """The text of each card (an invitation or a project), in order."""
    body = response.content.decode()
    found = body.split('<li class="card">')[1:]
    return [plain(card.split("</li>")[0]) for card in found]


@pytest.fixture
def more(site: Site) -> None:
    """olivia is also a Maintainer of an archived project without releases, the Owner of a
    quarantined one, and is invited (by bob) to become Owner of a fourth."""
    archived = ProjectFactory(name="Old-Tool", lifecycle_status=LifecycleStatus.ARCHIVED)
    RoleFactory(project=archived, user=site.owner, role_name=RoleName.MAINTAINER)
    held = ProjectFactory(name="held", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
    ReleaseFactory(project=held, version="0.1")
    RoleFactory(project=held, user=site.owner, role_name=RoleName.OWNER)
    offered = ProjectFactory(name="offered")
    RoleFactory(project=offered, user=site.bob, role_name=RoleName.OWNER)
    RoleInvitation.objects.create(
        project=offered, user=site.owner, role_name=RoleName.OWNER, invited_by=site.bob
    )


def test_the_projects_with_their_role_status_and_newest_version(
    site: Site, more: None, owner: Client
):
    response = owner.get(PROJECTS)

    assert response.status_code == 200
    assert [r.project.name for r in response.context["roles"]] == ["held", "Old-Tool", "sample"]
    shown = cards(response)
    invitation, held, old, sample = shown
    assert invitation.startswith("Become Owner of offered Invited by bob · valid until ")
    assert held.startswith("held Owner Quarantined Newest version 0.1 · last release ")
    assert old.startswith("Old-Tool Maintainer Archived No releases")
    assert sample.startswith("sample Owner Newest version 2.0 · last release ")
    assert "Archived" not in sample
    assert "Quarantined" not in sample
    assert "3 projects" in text_of(response)
    body = response.content.decode()
    assert 'href="/manage/project/sample/"' in body
    assert 'href="/project/sample/"' in body
    assert 'class="badge badge-owner"' in body
    assert 'class="badge badge-maintainer"' in body


def test_pending_invitations_come_first(site: Site, more: None, owner: Client):
    page = text_of(owner.get(PROJECTS))
    assert page.index("Pending invitations") < page.index("3 projects")
    assert page.index("Become Owner of offered") < page.index("Newest version 2.0")


def test_a_maintainer_sees_their_role(site: Site, maintainer: Client):
    (card,) = cards(maintainer.get(PROJECTS))
    assert card.startswith("sample Maintainer Newest version 2.0 ")


def test_an_invitee_sees_the_invitation(site: Site):
    ivy = logged_in(site.ivy)
    response = ivy.get(PROJECTS)
    (card,) = cards(response)
    assert card.startswith("Become Maintainer of sample Invited by olivia · valid until ")
    assert f'action="/manage/projects/invitation/{site.invitation.pk}/"' in (
        response.content.decode()
    )
    assert EMPTY in text_of(response)


def test_an_invitation_past_its_window_is_not_shown(site: Site):
    RoleInvitation.objects.filter(pk=site.invitation.pk).update(
        created=timezone.now() - timedelta(hours=73)
    )
    response = logged_in(site.ivy).get(PROJECTS)
    assert "Pending invitations" not in text_of(response)
    assert cards(response) == []


def test_no_projects(db: None):
    response = logged_in(member("newcomer")).get(PROJECTS)
    assert response.status_code == 200
    page = text_of(response)
    assert "0 projects" in page
    assert EMPTY in page
    assert "Pending invitations" not in page
    assert 'href="/manage/account/token/"' in response.content.decode()


def test_a_project_without_releases(site: Site, owner: Client):
    RoleFactory(project=ProjectFactory(name="empty"), user=site.owner)
    empty, _sample = cards(owner.get(PROJECTS))
    assert empty == "empty Owner No releases Manage empty View empty"
