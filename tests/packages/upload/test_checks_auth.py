"""The upload endpoint before any form is read: routing, admin switches and credentials.

Checks 1-3 of docs/upload.md (with 2a), and its routing, through HTTP.
"""

from __future__ import annotations

import base64

import pytest

from accounts import services
from accounts.models import ApiToken
from help.links import help_url
from packages.models import File
from tests import uploads
from tests.packages.upload.conftest import assert_error, snapshot

pytestmark = pytest.mark.django_db

READ_ONLY = "Read-only mode: Uploads are temporarily disabled."
NEW_UPLOADS_DISABLED = (
    "New uploads are temporarily disabled. "
    f"See {help_url('admin-intervention')} for more information."
)
PASSWORD_REFUSED = (
    "Username/Password authentication is no longer supported. Migrate to API Tokens or "
    f"Trusted Publishers instead. See {help_url('apitoken')} and {help_url('trusted-publishers')}"
)
INVALID_AUTH = (
    "Invalid or non-existent authentication information. "
    f"See {help_url('invalid-auth')} for more information."
)


# Routing (docs/upload.md, "Routing") ----------------------------------------------------------


def test_legacy_without_slash_redirects_with_308(client):
    message = (
        "An upload was attempted to /legacy but the expected upload URL is /legacy/ "
        "(with a trailing slash)"
    )
    body, content_type = uploads.wheel_upload().encode()
    response = client.generic("POST", "/legacy", body, content_type=content_type)
    assert_error(response, 308, message)
    assert response["Location"] == "/legacy/"


def test_landing_page_for_get(client):
    response = client.get("/legacy/")
    assert response.status_code == 200
    assert "This URL is an API endpoint for uploading files to" in response.content.decode()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (None, "Missing :action. This URL accepts uploads: :action=file_upload."),
        ("", "Missing :action. This URL accepts uploads: :action=file_upload."),
        (
            "no_such_action",
            "Unknown :action 'no_such_action'. This URL accepts uploads: :action=file_upload.",
        ),
        (
            "x" * 41,
            f"Unknown :action '{'x' * 40}'.... This URL accepts uploads: :action=file_upload.",
        ),
    ],
    ids=["missing", "empty", "unknown", "long"],
)
def test_post_without_a_known_action_is_400(refused, token, action, message):
    refused(uploads.wheel_upload().set(":action", action), token, 400, message)


def test_unknown_action_in_the_query_string_is_400_without_credentials(refused):
    refused(
        uploads.wheel_upload(),
        None,
        400,
        "Unknown :action 'upload'. This URL accepts uploads: :action=file_upload.",
        QUERY_STRING=":action=upload",
    )


def test_credentials_come_before_reading_the_action_from_the_body(refused):
    refused(uploads.wheel_upload().set(":action", "doc_upload"), None, 403, INVALID_AUTH)
    refused(uploads.wheel_upload().set(":action", None), None, 403, INVALID_AUTH)


def test_query_string_action_comes_before_the_form_field(client, token):
    body, content_type = uploads.wheel_upload().set(":action", "submit").encode()
    response = client.generic(
        "POST",
        "/legacy/?:action=file_upload",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=uploads.basic_auth("__token__", token),
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (
            "submit",
            "Project pre-registration is no longer required or supported, "
            "upload your files instead.",
        ),
        (
            "submit_pkg_info",
            "Project pre-registration is no longer required or supported, "
            "upload your files instead.",
        ),
        (
            "doc_upload",
            "Uploading documentation is no longer supported, we recommend using "
            "https://readthedocs.org/.",
        ),
    ],
)
def test_retired_actions_answer_410(refused, token, action, message):
    refused(uploads.wheel_upload().set(":action", action), token, 410, message)


def test_action_may_come_from_the_query_string(client, publisher, token):
    body, content_type = uploads.wheel_upload().set(":action", None).encode()
    response = client.generic(
        "POST",
        "/legacy/?:action=file_upload",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=uploads.basic_auth("__token__", token),
    )
    assert response.status_code == 200, response.content
    assert File.objects.count() == 1


# Checks 1 and 2: admin switches ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "status", "message"),
    [
        (["read-only"], 503, READ_ONLY),
        (["disallow-new-upload"], 403, NEW_UPLOADS_DISABLED),
        (["read-only", "disallow-new-upload"], 503, READ_ONLY),
    ],
    ids=["read-only", "disallow-new-upload", "read-only-first"],
)
def test_switches_refuse_every_upload(refused, switch_on, token, flags, status, message):
    for flag in flags:
        switch_on(flag)
    refused(uploads.wheel_upload(), token, status, message)


@pytest.mark.parametrize("flag", ["read-only", "disallow-new-upload"])
def test_switches_come_before_credentials(refused, switch_on, publisher, flag):
    switch_on(flag)
    status, message = (503, READ_ONLY) if flag == "read-only" else (403, NEW_UPLOADS_DISABLED)
    refused(uploads.wheel_upload(), None, status, message)
    refused(
        uploads.wheel_upload(),
        None,
        status,
        message,
        HTTP_AUTHORIZATION=uploads.basic_auth("alice", "correct horse battery"),
    )


# Check 2a: passwords --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "correct horse battery"), ("alice", "wrong"), ("nobody", "x")],
    ids=["right-password", "wrong-password", "unknown-user"],
)
def test_basic_auth_with_a_username_is_refused(refused, publisher, username, password):
    refused(
        uploads.wheel_upload(),
        None,
        403,
        PASSWORD_REFUSED,
        HTTP_AUTHORIZATION=uploads.basic_auth(username, password),
    )


# Check 3: no identity -------------------------------------------------------------------------


def _tampered(token: str) -> str:
    """The same macaroon with its last signature byte changed."""
    body = token.removeprefix("pypi-")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-1] ^= 1
    return "pypi-" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic !!not-base64!!",
        uploads.basic_auth("__token__", ""),
        uploads.basic_auth("__token__", "hunter2"),
        uploads.basic_auth("__token__", "pypi-AgEIcHlwaS5vcmc"),
        "Digest username=__token__",
    ],
    ids=["none", "bad-base64", "empty-token", "not-a-token", "malformed-macaroon", "digest"],
)
def test_missing_or_unreadable_credentials(refused, publisher, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    refused(uploads.wheel_upload(), None, 403, INVALID_AUTH, **headers)


def test_token_with_a_forged_signature(refused, token):
    refused(uploads.wheel_upload(), _tampered(token), 403, INVALID_AUTH)


def test_deleted_token(refused, publisher, token):
    services.delete_api_token(ApiToken.objects.get(user=publisher))
    refused(uploads.wheel_upload(), token, 403, INVALID_AUTH)


@pytest.mark.parametrize("change", ["is_frozen", "is_active"], ids=["frozen", "disabled"])
def test_token_of_a_frozen_or_disabled_user(refused, publisher, token, change):
    setattr(publisher, change, change == "is_frozen")
    publisher.save()
    refused(uploads.wheel_upload(), token, 403, INVALID_AUTH)


def test_session_cookie_is_not_a_credential(refused, client, publisher):
    client.force_login(publisher)
    refused(uploads.wheel_upload(), None, 403, INVALID_AUTH)


# Accepted credentials -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme", ["Bearer", "Token", "bearer"], ids=["bearer", "token", "lower-case"]
)
def test_token_in_an_authorization_header(client, publisher, token, scheme):
    before = snapshot()
    response = uploads.wheel_upload().post(client, None, HTTP_AUTHORIZATION=f"{scheme} {token}")
    assert (response.status_code, response.content) == (200, b"")
    assert File.objects.count() == len(before[0]["File"]) + 1
