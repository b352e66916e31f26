"""Accounts in the admin: freezing and unfreezing are actions, never an edit of the flag."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.events import EventTag
from accounts.models import User, UserEvent
from tests.accounts.conftest import KEY, log_in
from tests.accounts.factories import UserFactory, add_totp

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.fixture
def staff() -> User:
    user = UserFactory(username="admin1", is_staff=True, is_superuser=True)
    add_totp(user, key=KEY)
    return user


@pytest.fixture
def admin_client(client: Client, staff: User) -> Client:
    """Staff logged in with both factors: the admin admits only such sessions."""
    log_in(client, "admin1")
    assert client.get("/admin/").status_code == 200
    return client


def act(client: Client, action: str, users: list[User], **data: str):
    return client.post(USERS, {"action": action, "_selected_action": [u.pk for u in users], **data})


def test_freezing_asks_for_a_reason_then_freezes(admin_client, member):
    other = UserFactory(username="bob")
    member_session = Client()
    log_in(member_session, "ann")

    page = act(admin_client, "freeze_accounts", [member, other])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Freeze accounts" in html
    assert 'name="reason"' in html
    member.refresh_from_db()
    assert not member.is_frozen  # nothing happens before the confirmation

    response = act(admin_client, "freeze_accounts", [member, other], apply="1", reason="spam")

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 accounts changed."]
    for user in (member, other):
        user.refresh_from_db()
        assert user.is_frozen
        event = UserEvent.objects.get(user=user, tag=EventTag.ACCOUNT_FROZEN)
        assert event.additional == {"by": "admin1", "reason": "spam"}
    assert member_session.get("/manage/account/").status_code == 302  # logged out at once


def test_unfreezing(admin_client, member, staff):
    User.objects.filter(pk=member.pk).update(is_frozen=True)

    response = act(admin_client, "unfreeze_accounts", [member], apply="1", reason="")

    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_frozen
    event = UserEvent.objects.get(user=member, tag=EventTag.ACCOUNT_UNFROZEN)
    assert event.additional == {"by": "admin1", "reason": ""}


def test_staff_cannot_freeze_their_own_account(admin_client, staff):
    response = act(admin_client, "freeze_accounts", [staff], apply="1")

    assert "You cannot freeze your own account." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    staff.refresh_from_db()
    assert not staff.is_frozen
    assert admin_client.get("/admin/").status_code == 200


def test_the_flag_cannot_be_edited(admin_client, member):
    page = admin_client.get(f"{USERS}{member.pk}/change/").content.decode()
    assert 'name="is_frozen"' not in page

    data = {
        "name": member.name,
        "email": member.email,
        "is_active": "on",
        "is_frozen": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
    }
    response = admin_client.post(f"{USERS}{member.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    member.refresh_from_db()
    assert not member.is_frozen
    assert not UserEvent.objects.filter(user=member, tag=EventTag.ACCOUNT_FROZEN).exists()
