"""Fixtures for the packages tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


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
