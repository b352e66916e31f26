"""The token API: a 2FA-verified session that confirmed its password recently, or HTTP Basic
with the password and the app's current code in ``X-OTP-Code``."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from accounts import sudo
from accounts.events import EventTag
from accounts.models import ApiToken, User, UserEvent
from packages.models import Project
from tests import uploads
from tests.accounts.conftest import KEY, PASSWORD, code, log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp
from tests.packages.factories import ProjectFactory, RoleFactory
from tests.uploads import basic_auth

pytestmark = pytest.mark.django_db

TOKENS = "/api/account/tokens/"
INVALID = {
    "detail": "Invalid credentials: send the username or e-mail address and the password of the "
    "account, and a current code of its authentication application in the X-OTP-Code header."
}
LOCKED = {"detail": "There have been too many unsuccessful attempts. Try again later."}
WRONG = "not the password"
NOT_READY = {
    "detail": "Two-factor authentication and a verified primary e-mail address are required."
}


def basic(
    login: str = "ann", password: str = PASSWORD, otp: str | None = None, *, steps: int = 0
) -> dict:
    """Basic credentials and, unless ``otp`` is given, the app's code ``steps`` from now."""
    return {
        "HTTP_AUTHORIZATION": basic_auth(login, password),
        "HTTP_X_OTP_CODE": code(steps=steps) if otp is None else otp,
    }


def stale(client: Client) -> None:
    session = client.session
    session[sudo.SESSION_KEY] = int(time.time()) - 7200
    session.save()


# A browser session ----------------------------------------------------------------------------


def test_session_lists_creates_and_deletes(member_client, member):
    assert member_client.get(TOKENS).json() == []

    response = member_client.post(TOKENS, {"description": "ci"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    row = ApiToken.objects.get()
    assert body["token"].startswith("pypi-")
    assert body["id"] == str(row.id)
    assert body["scope"] == "user"
    assert body["expires"] is None

    [listed] = member_client.get(TOKENS).json()
    assert "token" not in listed
    assert listed == {
        "id": str(row.id),
        "description": "ci",
        "created": listed["created"],
        "last_used": None,
        "expires": None,
        "scope": "user",
        "can_manage": False,
    }

    assert member_client.delete(f"{TOKENS}{row.id}/").status_code == 204
    assert not ApiToken.objects.exists()
    assert [e.tag for e in UserEvent.objects.filter(user=member).order_by("id")][-2:] == [
        EventTag.API_TOKEN_ADDED,
        EventTag.API_TOKEN_REMOVED,
    ]


def test_session_writes_need_a_recent_password_but_reads_do_not(member_client, member):
    member_client.post(TOKENS, {"description": "kept"}, content_type="application/json")
    row = ApiToken.objects.get()
    stale(member_client)

    assert member_client.get(TOKENS).status_code == 200
    created = member_client.post(TOKENS, {"description": "ci"}, content_type="application/json")
    assert created.status_code == 403
    assert member_client.delete(f"{TOKENS}{row.id}/").status_code == 403
    assert list(ApiToken.objects.values_list("description", flat=True)) == ["kept"]


def test_a_session_without_2fa_verification_is_refused(client, member):
    client.force_login(member)
    assert client.get(TOKENS).status_code == 403
    assert client.post(TOKENS, {"description": "ci"}).status_code == 403


def test_session_writes_need_the_csrf_token(member_client):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = member_client.cookies
    assert strict.get(TOKENS).status_code == 200
    response = strict.post(TOKENS, {"description": "ci"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF token missing."}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("missing", ["2fa", "verified-email"])
def test_accounts_not_ready_to_publish_are_refused(client, missing):
    user = UserFactory(username="carl")
    EmailAddressFactory(user=user, verified=missing != "verified-email")
    if missing != "2fa":
        add_totp(user, key=KEY)
    log_in(client, "carl", key=None if missing == "2fa" else KEY)
    response = client.get(TOKENS)
    assert response.status_code == 403
    assert response.json() == NOT_READY


def test_anonymous_requests_are_refused(client):
    response = client.get(TOKENS)
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}


# Password and code -----------------------------------------------------------------------------


def test_password_and_code_work_without_a_session(client, member):
    response = client.post(
        TOKENS, {"description": "script"}, content_type="application/json", **basic()
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert "sessionid" not in response.cookies
    row = ApiToken.objects.get()
    assert row.description == "script"

    # No password confirmation window applies: each call proves both factors.
    assert client.delete(f"{TOKENS}{row.id}/", **basic(steps=1)).status_code == 204
    assert uploads.wheel_upload("sample").post(client, token).status_code == 403


def test_password_and_code_can_list(client, member, make_token):
    make_token(member, description="listed")
    [listed] = client.get(TOKENS, **basic()).json()
    assert listed["description"] == "listed"


def test_login_by_email_address_works_too(client, member):
    assert client.get(TOKENS, **basic(login="ann@example.com")).status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"otp": ""},
        {"otp": "12345x"},
        {"steps": -5},
        {"password": WRONG},
        {"password": WRONG, "otp": ""},
        {"login": "nobody"},
    ],
    ids=["no-code", "bad-code", "old-code", "wrong-password", "wrong-password-no-code", "unknown"],
)
def test_every_failure_gets_the_same_answer(client, member, credentials):
    """Whichever factor is wrong: a right password without its code is no password oracle."""
    headers = basic(**credentials)
    response = client.post(TOKENS, {"description": "x"}, content_type="application/json", **headers)
    assert (response.status_code, response.json()) == (403, INVALID)
    assert not ApiToken.objects.exists()


def test_a_code_cannot_be_replayed(client, member):
    headers = basic()
    assert client.get(TOKENS, **headers).status_code == 200
    response = client.get(TOKENS, **headers)
    assert (response.status_code, response.json()) == (403, INVALID)


def test_a_frozen_account_is_refused(client, member):
    User.objects.filter(pk=member.pk).update(is_frozen=True)
    response = client.get(TOKENS, **basic())
    assert (response.status_code, response.json()) == (403, INVALID)


def test_an_account_without_an_app_cannot_use_a_code(client):
    UserFactory(username="carl")
    response = client.get(TOKENS, **basic(login="carl", otp="123456"))
    assert (response.status_code, response.json()) == (403, INVALID)


def failure_events(user: User) -> list[dict]:
    rows = UserEvent.objects.filter(user=user, tag=EventTag.LOGIN_FAILURE).order_by("id")
    return [event.additional for event in rows]


def test_failures_are_in_the_security_history(client, member):
    client.get(TOKENS, **basic(password=WRONG))
    client.get(TOKENS, **basic(login="ann@example.com", otp=""))
    client.get(TOKENS, **basic(otp="000000" if code() != "000000" else "111111"))
    assert failure_events(member) == [
        {"reason": "password", "api": True},
        {"reason": "totp", "api": True},
        {"reason": "totp", "api": True},
    ]
    event = UserEvent.objects.filter(user=member, tag=EventTag.LOGIN_FAILURE).first()
    assert event is not None and event.ip_address == "127.0.0.1"


def fail(client: Client, times: int, *, login: str = "ann", address: str = "127.0.0.1") -> None:
    for _ in range(times):
        response = client.get(TOKENS, REMOTE_ADDR=address, **basic(login=login, password=WRONG))
        assert response.status_code == 403


def test_failed_attempts_lock_the_account_from_every_address(client, member):
    fail(client, 10)
    for address in ("127.0.0.1", "192.0.2.99"):
        right = client.get(TOKENS, REMOTE_ADDR=address, **basic())
        wrong = client.get(TOKENS, REMOTE_ADDR=address, **basic(password=WRONG))
        # The same answer whatever the password: a lockout is no oracle either.
        assert (right.status_code, right.json()) == (429, LOCKED)
        assert (wrong.status_code, wrong.json()) == (429, LOCKED)


def test_failed_attempts_are_limited_per_address(client, member):
    for i in range(10):
        fail(client, 1, login=f"nobody{i}")
    assert client.get(TOKENS, **basic()).status_code == 429
    assert client.get(TOKENS, REMOTE_ADDR="192.0.2.99", **basic()).status_code == 200


def test_successful_calls_do_not_count(client, member):
    fail(client, 9)
    assert client.get(TOKENS, **basic()).status_code == 200
    fail(client, 1)
    assert client.get(TOKENS, **basic(steps=1)).status_code == 429


def web_login_fails(client: Client, times: int) -> None:
    for _ in range(times):
        response = client.post("/account/login/", {"login": "ann", "password": WRONG})
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()


def test_the_api_and_the_login_form_share_one_limit(client, member):
    web_login_fails(client, 5)
    fail(client, 5, address="192.0.2.7")
    assert client.get(TOKENS, **basic()).status_code == 429
    response = client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()


def test_the_api_refuses_while_the_web_login_is_locked(client, member):
    web_login_fails(client, 10)
    response = client.get(TOKENS, REMOTE_ADDR="192.0.2.7", **basic())
    assert (response.status_code, response.json()) == (429, LOCKED)


def test_the_api_refuses_while_the_second_step_is_locked(client, member, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    for _ in range(5):
        client.post("/account/two-factor/", {"code": "000000" if code() != "000000" else "111111"})
    response = client.get(TOKENS, REMOTE_ADDR="192.0.2.7", **basic())
    assert (response.status_code, response.json()) == (429, LOCKED)


# Validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"description": ""}, {"description": ["This field may not be blank."]}),
        ({"description": "taken"}, {"description": ["API token name already in use"]}),
        (
            {"description": "x", "project": "not-mine"},
            {"project": ["You have no role on this project."]},
        ),
        (
            {"description": "x", "expires_in_days": 0},
            {"expires_in_days": ["Ensure this value is greater than or equal to 1."]},
        ),
    ],
    ids=["blank", "taken", "foreign-project", "zero-days"],
)
def test_invalid_requests_create_nothing(member_client, member, data, errors):
    ProjectFactory(name="not-mine")
    member_client.post(TOKENS, {"description": "taken"}, content_type="application/json")
    response = member_client.post(TOKENS, data, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == errors
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("given", ["Sample.Pkg", "sample-pkg"], ids=["name", "normalized"])
def test_a_project_token_with_an_expiry(client, member_client, member, given):
    RoleFactory(user=member, project=ProjectFactory(name="Sample.Pkg"))
    response = member_client.post(
        TOKENS,
        {"description": "release", "project": given, "expires_in_days": 30},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["scope"] == {"projects": ["sample-pkg"]}
    assert body["expires"] is not None
    refused = uploads.wheel_upload("other").post(client, body["token"])
    assert refused.status_code == 403
    assert not Project.objects.filter(name="other").exists()


def test_tokens_of_other_accounts_are_not_found(member_client):
    theirs = ApiToken.objects.create(
        user=UserFactory(username="bob"), description="theirs", key_salt=b"0" * 32
    )
    assert member_client.delete(f"{TOKENS}{theirs.id}/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert member_client.get(TOKENS).json() == []
