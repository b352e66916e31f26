"""Logins from an address the account has not used before wait for a link mailed to the user."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.test import Client, RequestFactory
from django_otp_webauthn.models import WebAuthnCredential

from accounts import login_confirmation, two_factor
from accounts.events import EventTag
from accounts.models import AuthenticatorApp, LoginStatus, UniqueLogin
from tests.accounts.conftest import KEY, PASSWORD, code, tags
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp
from tests.uploads import basic_auth

CONFIRM = "/account/confirm-login/"
HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


@pytest.fixture(autouse=True)
def _confirmation_on(settings) -> None:
    settings.LOGIN_CONFIRMATION_ENABLED = True
    settings.LOGIN_CONFIRMATION_WINDOW_SECONDS = 900


def start_login(client: Client, *, steps: int = 0, ip: str = HOME):
    client.post("/account/login/", {"login": "ann", "password": PASSWORD}, REMOTE_ADDR=ip)
    return client.post("/account/two-factor/", {"code": code(KEY, steps=steps)}, REMOTE_ADDR=ip)


def mailed_token_message() -> mail.EmailMessage:
    [message] = [m for m in mail.outbox if "confirm-login" in m.body]
    return message


def mailed_token() -> str:
    message = mailed_token_message()
    [token] = re.findall(r"http://testserver/account/confirm-login/\?token=(\S+)", message.body)
    return token


def logged_in(client: Client) -> bool:
    return client.get("/manage/account/token/").status_code == 200


def test_app_login_from_a_new_address_waits_for_the_mailed_link(client, member, committed):
    with committed():
        response = start_login(client)
    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    assert not logged_in(client)
    page = client.get(CONFIRM)
    assert b"We have sent a link" in page.content
    [message] = mail.outbox  # the link only: the login has not happened yet
    assert message.to == ["ann@example.com"]
    assert HOME in message.body
    assert UniqueLogin.objects.get(user=member, ip_address=HOME).status == LoginStatus.PENDING

    token = mailed_token()
    form = client.get(CONFIRM, {"token": token}, REMOTE_ADDR=HOME)
    assert form.status_code == 200
    assert not logged_in(client)  # opening the link (a mail scanner would) confirms nothing
    response = client.post(CONFIRM, {"token": token}, REMOTE_ADDR=HOME)
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/"
    assert logged_in(client)
    assert UniqueLogin.objects.get(user=member, ip_address=HOME).status == LoginStatus.CONFIRMED
    # ann has no recovery codes: the finished login also reminds her to make some.
    assert tags(member) == [
        EventTag.EMAIL_SENT,
        EventTag.LOGIN_DEVICE_CONFIRMED,
        EventTag.EMAIL_SENT,
        EventTag.LOGIN_SUCCESS,
    ]


def test_a_confirmed_address_logs_in_without_waiting(client, member, committed):
    with committed():
        start_login(client)
    client.post(CONFIRM, {"token": mailed_token()}, REMOTE_ADDR=HOME)
    client.logout()
    mail.outbox.clear()

    response = start_login(client, steps=1)
    assert response["Location"] == "/manage/account/"
    assert logged_in(client)
    assert not [m for m in mail.outbox if "confirm-login" in m.body]


def test_the_link_opened_in_another_browser_confirms_the_address_only(client, member, committed):
    with committed():
        start_login(client)
    other = Client()
    response = other.post(CONFIRM, {"token": mailed_token()}, REMOTE_ADDR=HOME)
    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    assert "log in again" in other.get("/account/login/").content.decode()
    assert not logged_in(other)
    assert not logged_in(client)  # the waiting login does not go on by itself
    assert UniqueLogin.objects.get(user=member, ip_address=HOME).status == LoginStatus.CONFIRMED


def test_the_link_must_be_opened_from_the_address_that_logged_in(client, member, committed):
    with committed():
        start_login(client)
    response = client.post(CONFIRM, {"token": mailed_token()}, REMOTE_ADDR=ELSEWHERE)
    assert response.status_code == 400
    assert "the network, you were logging in from" in response.content.decode()
    assert not logged_in(client)
    assert not UniqueLogin.objects.filter(status=LoginStatus.CONFIRMED).exists()


def test_a_forged_or_expired_link_is_refused(client, member, committed, settings):
    with committed():
        start_login(client)
    token = mailed_token()
    response = client.post(CONFIRM, {"token": token[:-2] + "xx"}, REMOTE_ADDR=HOME)
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()

    settings.LOGIN_CONFIRMATION_WINDOW_SECONDS = -1
    response = client.post(CONFIRM, {"token": token}, REMOTE_ADDR=HOME)
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert not logged_in(client)


def test_a_link_for_another_address_row_is_refused(client, member):
    forged = signing.dumps(
        {"user": member.pk, "login": 999, "ip": HOME}, salt=login_confirmation.SALT
    )
    response = client.post(CONFIRM, {"token": forged}, REMOTE_ADDR=HOME)
    assert response.status_code == 400
    assert not UniqueLogin.objects.exists()


def test_no_second_mail_while_the_first_link_is_valid(client, member, committed):
    with committed():
        start_login(client)
    client.logout()
    with committed():
        response = start_login(client, steps=1)
    assert response["Location"] == CONFIRM
    assert len([m for m in mail.outbox if "confirm-login" in m.body]) == 1
    # The one link still finishes the newest waiting login.
    client.post(CONFIRM, {"token": mailed_token()}, REMOTE_ADDR=HOME)
    assert logged_in(client)


def test_a_new_mail_once_the_window_has_passed(client, member, committed):
    with committed():
        start_login(client)
    UniqueLogin.objects.update(expires="2000-01-01T00:00:00Z")
    client.logout()
    with committed():
        start_login(client, steps=1)
    assert len([m for m in mail.outbox if "confirm-login" in m.body]) == 2


def test_a_recovery_code_login_waits_too(client, member, committed):
    codes = two_factor.generate_recovery_codes(member, request=None)
    mail.outbox.clear()
    client.post("/account/login/", {"login": "ann", "password": PASSWORD}, REMOTE_ADDR=HOME)
    with committed():
        response = client.post(
            "/account/two-factor/recovery-code/", {"code": codes[0]}, REMOTE_ADDR=HOME
        )
    assert response["Location"] == CONFIRM
    assert not logged_in(client)
    client.post(CONFIRM, {"token": mailed_token()}, REMOTE_ADDR=HOME)
    assert logged_in(client)


def test_each_address_is_confirmed_on_its_own(client, member, committed):
    with committed():
        start_login(client)
    client.post(CONFIRM, {"token": mailed_token()}, REMOTE_ADDR=HOME)
    client.logout()
    mail.outbox.clear()
    with committed():
        response = start_login(client, steps=1, ip=ELSEWHERE)
    assert response["Location"] == CONFIRM
    assert ELSEWHERE in mailed_token_message().body


def test_the_setting_turns_the_wait_off(client, member, settings):
    settings.LOGIN_CONFIRMATION_ENABLED = False
    response = start_login(client)
    assert response["Location"] == "/manage/account/"
    assert logged_in(client)


def test_an_account_with_no_address_to_mail_is_not_locked_out(client, db):
    user = UserFactory(username="ann", email="")
    add_totp(user, key=KEY)
    response = start_login(client)
    assert response["Location"] == "/manage/account/"
    assert not UniqueLogin.objects.filter(status=LoginStatus.PENDING).exists()


def test_an_unverified_address_still_gets_the_link(client, db, committed):
    user = UserFactory(username="ann", email="ann@example.com")
    EmailAddressFactory(user=user, verified=False)
    add_totp(user, key=KEY)
    with committed():
        response = start_login(client)
    assert response["Location"] == CONFIRM
    assert mailed_token_message().to == ["ann@example.com"]


def test_the_token_api_waits_for_the_link_too(client, member, committed):
    def call(steps: int):
        return client.get(
            "/api/account/tokens/",
            HTTP_AUTHORIZATION=basic_auth("ann", PASSWORD),
            HTTP_X_OTP_CODE=code(KEY, steps=steps),
            REMOTE_ADDR=HOME,
        )

    with committed():
        refused = call(0)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("This account has not been used from this address")
    assert mailed_token_message().to == ["ann@example.com"]

    browser = Client()
    confirmed = browser.post(CONFIRM, {"token": mailed_token()}, REMOTE_ADDR=HOME)
    assert confirmed["Location"] == "/account/login/"
    assert call(1).status_code == 200


def test_a_security_key_never_waits_and_its_login_confirms_the_address(member):
    request = RequestFactory().get("/", REMOTE_ADDR=HOME)
    app = AuthenticatorApp.objects.get(user=member)
    key = WebAuthnCredential(user=member, name="key")
    assert login_confirmation.needed(member, request, app)
    assert not login_confirmation.needed(member, request, key)
    # What a finished login does (stages.complete): the address needs no link from then on.
    login_confirmation.remember(member, request)
    assert not login_confirmation.needed(member, request, app)
    elsewhere = RequestFactory().get("/", REMOTE_ADDR=ELSEWHERE)
    assert login_confirmation.needed(member, elsewhere, app)
