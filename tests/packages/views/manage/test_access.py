"""Who reaches the maintainers' pages (packages/views/manage/access.py): every page and every
action against every kind of visitor.

Owners see and do everything; Maintainers read (403 on what needs WRITE); anyone else with a
role-less account gets a 404 as if the project did not exist; anonymous visitors and sessions
that did not pass the second factor go to the login page; accounts without 2FA go to set it up.
A quarantined project can be read but not changed. The pages are never cached.
"""

from __future__ import annotations

import pytest
from django.test import Client

from packages.models import Project, RoleInvitation, RoleName
from tests.packages.factories import ProjectFactory, RoleFactory

from .conftest import (
    BASE,
    NAME,
    OWNERS_ONLY,
    QUARANTINE_BANNER,
    QUARANTINED,
    ROLE_CLIENTS,
    TWO_FACTOR_SETUP,
    WHEEL_2,
    Site,
    assert_never_cached,
    login_redirect,
    state,
    text_of,
)
from .pages import ACTIONS, PAGES, Page

pytestmark = pytest.mark.django_db


# Pages ----------------------------------------------------------------------------------------


PROJECT_PAGES = [name for name, page in PAGES.items() if page.project]
READ_PAGES = [name for name in PROJECT_PAGES if not PAGES[name].write]
WRITE_PAGES = [name for name in PROJECT_PAGES if PAGES[name].write]


def expected_for_page(who: str, page: Page, path: str) -> tuple[int, str | None]:
    """(status, Location) the page answers ``who`` with."""
    if who in ("anonymous", "password-only", "unverified-session"):
        return 302, login_redirect(path)
    if who == "no-2fa":
        return 302, TWO_FACTOR_SETUP
    if who == "other":
        return (404 if page.project else 200), None
    if who == "maintainer" and page.write:
        return 403, None
    return 200, None


@pytest.mark.parametrize("who", list(ROLE_CLIENTS))
@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_access(site: Site, page_name: str, who: str):
    page = PAGES[page_name]
    path = page.path(site)
    status, location = expected_for_page(who, page, path)

    response = ROLE_CLIENTS[who](site).get(path)

    assert response.status_code == status, (response.status_code, response.get("Location"))
    if location is not None:
        assert response["Location"] == location
    if status in (200, 302):
        assert_never_cached(response)


def test_a_maintainer_is_told_why_a_write_page_is_refused(site: Site, maintainer: Client):
    """The refusal's reason (``management_denial``) reaches the page, as access.py says."""
    response = maintainer.get(PAGES["file-delete"].path(site))
    assert response.status_code == 403
    assert OWNERS_ONLY in response.content.decode()


def test_a_maintainer_opens_the_page_to_leave_the_project(site: Site, maintainer: Client):
    response = maintainer.get(f"{BASE}collaboration/{site.maintainer_role.pk}/remove/")
    assert response.status_code == 200
    assert response.context["leaving"] is True
    assert f"Leave {NAME}" in text_of(response)


def test_the_project_name_is_matched_as_pep_503_does(site: Site, owner: Client):
    response = owner.get("/manage/project/SAMPLE/settings/")
    assert response.status_code == 200
    assert response.context["project"] == site.project


@pytest.mark.parametrize("page_name", READ_PAGES)
def test_maintainers_see_no_write_controls(site: Site, maintainer: Client, page_name: str):
    response = maintainer.get(PAGES[page_name].path(site))
    assert response.status_code == 200
    body = response.content.decode()
    for control in ("/yank/", "/delete/", "/change/", "/revoke/", "/archive/", "Send invitation"):
        assert control not in body


# Actions --------------------------------------------------------------------------------------


ACTION_ROLES = ["owner", "maintainer", "other", "anonymous", "no-2fa", "unverified-session"]


@pytest.mark.parametrize("who", ACTION_ROLES)
@pytest.mark.parametrize("action_name", list(ACTIONS))
def test_action_access(site: Site, action_name: str, who: str):
    action = ACTIONS[action_name]
    if action.prepare:
        action.prepare(site)
    client = ROLE_CLIENTS[who](site)
    path = action.path(site)
    before = state()

    response = client.post(path, action.data(site))

    if who == "owner":
        assert response.status_code == 302, response.content
        assert state() != before
        return
    expected = {
        "maintainer": 403,
        "other": 404,
        "anonymous": 302,
        "no-2fa": 302,
        "unverified-session": 302,
    }[who]
    assert response.status_code == expected
    if who in ("anonymous", "unverified-session"):
        assert response["Location"] == login_redirect(path)
    if who == "no-2fa":
        assert response["Location"] == TWO_FACTOR_SETUP
    assert state() == before


def test_a_maintainer_is_told_why_an_action_is_refused(site: Site, maintainer: Client):
    action = ACTIONS["yank"]
    response = maintainer.post(action.path(site), action.data(site))
    assert response.status_code == 403
    assert OWNERS_ONLY in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "collaboration/{mia}/change/",
        "collaboration/invitation/{invitation}/revoke/",
        "settings/archive/",
        "settings/unarchive/",
        "settings/delete/",
    ],
)
def test_post_only_actions_refuse_get(site: Site, owner: Client, path: str):
    before = state()
    url = BASE + path.format(mia=site.mia_role.pk, invitation=site.invitation.pk)
    assert owner.get(url).status_code == 405
    assert state() == before


@pytest.mark.parametrize("version", ["1.0", "0.9"])
@pytest.mark.parametrize("action", ["yank", "unyank", "delete"])
def test_release_actions_answer_get_with_the_release_page(
    site: Site, owner: Client, action: str, version: str
):
    before = state()
    response = owner.get(f"{BASE}release/{version}/{action}/")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}release/{version}/"
    assert state() == before


# Quarantine -----------------------------------------------------------------------------------


@pytest.mark.parametrize("action_name", list(ACTIONS))
def test_a_quarantined_project_refuses_every_action_of_its_owner(
    site: Site, quarantined: Project, owner: Client, action_name: str
):
    action = ACTIONS[action_name]
    before = state()
    response = owner.post(action.path(site), action.data(site))
    assert response.status_code == 403
    assert state() == before


def test_a_quarantined_project_tells_its_owner_why(site: Site, quarantined: Project, owner: Client):
    action = ACTIONS["archive"]
    response = owner.post(action.path(site), action.data(site))
    assert response.status_code == 403
    assert QUARANTINED in response.content.decode()


@pytest.mark.parametrize("page_name", WRITE_PAGES)
def test_a_quarantined_project_refuses_its_write_pages(
    site: Site, quarantined: Project, owner: Client, page_name: str
):
    assert owner.get(PAGES[page_name].path(site)).status_code == 403


@pytest.mark.parametrize("who", ["owner", "maintainer"])
@pytest.mark.parametrize("page_name", READ_PAGES)
def test_a_quarantined_project_is_read_with_a_banner(
    site: Site, quarantined: Project, page_name: str, who: str
):
    response = ROLE_CLIENTS[who](site).get(PAGES[page_name].path(site))
    assert response.status_code == 200
    assert QUARANTINE_BANNER in text_of(response)
    assert "Quarantined" in text_of(response)
    # No form that would change the project is offered.
    assert "/yank/" not in response.content.decode()
    assert "Send invitation" not in response.content.decode()


def test_a_quarantined_project_shows_the_reason_instead_of_the_forms(
    site: Site, quarantined: Project, owner: Client
):
    response = owner.get(f"{BASE}settings/")
    assert QUARANTINED in text_of(response)
    assert "Delete project" not in text_of(response)


# Things that do not exist ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/manage/project/nope/",
        "/manage/project/nope/release/1.0/",
        "/manage/project/nope/collaboration/",
        "/manage/project/nope/settings/",
        "/manage/project/nope/history/",
        f"{BASE}release/9.9/",
        f"{BASE}release/9.9/file/1/delete/",
        f"{BASE}release/1.0/file/999999/delete/",
        f"{BASE}collaboration/999999/remove/",
    ],
)
def test_unknown_things_are_not_found(site: Site, owner: Client, path: str):
    assert owner.get(path).status_code == 404


def test_a_file_of_another_release_is_not_found(site: Site, owner: Client):
    path = f"{BASE}release/1.0/file/{site.file(WHEEL_2).pk}/delete/"
    assert owner.get(path).status_code == 404
    assert owner.post(path, {"confirm": WHEEL_2}).status_code == 404
    assert site.file(WHEEL_2)


def test_a_role_on_another_project_is_not_found(site: Site, owner: Client):
    elsewhere = RoleFactory(
        project=ProjectFactory(name="elsewhere"), user=site.mia, role_name=RoleName.OWNER
    )
    RoleFactory(project=elsewhere.project, user=site.owner, role_name=RoleName.OWNER)
    before = state()
    assert owner.get(f"{BASE}collaboration/{elsewhere.pk}/remove/").status_code == 404
    assert (
        owner.post(f"{BASE}collaboration/{elsewhere.pk}/remove/", {"confirm": "mia"}).status_code
        == 404
    )
    assert (
        owner.post(
            f"{BASE}collaboration/{elsewhere.pk}/change/", {"role_name": "Maintainer"}
        ).status_code
        == 404
    )
    assert state() == before


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/manage/project/nope/release/1.0/yank/", {"yank-confirm": "1.0"}),
        (f"{BASE}release/9.9/yank/", {"yank-confirm": "9.9"}),
        (f"{BASE}release/9.9/unyank/", {"unyank-confirm": "9.9"}),
        (f"{BASE}release/9.9/delete/", {"delete-confirm": "9.9"}),
        (f"{BASE}collaboration/999999/change/", {"role_name": "Owner"}),
        (f"{BASE}collaboration/invitation/999999/revoke/", {}),
        ("/manage/project/nope/settings/archive/", {}),
        ("/manage/project/nope/settings/delete/", {"confirm": "nope"}),
        ("/manage/projects/invitation/999999/", {}),
    ],
)
def test_actions_on_unknown_things_are_not_found(site: Site, owner: Client, path: str, data):
    before = state()
    assert owner.post(path, data).status_code == 404
    assert state() == before


def test_an_invitation_of_another_project_cannot_be_revoked_here(site: Site, owner: Client):
    other = ProjectFactory(name="elsewhere")
    RoleFactory(project=other, user=site.owner, role_name=RoleName.OWNER)
    invitation = RoleInvitation.objects.create(
        project=other, user=site.bob, role_name=RoleName.MAINTAINER, invited_by=site.owner
    )
    before = state()
    response = owner.post(f"{BASE}collaboration/invitation/{invitation.pk}/revoke/")
    assert response.status_code == 404
    assert state() == before


def test_someone_elses_invitation_cannot_be_answered(site: Site, owner: Client):
    """ivy's invitation, answered from olivia's list: not found."""
    before = state()
    assert owner.post(f"/manage/projects/invitation/{site.invitation.pk}/").status_code == 404
    assert (
        owner.post(
            f"/manage/projects/invitation/{site.invitation.pk}/", {"decline": ""}
        ).status_code
        == 404
    )
    assert state() == before


# Caching --------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_name", list(PAGES))
def test_pages_are_never_cached(site: Site, owner: Client, page_name: str):
    response = owner.get(PAGES[page_name].path(site))
    assert response.status_code == 200
    assert_never_cached(response)


@pytest.mark.parametrize("action_name", ["yank", "invite", "archive"])
def test_action_answers_are_never_cached(site: Site, owner: Client, action_name: str):
    action = ACTIONS[action_name]
    response = owner.post(action.path(site), action.data(site))
    assert response.status_code == 302
    assert_never_cached(response)


def test_the_invitation_page_is_never_cached(site: Site):
    response = ROLE_CLIENTS["owner"](site).get("/account/verify-project-role/?token=x")
    assert response.status_code == 400
    assert_never_cached(response)


@pytest.mark.parametrize(
    ("who", "path"),
    [("maintainer", "file-delete"), ("owner", "/manage/project/nope/")],
)
def test_refusals_are_never_cached_either(site: Site, who: str, path: str):
    url = PAGES[path].path(site) if path in PAGES else path
    response = ROLE_CLIENTS[who](site).get(url)
    assert response.status_code in (403, 404)
    assert_never_cached(response)
