"""gunicorn's threaded worker, with a read timeout on every client connection.

gunicorn's ``gthread`` worker hands a connection to a thread once its first bytes arrive, and
from then on reads it without a timeout: a client that sends its headers or body slowly, or
stops half-way, holds that thread for as long as it likes. Here every read on a client socket
gives up after ``READ_TIMEOUT`` seconds of silence (``GUNICORN_READ_TIMEOUT``, default 30), and
gunicorn then drops the connection. A handful of slow clients take a handful of threads for at
most that long each; the other threads keep serving.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

READ_TIMEOUT = float(os.environ.get("GUNICORN_READ_TIMEOUT", "30"))


class ReadTimeoutSocket:
    """A client socket whose blocking mode is "block for at most ``timeout`` seconds"."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock = sock
        self._timeout = timeout

    def setblocking(self, flag: bool) -> None:
        if flag:
            self._sock.settimeout(self._timeout)
        else:
            self._sock.setblocking(False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class ReadTimeoutThreadWorker(ThreadWorker):
    def enqueue_req(self, conn: Any) -> None:
        if not isinstance(conn.sock, ReadTimeoutSocket):
            conn.sock = ReadTimeoutSocket(conn.sock, READ_TIMEOUT)
        super().enqueue_req(conn)
