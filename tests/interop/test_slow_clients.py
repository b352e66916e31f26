"""Slow clients against the site served as ``make run`` serves it: a handful of connections
that send their headers or bodies slowly, or stop half-way, must not stop it answering."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest

from .site import Site, running_site

READ_TIMEOUT = 2  # the site's GUNICORN_READ_TIMEOUT here, to keep the test short


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("slow-site")
    extra = {"GUNICORN_READ_TIMEOUT": str(READ_TIMEOUT)}
    with running_site(root, f"{worker_id}-slow", extra_env=extra) as running:
        yield running


def _connect(site: Site) -> socket.socket:
    parts = urlsplit(site.url)
    return socket.create_connection((parts.hostname, parts.port), timeout=30)


def _trickle(sock: socket.socket, head: bytes, byte: bytes, stop: threading.Event) -> None:
    """Send ``head``, then one ``byte`` a second until told to stop (or dropped)."""
    try:
        sock.sendall(head)
        while not stop.wait(1):
            sock.sendall(byte)
    except OSError:
        pass


SLOW_HEADERS = b"GET /simple/ HTTP/1.1\r\nHost: localhost\r\n"
# XML-RPC reads its whole body before answering (an upload without credentials is refused
# before its body is read, so it would not test this).
SLOW_BODY = (
    b"POST /pypi HTTP/1.1\r\nHost: localhost\r\n"
    b"Content-Type: text/xml\r\nContent-Length: 100000\r\n\r\n"
)


@pytest.mark.parametrize("head", [SLOW_HEADERS, SLOW_BODY], ids=["headers", "body"])
def test_a_handful_of_slow_clients_do_not_stop_the_site(slow_site, head):
    stop = threading.Event()
    with ExitStack() as stack:
        for _ in range(8):
            sock = stack.enter_context(_connect(slow_site))
            threading.Thread(target=_trickle, args=(sock, head, b"a", stop), daemon=True).start()
        stack.callback(stop.set)
        time.sleep(READ_TIMEOUT)  # every slow client is in the middle of its request now
        for _ in range(3):
            with urllib.request.urlopen(f"{slow_site.url}/simple/", timeout=20) as response:
                assert response.status == 200


@pytest.mark.parametrize(
    "head",
    [b"GET /simple/ HTTP/1.1\r\nHost: loc", SLOW_BODY + b"<?xml version="],
    ids=["headers", "body"],
)
def test_a_client_that_stops_half_way_is_dropped(slow_site, head):
    with _connect(slow_site) as sock:
        sock.sendall(head)
        sock.settimeout(READ_TIMEOUT * 10)
        received = b""
        while chunk := sock.recv(65536):  # until the site closes the connection
            received += chunk
    assert not received.startswith(b"HTTP/1.1 2")
