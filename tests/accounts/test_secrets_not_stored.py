"""After a whole account life (sign-up to tokens, passwords changed and reset), no secret is in
the database, in the sessions, in the SQL sent, in the logs or in the mail: not a password, not
the TOTP secret, not a recovery code, not an API token."""

from __future__ import annotations

import base64
import json
import logging
import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import uploads
from tests.accounts.conftest import code
from tests.uploads import basic_auth

# Real commits, so that every notice is sent as it would be.
pytestmark = pytest.mark.django_db(transaction=True)

FIRST = "first secret passphrase 1"
SECOND = "second secret passphrase 2"
THIRD = "third secret passphrase 3"


def link(path: str) -> str:
    [url] = re.findall(rf"http://testserver({re.escape(path)}\S+/)", mail.outbox[-1].body)
    return url


def account_life(client: Client) -> dict[str, list[str | bytes]]:
    """Everything a user does with secrets; returns the secrets by kind."""
    client.post(
        "/account/register/",
        {
            "name": "Sam Secret",
            "username": "sam",
            "email": "sam@example.com",
            "password1": FIRST,
            "password2": FIRST,
        },
    )
    client.post(link("/account/confirm-email/"))

    page = client.get("/manage/account/totp-provision/").content.decode()
    [shown] = re.findall(r'<code id="totp-secret" class="secret">([A-Z2-7 ]+)</code>', page)
    secret = shown.replace(" ", "")
    key = base64.b32decode(secret)
    assert client.post("/manage/account/totp-provision/", {"code": code(key)}).status_code == 302

    recovery = client.post("/manage/account/recovery-codes/").context["codes"]

    made_here = client.post(TOKENS, {"description": "ui", "token_scope": "scope:user"})
    [ui_token] = re.findall(r"pypi-[A-Za-z0-9_=-]+", made_here.content.decode())
    api_response = Client().post(
        API,
        {"description": "api"},
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth("sam", FIRST),
        HTTP_X_OTP_CODE=code(key, steps=1),
    )
    api_token = api_response.json()["token"]
    assert uploads.wheel_upload("secret-sample").post(Client(), ui_token).status_code == 200

    client.post("/account/logout/")
    client.post("/account/login/", {"login": "sam", "password": FIRST})
    assert client.post(RECOVERY_LOGIN, {"code": recovery[0]}).status_code == 302
    client.post(
        "/manage/account/password/",
        {"oldpassword": FIRST, "password1": SECOND, "password2": SECOND},
    )
    client.post("/account/logout/")
    client.post("/account/login/", {"login": "sam", "password": "wrong guess"})

    client.post("/account/reset-password/", {"email": "sam"})
    form = client.get(link("/account/password/reset/key/"), follow=True)
    client.post(form.redirect_chain[-1][0], {"password1": THIRD, "password2": THIRD})
    client.post("/account/login/", {"login": "sam", "password": THIRD})
    client.post(RECOVERY_LOGIN, {"code": recovery[1]})
    assert client.get("/manage/account/").status_code == 200

    return {
        "password": [FIRST, SECOND, THIRD],
        "totp secret": [secret, secret.lower(), shown, key.hex(), key.hex().upper(), key],
        "recovery code": list(recovery),
        "api token": [
            ui_token,
            ui_token.removeprefix("pypi-"),
            api_token,
            api_token.removeprefix("pypi-"),
        ],
    }


TOKENS = "/manage/account/token/"
API = "/api/account/tokens/"
RECOVERY_LOGIN = "/account/two-factor/recovery-code/"


def database_dump() -> list[tuple[str, object]]:
    """(table, value) for every value of every row of every table, sessions decoded."""
    values: list[tuple[str, object]] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                values.extend((table, value) for value in row)
                if table == "django_session":
                    data = dict(zip(columns, row, strict=True))["session_data"]
                    values.append((table, json.dumps(SessionStore().decode(data))))
    return values


def found_in(values, secrets: dict[str, list[str | bytes]]) -> list[str]:
    hits = []
    for where, value in values:
        if isinstance(value, memoryview):
            value = value.tobytes()
        for kind, items in secrets.items():
            for secret in items:
                if isinstance(secret, bytes):
                    hit = isinstance(value, bytes) and secret in value
                elif isinstance(value, bytes):
                    hit = secret.encode() in value
                else:
                    hit = secret in str(value)
                if hit:
                    hits.append(f"{kind} in {where}")
    return hits


@pytest.fixture
def everything_logged(caplog):
    """Log at DEBUG everywhere, SQL with its parameters included."""
    for name in [*logging.root.manager.loggerDict, None]:
        caplog.set_level(logging.DEBUG, logger=name)
    with CaptureQueriesContext(connection) as queries:
        yield caplog, queries


def test_no_secret_is_stored_logged_or_mailed(client, everything_logged):
    caplog, queries = everything_logged
    secrets = account_life(client)

    assert found_in(database_dump(), secrets) == []

    assert len(caplog.records) > 10 and len(queries.captured_queries) > 100  # it was all seen
    logged = [
        ("log", f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}") for r in caplog.records
    ]
    assert found_in(logged, secrets) == []
    assert found_in([("SQL", q["sql"]) for q in queries.captured_queries], secrets) == []

    mailed = [("mail", m.subject + m.body + repr(m.alternatives)) for m in mail.outbox]
    assert len(mailed) >= 5
    assert found_in(mailed, secrets) == []
