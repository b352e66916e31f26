"""A CDN's purge endpoint on loopback that records every purge it is sent.

It answers each ``POST`` with ``status`` (200 by default), after ``delay`` seconds; after
``hold()`` it takes each request and never answers it (until ``release()`` or ``stop()``).
``received`` lists every purge that arrived, ``answered`` those it accepted (2xx). ``down()`` stops
listening (connections are refused), ``up()`` listens again on the same port.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Purge:
    path: str
    keys: str
    headers: dict[str, str]


class FakeCdn:
    def __init__(self) -> None:
        self.received: list[Purge] = []
        self.answered: list[Purge] = []
        self.status = 200
        self.delay = 0.0
        self.hang = False
        self.location = ""
        self._released = threading.Event()
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/purge"

    def up(self) -> None:
        cdn = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                purge = Purge(
                    self.path,
                    self.headers.get("Surrogate-Key", ""),
                    {name.lower(): value for name, value in self.headers.items()},
                )
                cdn._record(cdn.received, purge)
                if cdn.hang:
                    cdn._released.wait(120)
                    self.close_connection = True
                    return
                if cdn.delay:
                    time.sleep(cdn.delay)
                self.send_response(cdn.status)
                if cdn.location:
                    self.send_header("Location", cdn.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if 200 <= cdn.status < 300:
                    cdn._record(cdn.answered, purge)

            def log_message(self, *args: object) -> None:
                pass

        self._released.clear()
        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_port
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._released.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    stop = down

    def hold(self) -> None:
        """Take every request from now on and never answer it: a CDN that hangs."""
        self._released.clear()
        self.hang = True

    def release(self) -> None:
        """Let the held requests go (unanswered) and answer again from now on."""
        self.hang = False
        self._released.set()

    def _record(self, into: list[Purge], purge: Purge) -> None:
        with self._changed:
            into.append(purge)
            self._changed.notify_all()

    def wait_for(self, count: int, *, answered: bool = False, timeout: float = 30) -> list[Purge]:
        """The purges received (or answered) once there are at least ``count``."""
        into = self.answered if answered else self.received
        with self._changed:
            if not self._changed.wait_for(lambda: len(into) >= count, timeout):
                raise AssertionError(f"the CDN got {len(into)} purges, expected {count}")
            return list(into)
