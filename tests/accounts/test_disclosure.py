"""Leaked-token reports, signed by a local stand-in for GitHub's and deps.dev's key documents."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.db import connection, connections
from django.test import Client

from accounts import disclosure, services, tokens
from accounts.events import EventTag
from accounts.models import ApiToken, User, UserEvent
from tests.accounts.factories import EmailAddressFactory, UserFactory

PATH = "/_/secrets/disclose-token"
LEGACY_PATH = "/_/github/disclose-token"
LEAK_URL = "https://github.com/example/project/blob/main/.pypirc"
HEADERS = {
    "github": ("GITHUB-PUBLIC-KEY-IDENTIFIER", "GITHUB-PUBLIC-KEY-SIGNATURE"),
    "depsdev": ("GOSST-PUBLIC-KEY-IDENTIFIER", "GOSST-PUBLIC-KEY-SIGNATURE"),
}

pytestmark = pytest.mark.django_db


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key: ec.EllipticCurvePrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


@dataclass
class KeysServer:
    """Serves one keys document per path (``/github``, ``/depsdev``) and counts requests."""

    base: str = ""
    keys: dict[str, dict[str, ec.EllipticCurvePrivateKey]] = field(default_factory=dict)
    status: int = 200
    raw: bytes | None = None  # served instead of the document when set
    drip: float = 0.0  # when set, the body is sent one byte at a time, this many seconds apart
    on_request: Callable[[str], None] | None = None  # called with the path before answering
    requests: list[str] = field(default_factory=list)

    def url(self, reporter: str) -> str:
        return f"{self.base}/{reporter}"

    def publish(self, reporter: str, key_id: str) -> ec.EllipticCurvePrivateKey:
        key = new_key()
        self.keys.setdefault(reporter, {})[key_id] = key
        return key

    def document(self, reporter: str) -> bytes:
        return json.dumps(
            {
                "public_keys": [
                    {"key_identifier": key_id, "key": public_pem(key), "is_current": True}
                    for key_id, key in self.keys.get(reporter, {}).items()
                ]
            }
        ).encode()

    def fetches(self, reporter: str = "github") -> int:
        return self.requests.count(f"/{reporter}")


def make_handler(server: KeysServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(self.path)
            if server.on_request is not None:
                server.on_request(self.path)
            body = server.raw if server.raw is not None else server.document(self.path[1:])
            self.send_response(server.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not server.drip:
                self.wfile.write(body)
                return
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(server.drip)
            except OSError:
                pass  # the site gave up

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def keys_server(settings, monkeypatch) -> Iterator[KeysServer]:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    keys = KeysServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(keys))
    keys.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    settings.TOKEN_DISCLOSURE_KEYS = {"github": keys.url("github"), "depsdev": ""}
    yield keys
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def github_key(keys_server: KeysServer) -> ec.EllipticCurvePrivateKey:
    return keys_server.publish("github", "gh-key-1")


@pytest.fixture
def owner(db: None) -> User:
    user = UserFactory(username="alice")
    EmailAddressFactory(user=user)
    return user


def new_token(user: User, description: str = "CI upload") -> tuple[str, ApiToken]:
    return services.create_api_token(user, description=description)


def record(token: str, **overrides: object) -> dict[str, object]:
    return {"token": token, "type": "pypi_api_token", "url": LEAK_URL, "source": "content"} | (
        overrides
    )


def post(
    client: Client,
    body: bytes,
    *,
    key: ec.EllipticCurvePrivateKey | None,
    key_id: str = "gh-key-1",
    reporter: str = "github",
    path: str = PATH,
    signature: str | None = None,
):
    id_header, signature_header = HEADERS[reporter]
    headers = {id_header: key_id}
    if signature is not None or key is not None:
        headers[signature_header] = signature if signature is not None else sign(key, body)
    return client.post(path, data=body, content_type="application/json", headers=headers)


def report(client: Client, records: list[object], **kwargs):
    return post(client, json.dumps(records).encode(), **kwargs)


def leak_events(user: User) -> list[UserEvent]:
    return list(UserEvent.objects.filter(user=user, tag=EventTag.API_TOKEN_REMOVED_LEAK))


# --- Accepted reports -------------------------------------------------------------------------


def test_report_revokes_the_token_and_mails_its_owner(
    client, owner, github_key, django_capture_on_commit_callbacks
):
    raw, row = new_token(owner)
    assert tokens.find(raw) is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, [record(raw)], key=github_key)

    assert response.status_code == 204
    assert response.content == b""
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    assert tokens.find(raw) is None
    [event] = leak_events(owner)
    assert event.additional["token_id"] == str(row.id)
    assert event.additional["description"] == "CI upload"
    assert event.additional["reporter"] == "GitHub"
    assert event.additional["public_url"] == record(raw)["url"]

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "revoked" in message.subject
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert LEAK_URL in body
        assert "CI upload" in body
        assert str(row.id) in body
        assert "GitHub" in body
        assert "http://testserver/manage/account/token/" in body
        assert raw not in body
    assert raw not in message.subject


def test_report_leaves_other_tokens_alone(
    client, owner, github_key, django_capture_on_commit_callbacks
):
    leaked, _ = new_token(owner, "leaked")
    kept, kept_row = new_token(owner, "kept")

    with django_capture_on_commit_callbacks(execute=True):
        assert report(client, [record(leaked)], key=github_key).status_code == 204

    assert list(ApiToken.objects.filter(user=owner)) == [kept_row]
    assert tokens.find(kept) is not None


def test_every_token_of_a_report_is_revoked(
    client, owner, github_key, django_capture_on_commit_callbacks
):
    other = UserFactory()
    EmailAddressFactory(user=other)
    first, _ = new_token(owner)
    second, _ = new_token(other)

    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, [record(first), record(second)], key=github_key)

    assert response.status_code == 204
    assert not ApiToken.objects.exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, other.email])


def test_tokens_are_revoked_after_the_commit(
    client, owner, github_key, django_capture_on_commit_callbacks
):
    raw, row = new_token(owner)

    with django_capture_on_commit_callbacks() as callbacks:
        assert report(client, [record(raw)], key=github_key).status_code == 204
    assert ApiToken.objects.filter(pk=row.pk).exists()  # nothing happens before the commit

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    assert len(mail.outbox) == 1


def test_owner_with_an_unverified_address_is_still_told(
    client, db, github_key, django_capture_on_commit_callbacks
):
    user = UserFactory()
    EmailAddressFactory(user=user, verified=False)
    raw, _ = new_token(user)

    with django_capture_on_commit_callbacks(execute=True):
        assert report(client, [record(raw)], key=github_key).status_code == 204

    assert [m.to for m in mail.outbox] == [[user.email]]


@pytest.mark.parametrize(
    "unknown",
    [
        "unknown-macaroon",
        "pypi-not-a-macaroon",
        "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
        "",
    ],
    ids=["unknown-macaroon", "garbage", "other-prefix", "empty"],
)
def test_unknown_tokens_answer_204_and_change_nothing(
    client, owner, github_key, django_capture_on_commit_callbacks, unknown
):
    _, row = new_token(owner)
    if unknown == "unknown-macaroon":  # well-formed, naming no token of ours
        unknown = tokens.mint(ApiToken(id=uuid.uuid4(), caveats=[], key_salt=tokens.new_salt()))

    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, [record(unknown)], key=github_key)

    assert response.status_code == 204
    assert ApiToken.objects.filter(pk=row.pk).exists()
    assert leak_events(owner) == []
    assert mail.outbox == []


def test_forged_token_naming_a_real_one_changes_nothing(
    client, owner, github_key, django_capture_on_commit_callbacks
):
    _, row = new_token(owner)
    forged = tokens.mint(ApiToken(id=row.id, caveats=row.caveats, key_salt=b"\0" * 32))

    with django_capture_on_commit_callbacks(execute=True):
        assert report(client, [record(forged)], key=github_key).status_code == 204

    assert ApiToken.objects.filter(pk=row.pk).exists()
    assert mail.outbox == []


def test_malformed_records_are_skipped(
    client, owner, github_key, django_capture_on_commit_callbacks
):
    good, good_row = new_token(owner, "good")
    spared = {name: new_token(owner, name) for name in ("wrong type", "no url", "no type")}
    records = [
        "a string",
        ["a", "list"],
        None,
        {"type": "pypi_api_token", "url": LEAK_URL},
        record(123),
        record(spared["wrong type"][0], type="github_token"),
        {"token": spared["no url"][0], "type": "pypi_api_token"},
        record(spared["no url"][0], url=None),
        {"token": spared["no type"][0], "url": LEAK_URL},
        record(good),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, records, key=github_key)

    assert response.status_code == 204
    assert not ApiToken.objects.filter(pk=good_row.pk).exists()
    assert set(ApiToken.objects.values_list("description", flat=True)) == set(spared)
    assert len(mail.outbox) == 1


def test_empty_report_is_accepted(client, github_key):
    assert report(client, [], key=github_key).status_code == 204


def test_csrf_is_not_required(owner, github_key, django_capture_on_commit_callbacks):
    raw, row = new_token(owner)
    client = Client(enforce_csrf_checks=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert report(client, [record(raw)], key=github_key).status_code == 204

    assert not ApiToken.objects.filter(pk=row.pk).exists()


def test_legacy_path_works(client, owner, github_key, django_capture_on_commit_callbacks):
    raw, row = new_token(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, [record(raw)], key=github_key, path=LEGACY_PATH)

    assert response.status_code == 204
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    assert len(mail.outbox) == 1


def test_depsdev_reports_work(
    client, owner, keys_server, settings, django_capture_on_commit_callbacks
):
    settings.TOKEN_DISCLOSURE_KEYS = {"github": "", "depsdev": keys_server.url("depsdev")}
    key = keys_server.publish("depsdev", "gosst-1")
    raw, row = new_token(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, [record(raw)], key=key, key_id="gosst-1", reporter="depsdev")

    assert response.status_code == 204
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    [message] = mail.outbox
    assert "deps.dev" in message.body
    assert "GitHub" not in message.body
    assert keys_server.requests == ["/depsdev"]


def test_the_token_never_reaches_the_logs(
    client, owner, github_key, caplog, django_capture_on_commit_callbacks
):
    raw, _ = new_token(owner)
    unknown = raw[:-8] + "AAAAAAAA"

    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        assert report(client, [record(raw), record(unknown)], key=github_key).status_code == 204

    assert not ApiToken.objects.exists()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert raw not in logged
    assert unknown not in logged


# --- Refused reports --------------------------------------------------------------------------


@pytest.mark.parametrize("forgery", ["other-key", "tampered-body", "not-base64", "no-signature"])
def test_unverified_reports_are_refused(
    client, owner, github_key, django_capture_on_commit_callbacks, forgery
):
    raw, row = new_token(owner)
    body = json.dumps([record(raw)]).encode()
    kwargs: dict[str, object] = {"key": github_key}
    if forgery == "other-key":
        kwargs["key"] = new_key()
    elif forgery == "tampered-body":
        kwargs["signature"] = sign(github_key, json.dumps([record("pypi-other")]).encode())
    elif forgery == "not-base64":
        kwargs["signature"] = "not base64!"
    else:
        kwargs["key"] = None

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, body, **kwargs)

    assert response.status_code == 400
    assert callbacks == []
    assert ApiToken.objects.filter(pk=row.pk).exists()
    assert mail.outbox == []


def test_key_of_the_other_reporter_is_refused(client, owner, keys_server, settings):
    settings.TOKEN_DISCLOSURE_KEYS = {
        "github": keys_server.url("github"),
        "depsdev": keys_server.url("depsdev"),
    }
    keys_server.publish("github", "shared-id")
    depsdev_key = keys_server.publish("depsdev", "shared-id")
    raw, _ = new_token(owner)

    response = report(client, [record(raw)], key=depsdev_key, key_id="shared-id")

    assert response.status_code == 400
    assert keys_server.requests == ["/github"]


@pytest.mark.parametrize(
    "body", [b"not json", b"\xff\xfe", b'{"token": "pypi-x"}', b'"text"', b"null"]
)
def test_signed_bodies_that_are_not_a_list_are_refused(client, github_key, body):
    assert post(client, body, key=github_key).status_code == 400


def test_unknown_key_identifier_refetches_once_then_refuses(
    client, owner, keys_server, github_key, django_capture_on_commit_callbacks
):
    raw, row = new_token(owner)
    assert report(client, [], key=github_key).status_code == 204
    assert keys_server.fetches() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, [record(raw)], key=github_key, key_id="unknown")

    assert response.status_code == 400
    assert keys_server.fetches() == 2
    assert ApiToken.objects.filter(pk=row.pk).exists()
    # Anyone can send unknown identifiers: they do not make us fetch again at once.
    assert report(client, [], key=github_key, key_id="unknown").status_code == 400
    assert keys_server.fetches() == 2


def test_unknown_key_identifier_on_first_fetch_is_refused_without_a_second(
    client, keys_server, github_key
):
    assert report(client, [], key=github_key, key_id="unknown").status_code == 400
    assert keys_server.fetches() == 1


def test_rotated_key_is_picked_up(
    client, owner, keys_server, github_key, django_capture_on_commit_callbacks
):
    raw, row = new_token(owner)
    assert report(client, [], key=github_key).status_code == 204
    rotated = keys_server.publish("github", "gh-key-2")

    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, [record(raw)], key=rotated, key_id="gh-key-2")

    assert response.status_code == 204
    assert not ApiToken.objects.filter(pk=row.pk).exists()
    assert keys_server.fetches() == 2
    assert report(client, [], key=rotated, key_id="gh-key-2").status_code == 204
    assert keys_server.fetches() == 2


def test_keys_are_cached(
    client, owner, keys_server, github_key, django_capture_on_commit_callbacks
):
    first, _ = new_token(owner, "first")
    second, _ = new_token(owner, "second")

    with django_capture_on_commit_callbacks(execute=True):
        assert report(client, [record(first)], key=github_key).status_code == 204
        assert report(client, [record(second)], key=github_key).status_code == 204

    assert keys_server.fetches() == 1
    assert not ApiToken.objects.exists()


class Clock:
    """Stands in for the clocks of the database cache: ``time`` (expiries) and ``tz_now``."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def tz_now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("django.core.cache.backends.base.time", clock)
    monkeypatch.setattr("django.core.cache.backends.db.tz_now", clock.tz_now)
    return clock


def test_keys_are_cached_for_thirty_minutes(client, keys_server, github_key, clock):

    assert report(client, [], key=github_key).status_code == 204
    clock.offset = 29 * 60
    assert report(client, [], key=github_key).status_code == 204
    assert keys_server.fetches() == 1
    clock.offset = 31 * 60
    assert report(client, [], key=github_key).status_code == 204
    assert keys_server.fetches() == 2


def test_each_reporter_has_its_own_keys(client, keys_server, settings):
    settings.TOKEN_DISCLOSURE_KEYS = {
        "github": keys_server.url("github"),
        "depsdev": keys_server.url("depsdev"),
    }
    github_key = keys_server.publish("github", "gh")
    depsdev_key = keys_server.publish("depsdev", "gosst")

    for _ in range(2):
        assert report(client, [], key=github_key, key_id="gh").status_code == 204
        response = report(client, [], key=depsdev_key, key_id="gosst", reporter="depsdev")
        assert response.status_code == 204
    assert sorted(keys_server.requests) == ["/depsdev", "/github"]


def test_keys_other_than_ecdsa_p256_are_refused(client, owner, keys_server):
    p384 = ec.generate_private_key(ec.SECP384R1())
    keys_server.keys["github"] = {"p384": p384}
    raw, row = new_token(owner)

    assert report(client, [record(raw)], key=p384, key_id="p384").status_code == 400
    assert ApiToken.objects.filter(pk=row.pk).exists()


def test_report_without_reporter_headers_is_not_found(client, owner, github_key):
    raw, row = new_token(owner)
    body = json.dumps([record(raw)]).encode()

    response = client.post(PATH, data=body, content_type="application/json")

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("reporter", ["github", "depsdev"])
def test_disabled_reporter_is_not_found(client, owner, keys_server, settings, reporter):
    settings.TOKEN_DISCLOSURE_KEYS = {"github": "", "depsdev": ""}
    key = keys_server.publish(reporter, "key")
    raw, row = new_token(owner)

    response = report(client, [record(raw)], key=key, key_id="key", reporter=reporter)

    assert response.status_code == 404
    assert keys_server.requests == []
    assert ApiToken.objects.filter(pk=row.pk).exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "failure", ["down", "500", "not-json", "no-key-list", "too-large", "too-deep", "not-http"]
)
def test_unreachable_keys_ask_the_reporter_to_retry(
    client, owner, keys_server, github_key, settings, caplog, clock, failure
):
    raw, row = new_token(owner)
    if failure == "down":
        settings.TOKEN_DISCLOSURE_KEYS = {"github": f"http://127.0.0.1:{free_port()}/github"}
    elif failure == "not-http":
        settings.TOKEN_DISCLOSURE_KEYS = {"github": "file:///etc/passwd"}
    elif failure == "500":
        keys_server.status = 500
    elif failure == "not-json":
        keys_server.raw = b"<html>"
    elif failure == "no-key-list":
        keys_server.raw = b'{"keys": []}'
    elif failure == "too-large":
        keys_server.raw = json.dumps(
            {"public_keys": json.loads(keys_server.document("github"))["public_keys"] * 2000}
        ).encode()
        assert len(keys_server.raw) > disclosure.MAX_KEYS_BYTES
    else:
        keys_server.raw = b"[" * 100_000 + b"]" * 100_000

    with caplog.at_level(logging.WARNING, logger="accounts.disclosure"):
        response = report(client, [record(raw)], key=github_key)
        assert response.status_code == 503
        assert response["Retry-After"] == "60"
        assert ApiToken.objects.filter(pk=row.pk).exists()
        # The failure is remembered for a minute in the shared store: the reporter's retries
        # (and anyone's requests) get 503 at once, without fetching again.
        fetched = keys_server.fetches()
        keys_server.status, keys_server.raw = 200, None
        assert report(client, [record(raw)], key=github_key).status_code == 503
        assert keys_server.fetches() == fetched
    assert [r.levelno for r in caplog.records if r.name == "accounts.disclosure"] == [
        logging.WARNING
    ]
    # A minute later (or as soon as the setting names another document), the keys are fetched.
    clock.offset = disclosure.KEYS_FAILURE_SECONDS + 1
    settings.TOKEN_DISCLOSURE_KEYS = {"github": keys_server.url("github")}
    assert report(client, [record(raw)], key=github_key).status_code == 204


def test_a_slow_keys_document_is_given_up(client, keys_server, github_key, monkeypatch):
    monkeypatch.setattr(disclosure, "KEYS_TIMEOUT_SECONDS", 0.5)
    keys_server.drip = 0.05

    started = time.monotonic()
    response = report(client, [], key=github_key)

    assert response.status_code == 503
    # Each byte came in well within the socket timeout: only the whole fetch's deadline ends it.
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "signature",
    ["missing", "not-base64", "not-a-signature", "long-key-id"],
)
def test_a_report_without_a_well_formed_signature_never_fetches_keys(
    client, owner, keys_server, github_key, signature
):
    raw, row = new_token(owner)
    body = json.dumps([record(raw)]).encode()
    kwargs: dict[str, object] = {"key": None}
    if signature == "not-base64":
        kwargs["signature"] = "not base64!"
    elif signature == "not-a-signature":
        kwargs["signature"] = base64.b64encode(b"\x30" + bytes(70)).decode()
    elif signature == "long-key-id":
        kwargs = {"key": github_key, "key_id": "k" * 201}

    assert post(client, body, **kwargs).status_code == 400
    assert keys_server.requests == []
    assert ApiToken.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_one_request_at_a_time_fetches_the_keys(client, keys_server, github_key):
    """A report that comes while another request fetches the keys is answered 503 at once."""
    if connection.vendor == "sqlite":
        pytest.skip("needs two connections writing at once: PostgreSQL runs this")
    answers: list[int] = []

    def another_report() -> None:
        try:
            answers.append(report(Client(), [], key=github_key).status_code)
        finally:
            connections.close_all()

    def while_fetching(_path: str) -> None:
        second = threading.Thread(target=another_report)
        second.start()
        second.join()

    keys_server.on_request = while_fetching
    first = report(client, [], key=github_key)

    assert (first.status_code, answers) == (204, [503])
    assert keys_server.fetches() == 1


def test_a_report_nested_too_deeply_is_refused(client, github_key):
    deep = b"[" * 100_000 + b"]" * 100_000
    assert post(client, deep, key=github_key).status_code == 400
    nested = json.dumps([[[[[[[[[record("pypi-x")]]]]]]]]]).encode()
    assert post(client, nested, key=github_key).status_code == 400


def test_brackets_inside_strings_do_not_count_as_nesting(
    client, owner, github_key, django_capture_on_commit_callbacks
):
    raw, row = new_token(owner)
    records = [record(raw, url=LEAK_URL + "?q=" + "[{" * 50 + '\\"]}' * 50)]

    with django_capture_on_commit_callbacks(execute=True):
        assert report(client, records, key=github_key).status_code == 204

    assert not ApiToken.objects.filter(pk=row.pk).exists()


def test_an_oversized_report_is_refused_unread(client, keys_server, github_key):
    body = json.dumps(["x" * disclosure.MAX_REPORT_BYTES]).encode()
    assert post(client, body, key=github_key).status_code == 413
    assert keys_server.requests == []


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(client, github_key, method):
    assert getattr(client, method)(PATH).status_code == 405
