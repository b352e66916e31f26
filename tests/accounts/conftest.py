"""Fixtures for the account flows: a member with a known TOTP key, logging in through the real
two-step login, codes of an authenticator app, and a loopback breached-password service."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django_otp.oath import totp

from accounts.models import User, UserEvent
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp

PASSWORD = "correct horse battery"
KEY = bytes(range(20))


def code(key: bytes = KEY, *, steps: int = 0) -> str:
    """The 6-digit code an app shows now, or ``steps`` time steps (30 s) from now."""
    return str(totp(key, step=30, t0=-steps * 30, digits=6)).zfill(6)


def log_in(
    client: Client,
    login: str,
    *,
    password: str = PASSWORD,
    key: bytes | None = KEY,
    steps: int = 0,
):
    """Log in through the form and, when ``key`` is given, the second step; the last response."""
    response = client.post("/account/login/", {"login": login, "password": password})
    if key is not None:
        assert response["Location"] == "/account/two-factor/"
        response = client.post("/account/two-factor/", {"code": code(key, steps=steps)})
    assert response.status_code == 302, response.context["form"].errors
    assert "_auth_user_id" in client.session
    return response


def tags(user: User) -> list[str]:
    """The user's security events, oldest first."""
    return list(UserEvent.objects.filter(user=user).order_by("id").values_list("tag", flat=True))


@pytest.fixture(autouse=True)
def _addresses_already_confirmed(settings) -> None:
    """Logins from a new address wait for a mailed link: test_login_confirmation.py tests
    that (turning it back on); the other account tests log in as from a known device."""
    settings.LOGIN_CONFIRMATION_ENABLED = False


@pytest.fixture
def member(db: None) -> User:
    """ann: verified primary e-mail and an authenticator app with ``KEY``."""
    user = UserFactory(username="ann", email="ann@example.com", name="Ann Example")
    EmailAddressFactory(user=user)
    add_totp(user, key=KEY)
    return user


@pytest.fixture
def member_client(client: Client, member: User) -> Client:
    """A client logged in as ``member`` with both factors (so also password-confirmed)."""
    log_in(client, "ann")
    return client


class RangeService:
    """A stand-in for the Have I Been Pwned range API listing the passwords it is given."""

    def __init__(self) -> None:
        self.breached: set[str] = set()
        self.requests: list[str] = []

    def add(self, password: str) -> None:
        self.breached.add(hashlib.sha1(password.encode()).hexdigest().upper())  # noqa: S324

    def body(self, prefix: str) -> bytes:
        lines = [f"{d[5:]}:12" for d in sorted(self.breached) if d.startswith(prefix)]
        return "\r\n".join(["0018A45C4D1DEF81644B54AB7F969B88D65:0", *lines]).encode()


@pytest.fixture
def hibp(settings, monkeypatch) -> Iterator[RangeService]:
    """Turn the breached-password check on, against a loopback server."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    service = RangeService()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            service.requests.append(self.path)
            body = service.body(self.path.rsplit("/", 1)[-1])
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    settings.HIBP_ENABLED = True
    settings.HIBP_RANGE_URL = f"http://127.0.0.1:{server.server_address[1]}/range/"
    yield service
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Callable:
    """``with committed():`` runs the on-commit callbacks (mail) of what happens inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
