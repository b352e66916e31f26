"""Registration, e-mail verification, logging in (both steps), password reset and the limits
on guessing, through HTTP."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import two_factor
from accounts.breach import breached_message
from accounts.events import EventTag
from accounts.models import AuthenticatorApp, RecoveryCodes, User, UserEvent
from moderation.models import AdminFlag
from tests.accounts.conftest import KEY, PASSWORD, code, log_in, tags
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp

pytestmark = pytest.mark.django_db

OTHER_KEY = bytes(range(1, 21))

NEW_PASSWORD = "a long and unusual passphrase 42"
BAD_LOGIN = "The username and/or password you specified are not correct."
BAD_EMAIL_LOGIN = "The email address and/or password you specified are not correct."
TOO_MANY_LOGINS = "Too many failed login attempts. Try again later."
TOO_MANY_2FA = "There have been too many unsuccessful attempts. Try again later."
INVALID_TOTP = "Invalid TOTP code."
OUT_OF_SYNC = (
    "Invalid code: your device's clock seems to be out of sync. Check that its time is "
    "set automatically, then try again (see the Help page, TOTP trouble)."
)
FROZEN = "Your account has been suspended. Contact the administrators of this index."
USERNAME_INVALID = (
    "The username is invalid. Usernames must be composed of letters, numbers, dots, "
    "hyphens and underscores. And must also start and finish with a letter or number. "
    "Choose a different username."
)


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Bea Example",
        "username": "bea",
        "email": "bea@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "confirm_form": "",
    }
    return {**data, **overrides}


def form_errors(response) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def link_in(body: str, path: str) -> str:
    [url] = re.findall(rf"http://testserver({re.escape(path)}\S+/)", body)
    return url


# Registration ---------------------------------------------------------------------------------


def test_register_creates_an_unverified_account_logs_in_and_mails_a_link(client, committed):
    with committed():
        response = client.post("/account/register/", signup_data(), REMOTE_ADDR="192.0.2.5")

    assert response.status_code == 302
    assert response["Location"] == "/manage/account/"
    user = User.objects.get(username="bea")
    assert user.name == "Bea Example"
    assert user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("bea@example.com", True, False)
    assert tags(user) == [EventTag.ACCOUNT_CREATE, EventTag.EMAIL_SENT, EventTag.LOGIN_SUCCESS]
    assert user.events.get(tag=EventTag.EMAIL_SENT).additional == {
        "notice": "email_confirmation_signup",
        "to": ["bea@example.com"],
    }
    assert UserEvent.objects.get(user=user, tag=EventTag.ACCOUNT_CREATE).ip_address == "192.0.2.5"

    [message] = mail.outbox
    assert message.to == ["bea@example.com"]
    assert message.subject == "[Python Package Index] Please Confirm Your Email Address"
    path = link_in(message.body, "/account/confirm-email/")
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="http://testserver{path}"' in html


def test_register_page_offers_the_fields_and_a_hidden_honeypot(client):
    response = client.get("/account/register/")
    assert response.status_code == 200
    assert list(response.context["form"].fields) == [
        "name",
        "email",
        "username",
        "password1",
        "password2",
        "confirm_form",
    ]
    assert '<div class="honeypot" aria-hidden="true">' in response.content.decode()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("-bea", USERNAME_INVALID),
        ("bea-", USERNAME_INVALID),
        ("be a", USERNAME_INVALID),
        ("béa", USERNAME_INVALID),
        ("b" * 51, "Ensure this value has at most 50 characters (it has 51)."),
        (
            "bea@example.com",
            "The username may not contain '@': sign up with your e-mail address in the "
            "e-mail field.",
        ),
        (
            "ANN",
            "This username is already being used by another account. Choose a different username.",
        ),
    ],
    ids=["leading-dash", "trailing-dash", "space", "non-ascii", "too-long", "at-sign", "taken"],
)
def test_register_refuses_bad_usernames(client, member, username, message):
    response = client.post("/account/register/", signup_data(username=username))
    assert response.status_code == 200
    assert form_errors(response) == {"username": [message]}
    assert not User.objects.exclude(pk=member.pk).exclude(username="deleted-user").exists()


@pytest.mark.parametrize(
    ("field", "value", "errors"),
    [
        (
            "email",
            "ANN@example.com",
            {
                "email": [
                    "This email address is already being used by another account. "
                    "Use a different email."
                ]
            },
        ),
        ("email", "not-an-address", {"email": ["Enter a valid email address."]}),
        ("name", "Visit https://spam.example", {"name": ["URLs are not allowed in this field."]}),
        (
            "name",
            "x" * 101,
            {"name": ["Ensure this value has at most 100 characters (it has 101)."]},
        ),
        (
            "password2",
            "something else",
            {"password2": ["You must type the same password each time."]},
        ),
        (
            "password1",
            "password",
            {
                "password1": [
                    "This password is too common.",
                ]
            },
        ),
    ],
    ids=["email-taken", "email-invalid", "name-url", "name-too-long", "mismatch", "common"],
)
def test_register_refuses_bad_fields(client, member, field, value, errors):
    data = signup_data(**{field: value})
    if field == "password1":
        data["password2"] = value
    response = client.post("/account/register/", data)
    assert response.status_code == 200
    assert form_errors(response) == errors
    assert not User.objects.filter(username="bea").exists()


def test_register_refuses_a_breached_password(client, hibp):
    hibp.add(NEW_PASSWORD)
    response = client.post("/account/register/", signup_data())
    assert form_errors(response) == {"password1": [breached_message()]}
    assert not User.objects.filter(username="bea").exists()


def test_filled_honeypot_creates_nothing_and_says_nothing(client, committed):
    with committed():
        response = client.post("/account/register/", signup_data(confirm_form="I am a bot"))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.exclude(username="deleted-user").exists()
    assert "_auth_user_id" not in client.session
    assert mail.outbox == []


def test_registration_closed_by_the_admin_switch(client, committed):
    AdminFlag.objects.filter(id="disallow-new-user-registration").update(enabled=True)

    page = client.get("/account/register/")
    with committed():
        posted = client.post("/account/register/", signup_data())

    for response in (page, posted):
        assert response.status_code == 200
        assert "New user registration temporarily disabled" in response.content.decode()
    assert not User.objects.exclude(username="deleted-user").exists()
    assert mail.outbox == []


def test_registration_reopens_when_the_switch_is_off(client):
    AdminFlag.objects.filter(id="disallow-new-user-registration").update(enabled=False)
    assert client.post("/account/register/", signup_data()).status_code == 302
    assert User.objects.filter(username="bea").exists()


# E-mail verification ----------------------------------------------------------------------------


def test_verification_link_verifies_the_address(client, committed):
    with committed():
        client.post("/account/register/", signup_data())
    path = link_in(mail.outbox[0].body, "/account/confirm-email/")
    user = User.objects.get(username="bea")

    page = client.get(path)
    assert page.status_code == 200
    assert "bea@example.com" in page.content.decode()
    assert not EmailAddress.objects.get(user=user).verified  # a GET changes nothing

    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    event = UserEvent.objects.get(user=user, tag=EventTag.EMAIL_VERIFIED)
    assert event.additional == {"email": "bea@example.com"}


def test_forged_verification_link_is_refused(client, committed):
    with committed():
        client.post("/account/register/", signup_data())
    path = link_in(mail.outbox[0].body, "/account/confirm-email/")
    forged = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    response = client.get(forged)
    assert "This verification link has expired or is invalid." in response.content.decode()
    client.post(forged)
    assert not EmailAddress.objects.get(email="bea@example.com").verified


def test_unverified_account_can_log_in(client):
    user = UserFactory(username="carl")
    EmailAddressFactory(user=user, verified=False)
    log_in(client, "carl", key=None)
    assert client.get("/manage/account/").status_code == 200


# Logging in ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login", ["carl", "CARL", "carl@example.com"], ids=["username", "case", "email"]
)
def test_login_without_second_factor(client, login):
    user = UserFactory(username="carl")
    EmailAddressFactory(user=user)
    response = client.post(
        "/account/login/",
        {"login": login, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.3",
        HTTP_USER_AGENT="Test Browser/1.0",
    )
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/"
    assert client.session["_auth_user_id"] == str(user.pk)
    event = UserEvent.objects.get(user=user, tag=EventTag.LOGIN_SUCCESS)
    assert (event.ip_address, event.user_agent) == ("198.51.100.3", "Test Browser/1.0")


def test_login_with_a_second_factor_waits_for_the_code(client, member):
    response = client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert response["Location"] == "/account/two-factor/"
    assert "_auth_user_id" not in client.session
    assert client.get("/manage/account/").status_code == 302  # not logged in yet
    assert not UserEvent.objects.filter(user=member, tag=EventTag.LOGIN_SUCCESS).exists()

    page = client.get("/account/two-factor/")
    assert page.status_code == 200
    assert page.context["has_app"] is True

    response = client.post("/account/two-factor/", {"code": code()})
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/"
    assert client.session["_auth_user_id"] == str(member.pk)
    # ann has no recovery codes: the login reminds her to make some.
    assert tags(member) == [EventTag.EMAIL_SENT, EventTag.LOGIN_SUCCESS]
    assert member.events.get(tag=EventTag.EMAIL_SENT).additional["notice"] == (
        "recovery-code-reminder"
    )
    # The session passed 2FA: management pages open.
    assert client.get("/manage/account/token/").status_code == 200


def test_app_login_reminds_an_account_without_recovery_codes(client, member, committed):
    with committed():
        log_in(client, "ann")
    [reminder] = mail.outbox
    assert reminder.subject == "Generate recovery codes for your Python Package Index account"
    assert "/manage/account/recovery-codes/" in reminder.body

    client.logout()
    mail.outbox.clear()
    codes = two_factor.generate_recovery_codes(member, request=None)
    mail.outbox.clear()
    with committed():
        log_in(client, "ann", steps=1)
    assert mail.outbox == []  # codes left: no reminder

    client.logout()
    RecoveryCodes.objects.get(user=member).codes.update(burned=timezone.now())
    assert codes  # all used up now
    # A minute later (the codes of this minute are spent: replay protection).
    AuthenticatorApp.objects.filter(user=member).update(last_t=-1, drift=0)
    with committed():
        log_in(client, "ann")
    assert [m.subject for m in mail.outbox] == [reminder.subject]


def test_login_keeps_the_next_page(client, member):
    response = client.post(
        "/account/login/?next=/manage/account/token/", {"login": "ann", "password": PASSWORD}
    )
    assert response["Location"] == "/account/two-factor/"
    response = client.post("/account/two-factor/", {"code": code()})
    assert response["Location"] == "/manage/account/token/"


def test_wrong_password_is_refused_and_recorded(client, member):
    response = client.post(
        "/account/login/", {"login": "ann", "password": "wrong"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 200
    assert form_errors(response) == {"__all__": [BAD_LOGIN]}
    assert "_auth_user_id" not in client.session
    event = UserEvent.objects.get(user=member, tag=EventTag.LOGIN_FAILURE)
    assert event.additional == {"reason": "password"}
    assert event.ip_address == "203.0.113.9"


def test_unknown_account_gets_the_same_answer(client, member):
    known = client.post("/account/login/", {"login": "ann", "password": "wrong"})
    unknown = client.post("/account/login/", {"login": "nobody", "password": "wrong"})
    assert form_errors(known) == form_errors(unknown) == {"__all__": [BAD_LOGIN]}
    by_email = client.post("/account/login/", {"login": "no@example.com", "password": "wrong"})
    assert form_errors(by_email) == {"__all__": [BAD_EMAIL_LOGIN]}


def test_wrong_code_is_refused_and_recorded(client, member):
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    wrong = "000000" if code() != "000000" else "111111"
    response = client.post("/account/two-factor/", {"code": wrong}, REMOTE_ADDR="203.0.113.4")
    assert response.status_code == 400
    assert form_errors(response) == {"code": [INVALID_TOTP]}
    assert "_auth_user_id" not in client.session
    event = UserEvent.objects.get(user=member, tag=EventTag.LOGIN_FAILURE)
    assert (event.additional, event.ip_address) == ({"reason": "totp"}, "203.0.113.4")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345", "Ensure this value has at least 6 characters (it has 5)."),
        ("abcdef", "The code is 6 digits."),
    ],
    ids=["short", "letters"],
)
def test_malformed_code_is_refused(client, member, value, message):
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    response = client.post("/account/two-factor/", {"code": value})
    assert response.status_code == 400
    assert form_errors(response) == {"code": [message]}


def test_a_code_cannot_be_replayed(client, member):
    current = code()
    log_in(client, "ann")
    client.post("/account/logout/")
    assert "_auth_user_id" not in client.session

    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    response = client.post("/account/two-factor/", {"code": current})
    assert form_errors(response) == {"code": [INVALID_TOTP]}
    assert "_auth_user_id" not in client.session


def test_a_code_from_a_drifted_clock_gets_its_own_message(client, member):
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    response = client.post("/account/two-factor/", {"code": code(steps=6)})
    assert form_errors(response) == {"code": [OUT_OF_SYNC]}
    assert "_auth_user_id" not in client.session


def test_adjacent_time_step_is_accepted(client, member):
    log_in(client, "ann", steps=1)


def test_second_step_without_a_pending_login_goes_to_the_login(client, member):
    for path in ("/account/two-factor/", "/account/two-factor/recovery-code/"):
        response = client.post(path, {"code": code()})
        assert response.status_code == 302
        assert response["Location"] == "/account/login/"
    assert "_auth_user_id" not in client.session


def test_second_step_expires(client, member, settings):
    settings.ACCOUNT_LOGIN_TIMEOUT = 0
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    response = client.post("/account/two-factor/", {"code": code()})
    assert response["Location"] == "/account/login/"
    assert "_auth_user_id" not in client.session


def test_login_with_a_recovery_code(client, member, committed):
    codes = _recovery_codes(client, member)
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert client.get("/account/two-factor/recovery-code/").status_code == 200

    with committed():
        response = client.post("/account/two-factor/recovery-code/", {"code": codes[3]})
    assert response["Location"] == "/manage/account/"
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.get("/manage/account/token/").status_code == 200  # a verified session
    assert UserEvent.objects.get(user=member, tag=EventTag.RECOVERY_CODES_USED).additional == {
        "remaining": 7
    }
    [message] = mail.outbox
    assert (
        message.subject == "A recovery code was used to log in to your Python Package Index account"
    )
    assert "7 unused codes are left." in message.body
    assert "Only a few codes are left" not in message.body


def test_a_recovery_code_works_once(client, member):
    codes = _recovery_codes(client, member)
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    client.post("/account/two-factor/recovery-code/", {"code": codes[0]})
    client.post("/account/logout/")

    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    response = client.post("/account/two-factor/recovery-code/", {"code": codes[0]})
    assert response.status_code == 400
    assert form_errors(response) == {"code": ["Invalid recovery code."]}
    assert "_auth_user_id" not in client.session
    event = UserEvent.objects.filter(user=member, tag=EventTag.LOGIN_FAILURE).get()
    assert event.additional == {"reason": "recovery_code"}


def test_recovery_code_of_another_account_is_refused(client, member):
    other = UserFactory(username="dan")
    add_totp(other, key=OTHER_KEY)
    other_codes = _recovery_codes(Client(), other, key=OTHER_KEY)
    _recovery_codes(client, member)
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    response = client.post("/account/two-factor/recovery-code/", {"code": other_codes[0]})
    assert form_errors(response) == {"code": ["Invalid recovery code."]}


def test_mail_when_few_recovery_codes_are_left(client, member, committed, settings):
    codes = _recovery_codes(client, member)
    for used in codes[:5]:
        client.post("/account/logout/")
        client.post("/account/login/", {"login": "ann", "password": PASSWORD})
        client.post("/account/two-factor/recovery-code/", {"code": used})
    client.post("/account/logout/")
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    with committed():
        client.post("/account/two-factor/recovery-code/", {"code": codes[5]})
    [message] = mail.outbox
    assert "2 unused codes are left." in message.body
    assert (
        "Only a few codes are left: generate new ones in your account settings, "
        "http://testserver/manage/account/recovery-codes/"
    ) in message.body


def _recovery_codes(client: Client, user: User, key: bytes = KEY) -> list[str]:
    """Log in, generate the account's recovery codes, log out."""
    log_in(client, user.username, key=key)
    response = client.post("/manage/account/recovery-codes/")
    codes = response.context["codes"]
    assert len(codes) == 8
    client.post("/account/logout/")
    return codes


# Throttling ----------------------------------------------------------------------------------


def test_second_step_is_throttled_per_user(client, member, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # only the site's own limiter is under test
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    wrong = "000000" if code() != "000000" else "111111"
    for _ in range(5):
        assert form_errors(client.post("/account/two-factor/", {"code": wrong})) == {
            "code": [INVALID_TOTP]
        }
    response = client.post("/account/two-factor/", {"code": code()})
    assert response.status_code == 400
    assert form_errors(response) == {"__all__": [TOO_MANY_2FA]}
    assert "_auth_user_id" not in client.session
    # From another address too: the limit is the account's.
    response = client.post("/account/two-factor/", {"code": code()}, REMOTE_ADDR="192.0.2.200")
    assert form_errors(response) == {"__all__": [TOO_MANY_2FA]}


def test_second_step_is_throttled_per_address(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    users = [UserFactory(username=f"u{i}") for i in range(3)]
    for user in users:
        add_totp(user, key=KEY)
    wrong = "000000" if code() != "000000" else "111111"
    attempts = [(users[0], 4), (users[1], 4), (users[2], 2)]  # under each user's limit
    for user, count in attempts:
        client.post("/account/login/", {"login": user.username, "password": PASSWORD})
        for _ in range(count):
            client.post("/account/two-factor/", {"code": wrong})
        client.post("/account/logout/")
    fresh = UserFactory(username="fresh")
    add_totp(fresh, key=KEY)
    client.post("/account/login/", {"login": "fresh", "password": PASSWORD})
    response = client.post("/account/two-factor/", {"code": code()})
    assert form_errors(response) == {"__all__": [TOO_MANY_2FA]}
    response = client.post("/account/two-factor/", {"code": code()}, REMOTE_ADDR="192.0.2.200")
    assert response.status_code == 302  # another address is not affected


def test_recovery_codes_are_throttled_too(client, member, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    codes = _recovery_codes(client, member)
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    for _ in range(5):
        client.post("/account/two-factor/recovery-code/", {"code": "0" * 16})
    response = client.post("/account/two-factor/recovery-code/", {"code": codes[0]})
    assert form_errors(response) == {"__all__": [TOO_MANY_2FA]}
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_limited_per_account(client, member):
    for i in range(10):
        response = client.post(
            "/account/login/", {"login": "ann", "password": "wrong"}, REMOTE_ADDR=f"192.0.2.{i}"
        )
        assert form_errors(response) == {"__all__": [BAD_LOGIN]}
    response = client.post(
        "/account/login/", {"login": "ann", "password": PASSWORD}, REMOTE_ADDR="192.0.2.99"
    )
    assert form_errors(response) == {"__all__": [TOO_MANY_LOGINS]}
    assert "_auth_user_id" not in client.session


def test_failed_logins_per_account_count_username_and_email_together(client, member):
    for i in range(10):
        login = "ann" if i % 2 else "ann@example.com"
        client.post(
            "/account/login/", {"login": login, "password": "wrong"}, REMOTE_ADDR=f"192.0.2.{i}"
        )
    for login in ("ann", "ANN", "ann@example.com"):
        response = client.post(
            "/account/login/", {"login": login, "password": PASSWORD}, REMOTE_ADDR="192.0.2.99"
        )
        assert form_errors(response) == {"__all__": [TOO_MANY_LOGINS]}


def test_failed_logins_are_limited_per_address(client, member):
    for i in range(10):
        client.post("/account/login/", {"login": f"nobody{i}", "password": "wrong"})
    response = client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert form_errors(response) == {"__all__": [TOO_MANY_LOGINS]}
    response = client.post(
        "/account/login/", {"login": "ann", "password": PASSWORD}, REMOTE_ADDR="192.0.2.99"
    )
    assert response["Location"] == "/account/two-factor/"


def test_successful_logins_do_not_count(client, member):
    user = UserFactory(username="carl")
    for _ in range(12):
        log_in(client, "carl", key=None)
        client.post("/account/logout/")
    assert (
        client.post("/account/login/", {"login": "carl", "password": PASSWORD}).status_code == 302
    )
    assert user.events.filter(tag=EventTag.LOGIN_SUCCESS).count() == 13


# Suspended accounts and breached passwords ----------------------------------------------------


def test_frozen_account_cannot_log_in(client, member):
    User.objects.filter(pk=member.pk).update(is_frozen=True)
    response = client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert form_errors(response) == {"__all__": [FROZEN]}
    assert "_auth_user_id" not in client.session
    # A wrong password does not tell that the account is frozen.
    response = client.post("/account/login/", {"login": "ann", "password": "wrong"})
    assert form_errors(response) == {"__all__": [BAD_LOGIN]}


def test_breached_password_is_disabled_at_login(client, member, hibp, committed):
    hibp.add(PASSWORD)
    with committed():
        response = client.post(
            "/account/login/", {"login": "ann", "password": PASSWORD}, REMOTE_ADDR="192.0.2.8"
        )

    assert form_errors(response) == {"__all__": [breached_message()]}
    assert "_auth_user_id" not in client.session
    member.refresh_from_db()
    assert not member.has_usable_password()
    event = UserEvent.objects.get(user=member, tag=EventTag.PASSWORD_DISABLED)
    assert (event.additional, event.ip_address) == ({"reason": "breached"}, "192.0.2.8")
    [message] = mail.outbox
    assert message.to == ["ann@example.com"]
    assert message.subject == "Your Python Package Index password has been disabled"
    assert "http://testserver/account/reset-password/" in message.body

    # The password stays refused with the same message, until a reset.
    hibp.breached.clear()
    response = client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert form_errors(response) == {"__all__": [breached_message()]}


def test_a_reset_brings_back_an_account_whose_password_was_breached(
    client, member, hibp, committed
):
    hibp.add(PASSWORD)
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    with committed():
        client.post("/account/reset-password/", {"email": "ann@example.com"})
    _set_password_from_link(client, mail.outbox[-1].body, NEW_PASSWORD)
    log_in(client, "ann", password=NEW_PASSWORD)


def test_unbreached_password_logs_in_with_the_check_on(client, member, hibp):
    log_in(client, "ann")
    assert len(hibp.requests) == 1


# Password reset ------------------------------------------------------------------------------


def _set_password_from_link(client, body: str, password: str):
    path = link_in(body, "/account/password/reset/key/")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_path = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    return client.post(set_path, {"password1": password, "password2": password})


@pytest.mark.parametrize(
    "entered", ["ann@example.com", "ann", "ANN"], ids=["email", "username", "case"]
)
def test_password_reset_by_email_or_username(client, member, committed, entered):
    with committed():
        response = client.post("/account/reset-password/", {"email": entered})
    assert response.status_code == 302
    assert response["Location"] == "/account/password/reset/done/"
    [message] = mail.outbox
    assert message.to == ["ann@example.com"]
    assert message.subject == "[Python Package Index] Password Reset Email"

    with committed():
        response = _set_password_from_link(client, message.body, NEW_PASSWORD)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert EventTag.PASSWORD_RESET in tags(member)
    assert mail.outbox[-1].subject == "[Python Package Index] Password Reset"
    # Both mails are in the security history, as every mail the site sends.
    sent = member.events.filter(tag=EventTag.EMAIL_SENT).order_by("id")
    assert [event.additional["notice"] for event in sent] == [
        "password_reset_key",
        "password_reset",
    ]
    assert all(event.additional["to"] == ["ann@example.com"] for event in sent)

    failed = client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert form_errors(failed) == {"__all__": [BAD_LOGIN]}
    log_in(client, "ann", password=NEW_PASSWORD)


@pytest.mark.parametrize(
    "entered", ["nobody@example.com", "nobody"], ids=["unknown-email", "unknown-username"]
)
def test_password_reset_never_reveals_whether_an_account_exists(client, member, committed, entered):
    known = client.post("/account/reset-password/", {"email": "ann@example.com"})
    with committed():
        unknown = client.post("/account/reset-password/", {"email": entered})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    done = client.get(unknown["Location"])
    assert "If an account matches what you entered" in done.content.decode()
    assert all(message.to != ["ann@example.com"] for message in mail.outbox)
    assert all("/account/password/reset/key/" not in message.body for message in mail.outbox)


def test_reset_link_works_once(client, member, committed):
    with committed():
        client.post("/account/reset-password/", {"email": "ann"})
    body = mail.outbox[0].body
    _set_password_from_link(client, body, NEW_PASSWORD)
    response = client.get(link_in(body, "/account/password/reset/key/"), follow=True)
    assert "This password reset link is invalid or has expired" in response.content.decode()


def test_password_reset_is_limited_to_five_a_day(client, member, committed):
    for _ in range(5):
        assert (
            client.post("/account/reset-password/", {"email": "ann@example.com"}).status_code == 302
        )
    with committed():
        response = client.post(
            "/account/reset-password/", {"email": "ann@example.com"}, REMOTE_ADDR="192.0.2.50"
        )
    assert response.status_code == 429
    assert mail.outbox == []


def test_password_reset_limit_counts_username_and_email_together(client, member):
    for i in range(5):
        entered = "ann" if i % 2 else "ann@example.com"
        client.post("/account/reset-password/", {"email": entered}, REMOTE_ADDR=f"192.0.2.{i}")
    for entered in ("ann", "ann@example.com"):
        response = client.post(
            "/account/reset-password/", {"email": entered}, REMOTE_ADDR="192.0.2.9"
        )
        assert response.status_code == 429


def test_reset_page_asks_for_username_or_email(client):
    response = client.get(reverse("account_reset_password"))
    assert response.status_code == 200
    assert response.context["form"].fields["email"].label == "Username or email address"
    assert "Enter the username or an email address of your account." in response.content.decode()


@pytest.mark.parametrize(
    ("entered", "error"),
    [("ann@", "Enter a valid email address."), ("", "This field is required.")],
    ids=["bad-email", "empty"],
)
def test_reset_refuses_malformed_entries(client, committed, entered, error):
    with committed():
        response = client.post("/account/reset-password/", {"email": entered})
    assert form_errors(response) == {"email": [error]}
    assert mail.outbox == []


def test_a_reset_lifts_the_failed_login_lockout(client, member, committed):
    for _ in range(10):
        client.post("/account/login/", {"login": "ann", "password": "wrong"})
    with committed():
        client.post("/account/reset-password/", {"email": "ann"})
    _set_password_from_link(client, mail.outbox[-1].body, NEW_PASSWORD)
    log_in(client, "ann", password=NEW_PASSWORD)


# Logging out ---------------------------------------------------------------------------------


def test_logout_needs_a_post(client, member):
    log_in(client, "ann")
    assert client.get("/account/logout/").status_code == 200
    assert "_auth_user_id" in client.session
    client.post("/account/logout/")
    assert "_auth_user_id" not in client.session
    assert client.get("/manage/account/").status_code == 302


def test_login_page_offers_one_password_reset_link_tied_to_the_password(client):
    body = client.get("/account/login/").content.decode()
    assert body.count('href="/account/reset-password/"') == 1
    assert 'aria-describedby="id_password_helptext"' in body
