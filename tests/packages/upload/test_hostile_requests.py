"""Requests a well-behaved client does not send: what the endpoint reads of them and answers.

- A request that checks 1-3 refuse (no or bad credentials, a switch on) is refused before a
  byte of its body is read: nothing is spooled to disk or hashed (docs/upload.md, "Before the
  checks").
- A body sent with ``Transfer-Encoding: chunked`` (no ``Content-Length``) is read when the
  server ends the input stream, under WSGI (``wsgi.input_terminated``) and ASGI, and refused
  with 411 otherwise, never answered 200 with nothing stored.
- Client-controlled bytes never break the answer (a control character in the reason phrase, a
  NUL in the filename's extension).

The last tests send such requests to a live site, served as ``make run`` serves it
(``tests/interop/site.py``).
"""

from __future__ import annotations

import asyncio
import http.client
import io
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.asgi import get_asgi_application
from django.db import connection
from django.test import Client

from help.links import help_url
from packages.models import File
from tests import uploads
from tests.interop.site import Site, running_site
from tests.packages.upload.conftest import assert_error, snapshot

pytestmark = pytest.mark.django_db

INVALID_AUTH = (
    "Invalid or non-existent authentication information. "
    f"See {help_url('invalid-auth')} for more information."
)
PASSWORD_REFUSED = (
    "Username/Password authentication is no longer supported. Migrate to API Tokens or "
    f"Trusted Publishers instead. See {help_url('apitoken')} and {help_url('trusted-publishers')}"
)
READ_ONLY = "Read-only mode: Uploads are temporarily disabled."
LENGTH_REQUIRED = (
    "Length Required: send the upload with a Content-Length header "
    "(this server cannot read a chunked request body)."
)


class CountingInput(io.BytesIO):
    """A server's ``wsgi.input`` that counts the bytes the application reads from it."""

    bytes_read = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int | None = -1, /) -> bytes:
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture
def spool(settings: Any, tmp_path: Path) -> Path:
    """The upload temporary directory, empty."""
    directory = tmp_path / "spool"
    directory.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(directory)
    return directory


def post_counting(
    client: Client, upload: uploads.Upload, path: str = "/legacy/", **headers: Any
) -> tuple[Any, CountingInput]:
    body, content_type = upload.encode()
    stream = CountingInput(body)
    response = client.generic(
        "POST", path, body, content_type=content_type, **{"wsgi.input": stream}, **headers
    )
    return response, stream


# Refused before the body is read ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, INVALID_AUTH),
        (uploads.basic_auth("__token__", "pypi-not-a-token"), INVALID_AUTH),
        (uploads.basic_auth("alice", "correct horse battery"), PASSWORD_REFUSED),
    ],
    ids=["anonymous", "bad-token", "password"],
)
def test_refused_credentials_read_nothing_of_the_body(
    client, publisher, spool, authorization, message
):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    before = snapshot()
    response, stream = post_counting(client, uploads.wheel_upload(), **headers)
    assert_error(response, 403, message)
    assert stream.bytes_read == 0
    assert list(spool.iterdir()) == []
    assert snapshot() == before


def test_a_switch_refuses_a_valid_token_without_reading_the_body(client, token, spool, switch_on):
    switch_on("read-only")
    response, stream = post_counting(
        client, uploads.wheel_upload(), HTTP_AUTHORIZATION=uploads.basic_auth("__token__", token)
    )
    assert_error(response, 503, READ_ONLY)
    assert stream.bytes_read == 0
    assert list(spool.iterdir()) == []


def test_retired_action_in_the_query_string_reads_nothing(client, spool):
    response, stream = post_counting(client, uploads.wheel_upload(), "/legacy/?:action=doc_upload")
    assert_error(
        response,
        410,
        "Uploading documentation is no longer supported, we recommend using "
        "https://readthedocs.org/.",
    )
    assert stream.bytes_read == 0


# Bodies without Content-Length -------------------------------------------------------------


def post_chunked(client: Client, upload: uploads.Upload, token: str, **environ: Any) -> Any:
    """``upload`` as a WSGI server passes a chunked request: no CONTENT_LENGTH, the
    de-chunked body in ``wsgi.input``."""
    body, content_type = upload.encode()
    return client.generic(
        "POST",
        "/legacy/",
        body,
        content_type=content_type,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_AUTHORIZATION=uploads.basic_auth("__token__", token),
        **{"wsgi.input": io.BytesIO(body)},
        **environ,
    )


def test_chunked_upload_is_read_when_the_server_ends_the_input(client, token):
    upload = uploads.wheel_upload()
    response = post_chunked(client, upload, token, **{"wsgi.input_terminated": True})
    assert response.status_code == 200, response.content
    assert File.objects.get().sha256_digest == dict(upload.fields)["sha256_digest"]


def test_chunked_upload_is_refused_with_411_when_the_server_does_not_end_the_input(client, token):
    before = snapshot()
    response = post_chunked(client, uploads.wheel_upload(), token)
    assert_error(response, 411, LENGTH_REQUIRED)
    assert snapshot() == before


def test_chunked_form_without_a_file_is_read_too(client, token):
    """A URL-encoded chunked body is read as well: here it lacks the file (check 7)."""
    fields = [(k, v) for k, v in uploads.wheel_upload().fields]
    body = "&".join(f"{k}={v}" for k, v in fields).encode()
    response = client.generic(
        "POST",
        "/legacy/",
        body,
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_AUTHORIZATION=uploads.basic_auth("__token__", token),
        **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True},
    )
    assert_error(response, 400, "Upload payload does not have a file.")


def _asgi_post(body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """POST ``body`` in 1000-byte messages to the site's ASGI application."""
    application = get_asgi_application()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/legacy/",
        "raw_path": b"/legacy/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # the client waits for the answer
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(application(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, content


@pytest.mark.django_db(transaction=True)
def test_chunked_upload_under_asgi_is_read(publisher, token, monkeypatch):
    # The view runs in a thread of its own, whose database connection only the end of the
    # request closes, and only when connections are not kept.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    body, content_type = uploads.wheel_upload().encode()
    status, content = _asgi_post(
        body,
        [
            (b"content-type", content_type.encode()),
            (b"transfer-encoding", b"chunked"),
            (b"authorization", uploads.basic_auth("__token__", token).encode()),
        ],
    )
    assert (status, content) == (200, b"")
    assert File.objects.count() == 1


# Client bytes that must not break the answer -----------------------------------------------


def test_control_characters_never_reach_the_reason_phrase(client, token):
    """A WSGI server refuses to send a status line with control characters (gunicorn answers
    500 instead): they become ``?`` there, and stay in the body."""
    response = client.generic(
        "POST",
        "/legacy/",
        b"--a\x01b--\r\n",
        content_type="multipart/form-data; boundary=a\x01b",
        HTTP_AUTHORIZATION=uploads.basic_auth("__token__", token),
    )
    message = "Invalid upload request: Invalid boundary in multipart: a{}b"
    assert (response.status_code, response.content.decode()) == (400, message.format("\x01"))
    assert response.reason_phrase == message.format("?")


def test_nul_in_the_filename_extension_is_check_17(refused, token):
    upload = uploads.wheel_upload()
    upload.files[0].filename = "sample-1.0-py3-none-any.wh\x00l"
    refused(
        upload,
        token,
        400,
        "Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL "
        "character (ordinal 127) in the name.",
    )


# A live server ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("live")
    spool = root / "spool"
    spool.mkdir()
    with running_site(root, worker_id, extra_env={"FILE_UPLOAD_TEMP_DIR": str(spool)}) as site:
        yield site


def test_live_anonymous_upload_is_answered_before_its_body(live):
    """An anonymous request announcing 300 MiB and sending 1 KiB of it is answered 403 and
    the connection closed: the server neither waits for the rest nor spools what came."""
    address = ("127.0.0.1", int(live.env["PORT"]))
    head = (
        "POST /legacy/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {300 * 1024 * 1024}\r\n\r\n"
    )
    response = b""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head.encode() + b"--b\r\n" + b"x" * 1024)
        try:
            while chunk := sock.recv(65536):  # until the server closes the connection
                response += chunk
        except ConnectionResetError:
            pass
    status = response.partition(b"\r\n")[0].decode()
    assert status.startswith("HTTP/1.1 403 Invalid or non-existent authentication information.")
    assert list((live.root / "spool").iterdir()) == []


def test_live_chunked_upload_is_stored(live):
    token = live.token(live.user("chunky"))
    upload = uploads.wheel_upload("chunked-sample", "1.0")
    body, content_type = upload.encode()
    connection = http.client.HTTPConnection("127.0.0.1", int(live.env["PORT"]), timeout=30)
    connection.request(
        "POST",
        "/legacy/",
        body=(body[i : i + 1000] for i in range(0, len(body), 1000)),
        headers={
            "Content-Type": content_type,
            "Authorization": uploads.basic_auth("__token__", token),
        },
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b""), response.reason
    connection.close()
    with urllib.request.urlopen(f"{live.url}/simple/chunked-sample/") as page:
        assert upload.files[0].filename in page.read().decode()
