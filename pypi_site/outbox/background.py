"""One background thread per process, for work that must not hold up a response.

Without a broker, a CDN purge runs here instead of in the request that committed the change:
``run(function)`` returns at once, the thread runs the functions one after the other. The
thread is a daemon: what it has not run when the process exits is lost from memory, which is
why it is only ever given work the outbox also keeps in its table.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable

from django.db import connections

logger = logging.getLogger(__name__)


class _Runner:
    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.pending = 0
        self.thread: threading.Thread | None = None

    def run(self, function: Callable[[], object]) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._loop, name="outbox-background", daemon=True
                )
                self.thread.start()
            self.pending += 1
        self.queue.put(function)

    def wait(self, timeout: float | None) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.pending == 0, timeout)

    def _loop(self) -> None:
        while True:
            function = self.queue.get()
            try:
                function()
            except Exception:
                logger.exception("Background work failed")
            finally:
                connections.close_all()  # this thread's own; none is kept open between jobs
                with self.idle:
                    self.pending -= 1
                    if self.pending == 0:
                        self.idle.notify_all()


_runner = _Runner()


def _after_fork() -> None:
    # A forked process (a gunicorn or Celery worker) has none of its parent's threads.
    global _runner
    _runner = _Runner()


os.register_at_fork(after_in_child=_after_fork)


def run(function: Callable[[], object]) -> None:
    """Run ``function`` on this process's background thread, after what was given before."""
    _runner.run(function)


def wait(timeout: float | None = None) -> bool:
    """Wait until everything given to ``run`` so far has finished; False if ``timeout`` passed
    first. For tests, and for a process that wants to finish its work before it exits."""
    return _runner.wait(timeout)
