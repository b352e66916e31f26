"""The breached-password check against a local stand-in for the Have I Been Pwned range API."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils.safestring import SafeData

from accounts.breach import BreachedPasswordValidator, disable_breached_password, is_breached
from accounts.events import EventTag
from accounts.models import UserEvent
from tests.accounts.factories import EmailAddressFactory, UserFactory

PASSWORD = "correct horse battery staple"
DIGEST = hashlib.sha1(PASSWORD.encode(), usedforsecurity=False).hexdigest().upper()
PREFIX, SUFFIX = DIGEST[:5], DIGEST[5:]
# Other hashes sharing the prefix, as the real service lists them (upper case, CRLF).
NEIGHBOURS = [
    "0018A45C4D1DEF81644B54AB7F969B88D65:1",
    "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2",
    "011053FD0102E94D6AE2F8B83D76FAF94F6:0",
]


def expected_message() -> str:
    faq_url = f"http://testserver{reverse('help:index')}#compromised-password"
    return (
        "This password appears in a security breach or has been compromised and cannot be "
        f'used. See <a href="{faq_url}">this FAQ entry</a> for more information.'
    )


@dataclass
class FakeRangeService:
    """What the stand-in serves, and what it was asked."""

    url: str
    ranges: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200
    delay: float = 0.0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def make_handler(service: FakeRangeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            service.requests.append((self.path, dict(self.headers.items())))
            if service.delay:
                service.release.wait(service.delay)
            prefix = self.path.removeprefix("/range/")
            body = "\r\n".join(service.ranges.get(prefix, [])).encode()
            try:
                self.send_response(service.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (the timeout test)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def hibp(settings, monkeypatch) -> Iterator[FakeRangeService]:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    service = FakeRangeService(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(service))
    service.url = f"http://127.0.0.1:{server.server_address[1]}/range/"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    settings.HIBP_ENABLED = True
    settings.HIBP_RANGE_URL = service.url
    settings.HIBP_TIMEOUT = 2.0
    yield service
    service.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def listing(*lines: str) -> list[str]:
    return [*NEIGHBOURS[:2], *lines, NEIGHBOURS[2]]


@pytest.mark.parametrize("suffix", [SUFFIX, SUFFIX.lower()], ids=["upper", "lower"])
def test_listed_password_is_breached(hibp, suffix):
    hibp.ranges[PREFIX] = listing(f"{suffix}:42")
    assert is_breached(PASSWORD) is True


def test_unlisted_password_is_not_breached(hibp):
    hibp.ranges[PREFIX] = listing()
    assert is_breached(PASSWORD) is False
    assert len(hibp.requests) == 1


@pytest.mark.parametrize("suffix", [SUFFIX, SUFFIX.lower()], ids=["upper", "lower"])
def test_padding_entry_is_not_a_hit(hibp, suffix):
    hibp.ranges[PREFIX] = listing(f"{suffix}:0")
    assert is_breached(PASSWORD) is False
    assert len(hibp.requests) == 1


def test_only_the_hash_prefix_is_sent(hibp):
    hibp.ranges[PREFIX] = listing(f"{SUFFIX}:1")
    assert is_breached(PASSWORD) is True
    [(path, headers)] = hibp.requests
    assert path == f"/range/{PREFIX}"
    sent = (path + repr(headers)).upper()
    assert SUFFIX not in sent
    assert PASSWORD.upper() not in sent


def test_padding_is_requested_and_the_site_named(hibp, settings):
    settings.SITE_NAME = "Example Index"
    hibp.ranges[PREFIX] = listing()
    is_breached(PASSWORD)
    [(_path, headers)] = hibp.requests
    assert headers["Add-Padding"] == "true"
    assert "Example Index" in headers["User-Agent"]


def test_settings_are_read_when_called(hibp, settings):
    settings.HIBP_RANGE_URL = hibp.url.replace("/range/", "/other/")
    hibp.ranges[PREFIX] = listing(f"{SUFFIX}:1")
    assert is_breached(PASSWORD) is False
    assert hibp.requests[0][0] == f"/other/{PREFIX}"


def test_disabled_check_sends_nothing(hibp, settings):
    settings.HIBP_ENABLED = False
    hibp.ranges[PREFIX] = listing(f"{SUFFIX}:99")
    assert is_breached(PASSWORD) is False
    assert hibp.requests == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("failure", "what"),
    [
        ("down", "refused"),
        ("500", "HTTP 500"),
        ("203", "HTTP 203"),
        ("slow", "timed out"),
        ("misconfigured", "unknown url type"),
    ],
)
def test_failures_allow_the_password_and_log_without_secrets(hibp, settings, caplog, failure, what):
    # The listing would say "breached": only the failure handling can make the answer False.
    hibp.ranges[PREFIX] = listing(f"{SUFFIX}:7")
    if failure == "down":
        settings.HIBP_RANGE_URL = f"http://127.0.0.1:{free_port()}/range/"
    elif failure == "misconfigured":  # a relative URL: urllib's error quotes the whole URL
        settings.HIBP_RANGE_URL = "/range/"
    elif failure == "slow":
        settings.HIBP_TIMEOUT = 0.2
        hibp.delay = 5.0
    else:
        hibp.status = int(failure)

    with caplog.at_level(logging.WARNING, logger="accounts.breach"):
        assert is_breached(PASSWORD) is False

    [record] = [r for r in caplog.records if r.name == "accounts.breach"]
    assert record.levelno == logging.WARNING
    logged = record.getMessage()
    assert what in logged
    for secret in (PASSWORD, DIGEST, PREFIX, SUFFIX):
        assert secret.lower() not in logged.lower()


def test_validator_refuses_a_breached_password(hibp):
    hibp.ranges[PREFIX] = listing(f"{SUFFIX}:3")
    with pytest.raises(ValidationError) as caught:
        BreachedPasswordValidator().validate(PASSWORD)
    assert caught.value.code == "password_breached"
    assert caught.value.message == expected_message()
    assert isinstance(caught.value.message, SafeData)


def test_validator_works_as_a_settings_entry(hibp):
    validators = get_password_validators([{"NAME": "accounts.breach.BreachedPasswordValidator"}])
    hibp.ranges[PREFIX] = listing()
    validate_password(PASSWORD, password_validators=validators)
    hibp.ranges[PREFIX] = listing(f"{SUFFIX}:3")
    with pytest.raises(ValidationError) as caught:
        validate_password(PASSWORD, password_validators=validators)
    assert caught.value.messages == [expected_message()]
    assert "breach" in validators[0].get_help_text()


@pytest.mark.django_db
def test_disabling_a_breached_password(django_capture_on_commit_callbacks):
    user = UserFactory()
    # An unverified address still gets the notice: it is the only way back in.
    EmailAddressFactory(user=user, email="victim@example.com", verified=False)
    request = RequestFactory().post("/account/login/", REMOTE_ADDR="192.0.2.7")

    with django_capture_on_commit_callbacks(execute=True):
        disable_breached_password(user, request=request)

    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not user.check_password("correct horse battery")
    event = UserEvent.objects.get(user=user, tag=EventTag.PASSWORD_DISABLED.value)
    assert event.additional == {"reason": "breached"}
    assert event.ip_address == "192.0.2.7"

    [message] = mail.outbox
    assert message.to == ["victim@example.com"]
    assert "disabled" in message.subject
    reset_url = f"http://testserver{reverse('account_reset_password')}"
    assert reset_url in message.body
    assert "public data breach" in message.body
    assert "anywhere else" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{reset_url}"' in html


@pytest.mark.django_db
def test_nothing_happens_if_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    user = UserFactory()
    EmailAddressFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            disable_breached_password(user)
            raise RuntimeError("the login flow failed afterwards")

    user.refresh_from_db()
    assert user.has_usable_password()
    assert not UserEvent.objects.filter(user=user, tag=EventTag.PASSWORD_DISABLED.value).exists()
    assert mail.outbox == []
