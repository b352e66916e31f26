"""Destructive actions need the password confirmed within ``SUDO_WINDOW_SECONDS``
(accounts/sudo.py): past the window each one sends the user to confirm it, with ``next``
pointing back, and changes nothing; reading the pages does not need it."""

from __future__ import annotations

import pytest
from django.test import Client

from packages.models import Release, Role

from .conftest import (
    BASE,
    PASSWORD,
    Site,
    age_password_confirmation,
    confirm_redirect,
    logged_in,
    state,
)
from .pages import ACTIONS, PAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_owner(site: Site) -> Client:
    """olivia, logged in with both factors, her password confirmed two hours ago."""
    client = logged_in(site.owner)
    age_password_confirmation(client)
    return client


@pytest.mark.parametrize("action_name", list(ACTIONS))
def test_every_action_needs_a_recent_password(site: Site, stale_owner: Client, action_name: str):
    action = ACTIONS[action_name]
    if action.prepare:
        action.prepare(site)
    path = action.path(site)
    before = state()

    response = stale_owner.post(path, action.data(site))

    assert response.status_code == 302
    assert response["Location"] == confirm_redirect(path)
    assert state() == before


@pytest.mark.parametrize("action_name", ["yank", "invite", "delete-project"])
def test_a_zero_second_window_always_asks(site: Site, owner: Client, settings, action_name):
    settings.SUDO_WINDOW_SECONDS = 0
    action = ACTIONS[action_name]
    path = action.path(site)
    before = state()
    response = owner.post(path, action.data(site))
    assert response["Location"] == confirm_redirect(path)
    assert state() == before


def test_leaving_needs_a_recent_password(site: Site):
    maintainer = logged_in(site.maintainer)
    age_password_confirmation(maintainer)
    path = f"{BASE}collaboration/{site.maintainer_role.pk}/remove/"
    before = state()
    response = maintainer.post(path, {"confirm": "max"})
    assert response["Location"] == confirm_redirect(path)
    assert state() == before


@pytest.mark.parametrize("page_name", ["projects", "overview", "release", "settings", "history"])
def test_read_pages_need_no_recent_password(site: Site, stale_owner: Client, page_name: str):
    assert stale_owner.get(PAGES[page_name].path(site)).status_code == 200


def test_the_collaboration_page_reads_without_a_recent_password(site: Site, stale_owner: Client):
    response = stale_owner.get(f"{BASE}collaboration/")
    assert response.status_code == 200
    assert "Invite a collaborator" in response.content.decode()


@pytest.mark.parametrize("page_name", ["file-delete", "remove-role"])
def test_confirmation_pages_ask_for_the_password_first(
    site: Site, stale_owner: Client, page_name: str
):
    path = PAGES[page_name].path(site)
    response = stale_owner.get(path)
    assert response["Location"] == confirm_redirect(path)


def test_confirming_the_password_lets_the_action_through(site: Site, stale_owner: Client):
    action = ACTIONS["yank"]
    path = action.path(site)
    response = stale_owner.post(path, action.data(site))
    assert response["Location"] == confirm_redirect(path)

    response = stale_owner.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == path
    # The form is sent again: a GET of the action's address goes back to the release.
    assert stale_owner.get(path)["Location"] == f"{BASE}release/1.0/"
    response = stale_owner.post(path, action.data(site))
    assert response["Location"] == f"{BASE}release/1.0/"
    assert Release.objects.get(project=site.project, version="1.0").yanked


def test_a_maintainer_past_the_window_is_still_refused_after_confirming(site: Site):
    """The password is asked before the role is checked; confirming it grants nothing."""
    maintainer = logged_in(site.maintainer)
    age_password_confirmation(maintainer)
    action = ACTIONS["change-role"]
    path = action.path(site)
    response = maintainer.post(path, action.data(site))
    assert response["Location"] == confirm_redirect(path)
    maintainer.post(response["Location"], {"password": PASSWORD})
    assert maintainer.post(path, action.data(site)).status_code == 403
    assert Role.objects.get(pk=site.mia_role.pk).role_name == "Maintainer"
