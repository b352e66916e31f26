"""Fixtures for the packages tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django_otp.oath import totp

from accounts.models import User
from tests.accounts.factories import UserFactory, add_totp

STAFF_KEY = bytes(range(20))
STAFF_PASSWORD = "correct horse battery"  # the UserFactory default


@pytest.fixture
def staff(db: None) -> User:
    """A superuser with an authenticator app (the admin requires a second factor)."""
    user = UserFactory(username="staffer", is_staff=True, is_superuser=True)
    add_totp(user, key=STAFF_KEY)
    return user


@pytest.fixture
def staff_client(staff: User) -> Client:
    """A browser logged into the admin through the site's login and its second step."""
    client = Client()
    response = client.post("/account/login/", {"login": staff.username, "password": STAFF_PASSWORD})
    assert response["Location"] == "/account/two-factor/"
    client.post("/account/two-factor/", {"code": str(totp(STAFF_KEY)).zfill(6)})
    assert client.get("/admin/").status_code == 200
    return client


class PurgeRecorder(BaseHTTPRequestHandler):
    received: list[tuple[str, str]] = []
    status = 200

    def do_POST(self) -> None:
        type(self).received.append((self.path, self.headers.get("Surrogate-Key", "")))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def purge_server(settings):
    PurgeRecorder.received = []
    PurgeRecorder.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CDN_PURGE_URL = f"http://127.0.0.1:{server.server_port}/purge"
    yield PurgeRecorder
    server.shutdown()
    server.server_close()
