"""Freezing an account: the flag, its event, and the account's sessions and tokens refused at
once (``staff`` is the suite's staff member, "staffer")."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from accounts import freezing
from accounts.events import EventTag
from accounts.models import User, UserEvent
from tests import uploads
from tests.accounts.conftest import PASSWORD, code, log_in, tags
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_freezing_sets_the_flag_and_records_who_and_why(member, staff):
    assert freezing.freeze_user(member, by=staff, reason="spam wave") is True

    member.refresh_from_db()
    assert member.is_frozen
    event = UserEvent.objects.get(user=member, tag=EventTag.ACCOUNT_FROZEN)
    assert event.additional == {"by": "staffer", "reason": "spam wave"}
    assert event.label == "Account frozen by an administrator"
    assert event.ip_address is None  # the staff member's address is not the account's


def test_freezing_twice_records_once(member, staff):
    assert freezing.freeze_user(member, by=staff) is True
    assert freezing.freeze_user(member, by=staff) is False
    assert tags(member).count(EventTag.ACCOUNT_FROZEN) == 1


def test_staff_cannot_freeze_themselves(staff):
    with pytest.raises(freezing.FreezeRefused):
        freezing.freeze_user(staff, by=staff)
    staff.refresh_from_db()
    assert not staff.is_frozen


def test_unfreezing(member, staff):
    assert freezing.unfreeze_user(member, by=staff) is False  # not frozen: nothing recorded
    freezing.freeze_user(member, by=staff)

    assert freezing.unfreeze_user(member, by=staff, reason="appeal accepted") is True

    member.refresh_from_db()
    assert not member.is_frozen
    event = UserEvent.objects.get(user=member, tag=EventTag.ACCOUNT_UNFROZEN)
    assert event.additional == {"by": "staffer", "reason": "appeal accepted"}


def test_the_sessions_of_the_account_end_at_once(member, staff):
    phone, laptop, other = Client(), Client(), Client()
    log_in(phone, "ann")
    log_in(laptop, "ann", steps=1)  # a later code: each code works once
    log_in(other, UserFactory(username="bob").username, key=None)
    assert Session.objects.count() == 3

    freezing.freeze_user(member, by=staff)

    # Deleted from the store (not only refused when next used); bob's session is untouched.
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        other.session.session_key
    ]
    for client in (phone, laptop):
        response = client.get("/manage/account/")
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")
    assert other.get("/manage/account/").status_code == 200


def test_a_frozen_account_cannot_log_back_in_nor_keep_an_old_session(member, staff, client):
    log_in(client, "ann")
    freezing.freeze_user(member, by=staff)
    freezing.unfreeze_user(member, by=staff)

    assert client.get("/manage/account/").status_code == 302  # the old session stays ended

    freezing.freeze_user(member, by=staff)
    response = client.post("/account/login/", {"login": "ann", "password": "correct horse battery"})
    assert "_auth_user_id" not in client.session
    assert "Your account has been suspended." in response.content.decode()


def test_a_session_the_store_still_holds_is_refused(member, client):
    """Stores that cannot be searched by account (cache, signed cookies) keep the session:
    it is refused on its next request all the same."""
    log_in(client, "ann")
    User.objects.filter(pk=member.pk).update(is_frozen=True)  # the flag alone, no deletion

    response = client.get("/manage/account/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_tokens_of_the_account_are_refused_at_once(member, staff, client, make_token):
    token = make_token(member)
    upload = uploads.wheel_upload("frozen-pkg", "1.0")

    freezing.freeze_user(member, by=staff)

    response = upload.post(client, token)
    assert response.status_code == 403
    assert "Invalid or non-existent authentication information" in response.content.decode()


# Through the admin, end to end ---------------------------------------------------------------


def freeze_in_admin(staff_client: Client, user: User, action: str = "freeze_accounts") -> None:
    response = staff_client.post(
        "/admin/accounts/user/",
        {"action": action, "_selected_action": [user.pk], "apply": "1", "reason": "abuse"},
    )
    assert response.status_code == 302


def test_freezing_in_the_admin_stops_tokens_sessions_and_logins_at_once(
    member, staff_client, make_token
):
    token = make_token(member)  # made before the freeze
    session = Client()
    log_in(session, "ann")
    assert uploads.wheel_upload("frozen-pkg", "1.0").post(Client(), token).status_code == 200
    assert session.get("/manage/account/").status_code == 200

    freeze_in_admin(staff_client, member)

    refused = uploads.wheel_upload("frozen-pkg", "1.1").post(Client(), token)
    assert refused.status_code == 403
    assert "Invalid or non-existent authentication information" in refused.content.decode()
    response = session.get("/manage/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert "_auth_user_id" not in session.session
    login = Client().post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert "Your account has been suspended." in login.content.decode()

    # Unfreezing gives the token back (it was never deleted); the old session stays ended.
    freeze_in_admin(staff_client, member, "unfreeze_accounts")
    assert uploads.wheel_upload("frozen-pkg", "1.1").post(Client(), token).status_code == 200
    assert session.get("/manage/account/").status_code == 302
    log_in(Client(), "ann", steps=1)  # a later code: each code works once


def test_an_account_frozen_during_its_login_gets_no_session(member, staff):
    client = Client()
    response = client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert response["Location"] == "/account/two-factor/"

    freezing.freeze_user(member, by=staff)
    client.post("/account/two-factor/", {"code": code()})

    response = client.get("/manage/account/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_password_reset_does_not_let_a_frozen_account_in(member, staff, committed):
    freezing.freeze_user(member, by=staff)
    client = Client()
    with committed():
        client.post("/account/reset-password/", {"email": "ann"})
    [link] = re.findall(
        r"http://testserver(/account/password/reset/key/\S+/)", mail.outbox[-1].body
    )
    form_page = client.get(link, follow=True)
    new = "a long and unusual passphrase 42"
    client.post(form_page.redirect_chain[-1][0], {"password1": new, "password2": new})

    response = client.post("/account/login/", {"login": "ann", "password": new})

    assert "_auth_user_id" not in client.session
    assert "Your account has been suspended." in response.content.decode()
