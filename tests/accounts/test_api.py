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
CODE_REQUIRED = {"detail": "A valid X-OTP-Code header is required."}
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
    ("credentials", "expected"),
    [
        ({"otp": ""}, CODE_REQUIRED),
        ({"otp": "12345x"}, CODE_REQUIRED),
        ({"steps": -5}, CODE_REQUIRED),
        ({"password": "wrong"}, {"detail": "Invalid username/password."}),
        ({"login": "nobody"}, {"detail": "Invalid username/password."}),
    ],
    ids=["no-code", "bad-code", "old-code", "wrong-password", "unknown-user"],
)
def test_bad_credentials_are_refused(client, member, credentials, expected):
    headers = basic(**credentials)
    response = client.post(TOKENS, {"description": "x"}, content_type="application/json", **headers)
    assert response.status_code == 403
    assert response.json() == expected
    assert not ApiToken.objects.exists()


def test_a_code_cannot_be_replayed(client, member):
    headers = basic()
    assert client.get(TOKENS, **headers).status_code == 200
    response = client.get(TOKENS, **headers)
    assert response.status_code == 403
    assert response.json() == CODE_REQUIRED


def test_a_frozen_account_is_refused(client, member):
    User.objects.filter(pk=member.pk).update(is_frozen=True)
    response = client.get(TOKENS, **basic())
    assert response.status_code == 403
    assert response.json() == CODE_REQUIRED


def test_an_account_without_an_app_cannot_use_a_code(client):
    UserFactory(username="carl")
    response = client.get(TOKENS, **basic(login="carl", otp="123456"))
    assert response.json() == CODE_REQUIRED


def test_failed_attempts_are_limited_per_address(client, member, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    for _ in range(10):
        client.get(TOKENS, **basic(password="wrong"))
    response = client.get(TOKENS, **basic())
    assert response.status_code == 429
    other = client.get(TOKENS, REMOTE_ADDR="192.0.2.99", **basic())
    assert other.status_code == 200


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
