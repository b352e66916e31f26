"""Account recovery for someone who lost their second factor: staff start it in the admin, the
mailed link lets the person choose a new password once, within 24 hours; then their second
factors are gone, their sessions ended, and the site makes them set up 2FA again."""

from __future__ import annotations

import re
import time
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, RequestFactory
from django_otp_webauthn.models import WebAuthnCredential

from accounts import two_factor
from accounts.breach import breached_message
from accounts.events import EventTag
from accounts.models import AuthenticatorApp, RecoveryCodes, User, UserEvent
from tests.accounts.conftest import PASSWORD, log_in, tags
from tests.accounts.factories import EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
NEW_PASSWORD = "a long and unusual passphrase 42"
INVALID = (
    "This account recovery link is not valid: it has been used, cancelled or replaced by a "
    "newer one. Contact the administrators of this index if you still cannot log in."
)
EXPIRED = (
    "This account recovery link has expired. Contact the administrators of this index for a "
    "new one."
)


def start(staff_client: Client, user: User, committed, **choice: str) -> str:
    """Start a recovery in the admin; the path of the link it mails."""
    data = {"address": "ann@example.com", **choice, "reason": "video call"}
    with committed():
        staff_client.post(
            USERS,
            {
                "action": "start_account_recovery",
                "_selected_action": [user.pk],
                "apply": "1",
                **data,
            },
        )
    [path] = re.findall(r"http://testserver(/account/recovery/\?token=\S+)", mail.outbox[-1].body)
    return path


def token_of(path: str) -> str:
    return unquote(path.split("token=", 1)[1])


def recover(client: Client, path: str, password: str = NEW_PASSWORD):
    return client.post(
        "/account/recovery/",
        {"token": token_of(path), "password1": password, "password2": password},
    )


def error_of(response) -> str:
    [error] = re.findall(
        r'<p class="form-errors" role="alert">([^<]+)</p>', response.content.decode()
    )
    return error


@pytest.fixture
def locked_out(member: User) -> User:
    """ann, with an authenticator app, a security key and recovery codes (all lost)."""
    WebAuthnCredential.objects.create(
        user=member, name="blue key", confirmed=True, credential_id=b"blue", public_key=b"pk"
    )
    two_factor.generate_recovery_codes(member, request=RequestFactory().get("/"))
    return member


def test_the_link_sets_a_password_removes_second_factors_and_ends_sessions(
    staff_client, locked_out, committed
):
    phone = Client()
    log_in(phone, "ann")  # a session somewhere (perhaps an attacker's)
    path = start(staff_client, locked_out, committed)

    page = Client().get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Recover your account" in html
    assert '<label for="id_password1">' in html
    assert f'value="{token_of(path)}"' in html
    # Opening the link changes nothing (mail scanners open links).
    assert AuthenticatorApp.objects.filter(user=locked_out).exists()

    client = Client()
    response = recover(client, path)

    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    locked_out.refresh_from_db()
    assert locked_out.check_password(NEW_PASSWORD)
    assert not AuthenticatorApp.objects.filter(user=locked_out).exists()
    assert not WebAuthnCredential.objects.filter(user=locked_out).exists()
    assert not RecoveryCodes.objects.filter(user=locked_out).exists()
    assert not Session.objects.filter(session_key=phone.session.session_key).exists()
    assert phone.get("/manage/account/").status_code == 302
    assert tags(locked_out)[-4:] == [
        EventTag.PASSWORD_RESET,
        EventTag.TWO_FACTOR_METHOD_REMOVED,
        EventTag.TWO_FACTOR_METHOD_REMOVED,
        EventTag.ACCOUNT_RECOVERY_COMPLETED,
    ]
    done = UserEvent.objects.get(user=locked_out, tag=EventTag.ACCOUNT_RECOVERY_COMPLETED)
    assert done.additional["removed"] == ["totp", "webauthn", "recovery codes"]
    assert done.ip_address == "127.0.0.1"
    removed = UserEvent.objects.filter(user=locked_out, tag=EventTag.TWO_FACTOR_METHOD_REMOVED)
    assert sorted(e.additional["method"] for e in removed) == ["totp", "webauthn"]

    # The new password logs in without a second step; the site then asks for 2FA again.
    login = client.post("/account/login/", {"login": "ann", "password": NEW_PASSWORD})
    assert login["Location"] == "/manage/account/"
    gated = client.get("/manage/account/token/")
    assert gated["Location"] == "/manage/account/two-factor/"
    failed = Client().post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert "_auth_user_id" not in failed.wsgi_request.session


def test_the_link_works_once(staff_client, locked_out, committed):
    path = start(staff_client, locked_out, committed)
    assert recover(Client(), path).status_code == 302

    again = Client().get(path)
    assert again.status_code == 400
    assert error_of(again) == INVALID
    replay = recover(Client(), path, password="another long passphrase 77")
    assert replay.status_code == 400
    locked_out.refresh_from_db()
    assert locked_out.check_password(NEW_PASSWORD)


def test_an_expired_link(staff_client, locked_out, committed, monkeypatch):
    path = start(staff_client, locked_out, committed)
    later = time.time() + 24 * 3600 + 60
    monkeypatch.setattr(time, "time", lambda: later)

    response = recover(Client(), path)

    assert response.status_code == 400
    assert error_of(response) == EXPIRED
    assert AuthenticatorApp.objects.filter(user=locked_out).exists()


def test_a_cancelled_link(staff_client, locked_out, committed):
    path = start(staff_client, locked_out, committed)
    staff_client.post(
        USERS,
        {"action": "cancel_account_recovery", "_selected_action": [locked_out.pk], "apply": "1"},
    )

    response = Client().get(path)

    assert response.status_code == 400
    assert error_of(response) == INVALID
    assert recover(Client(), path).status_code == 400
    assert AuthenticatorApp.objects.filter(user=locked_out).exists()


def test_a_newer_recovery_replaces_the_older_link(staff_client, locked_out, committed):
    older = start(staff_client, locked_out, committed)
    newer = start(staff_client, locked_out, committed)

    assert recover(Client(), older).status_code == 400
    assert recover(Client(), newer).status_code == 302


def test_a_password_reset_in_between_ends_the_link(staff_client, locked_out, committed):
    path = start(staff_client, locked_out, committed)
    locked_out.set_password("changed meanwhile 1234")
    locked_out.save()

    assert error_of(Client().get(path)) == INVALID


def test_a_tampered_link(staff_client, locked_out, committed):
    path = start(staff_client, locked_out, committed)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")

    response = Client().get(forged)

    assert response.status_code == 400
    assert error_of(response) == INVALID


def test_someone_logged_in_as_another_account_is_refused(staff_client, locked_out, committed):
    path = start(staff_client, locked_out, committed)
    bob = Client()
    log_in(bob, UserFactory(username="bob").username, key=None)

    page = bob.get(path)
    posted = recover(bob, path)

    for response in (page, posted):
        assert response.status_code == 403
        assert error_of(response) == (
            "You are logged in as another account. Log out, then open the link from the email "
            "again."
        )
    assert AuthenticatorApp.objects.filter(user=locked_out).exists()
    assert recover(Client(), path).status_code == 302  # the link still works for ann


def test_the_password_rules_apply(staff_client, locked_out, committed, hibp):
    path = start(staff_client, locked_out, committed)
    hibp.add(NEW_PASSWORD)

    breached = recover(Client(), path)
    short = recover(Client(), path, password="abc")
    mismatch = Client().post(
        "/account/recovery/",
        {"token": token_of(path), "password1": NEW_PASSWORD + "x", "password2": "other"},
    )

    assert breached.status_code == 400
    assert breached.context["form"].errors["password1"] == [breached_message()]
    assert short.status_code == 400
    assert "too short" in str(short.context["form"].errors["password1"])
    assert mismatch.status_code == 400
    assert AuthenticatorApp.objects.filter(user=locked_out).exists()
    hibp.breached.clear()
    assert recover(Client(), path).status_code == 302


def test_a_new_address_becomes_the_verified_primary(staff_client, locked_out, committed):
    path = start(
        staff_client, locked_out, committed, address="other", other_address="ann@new.example"
    )
    assert mail.outbox[-1].to == ["ann@new.example"]

    assert recover(Client(), path).status_code == 302

    addresses = {
        a.email: (a.primary, a.verified) for a in EmailAddress.objects.filter(user=locked_out)
    }
    assert addresses == {"ann@example.com": (False, True), "ann@new.example": (True, True)}
    locked_out.refresh_from_db()
    assert locked_out.email == "ann@new.example"
    assert {EventTag.EMAIL_ADD, EventTag.EMAIL_VERIFIED, EventTag.EMAIL_PRIMARY_CHANGE} <= set(
        tags(locked_out)
    )


def test_an_unverified_address_of_the_account_is_verified(staff_client, committed):
    user = UserFactory(username="newbie")
    EmailAddressFactory(user=user, email="newbie@example.com", verified=False)
    path = start(staff_client, user, committed, address="newbie@example.com")

    assert recover(Client(), path).status_code == 302

    assert EmailAddress.objects.get(user=user).verified


def test_a_page_without_a_token(client):
    response = client.get("/account/recovery/")
    assert response.status_code == 400
    assert error_of(response) == INVALID
