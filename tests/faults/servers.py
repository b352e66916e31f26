"""Real servers that fault tests start, stop, pause and start again: each in its own process
group on a free loopback port, always stopped at the end (``Server`` is a context manager)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Server:
    """One server process on ``port`` (the same port across restarts)."""

    def __init__(
        self,
        name: str,
        argv: Callable[[int], list[str]],
        log_dir: Path,
        ready: Callable[[int], bool] = _accepts,
    ) -> None:
        self.name = name
        self.port = free_port()
        self._argv = argv
        self._ready = ready
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        assert self.process is None, f"{self.name} is already running"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self._argv(self.port),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, stopped as one
                cwd=self.log.parent,
            )
        deadline = time.monotonic() + timeout
        while not self._ready(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start: see {self.log}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL); the port stays this server's for a restart."""
        if self.process is None:
            return
        process, self.process = self.process, None
        self._signal(process, signal.SIGCONT)  # a paused process cannot act on SIGTERM
        self._signal(process, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal(process, signal.SIGKILL)
            process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: connections are still accepted (by the kernel) and never answered."""
        assert self.process is not None
        self._signal(self.process, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self._signal(self.process, signal.SIGCONT)

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def new_redis_server(log_dir: Path) -> Server:
    """``redis-server`` without persistence: a restart comes back empty, as after a crash."""
    return Server(
        "redis",
        lambda port: [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(log_dir),
        ],
        log_dir,
    )


def _moto_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=0.5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def new_moto_server(log_dir: Path) -> Server:
    """moto's S3 server mode: an S3-compatible store in memory (empty after a restart)."""
    return Server(
        "moto",
        lambda port: [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        log_dir,
        ready=_moto_ready,
    )


def production_settings(tmp_path: Path, **env: str) -> dict[str, Any]:
    """``CACHES``, ``STORAGES`` and ``FILES_SERVE_MODE`` as ``pypi_site/settings/base.py``
    builds them from ``env`` (and nothing else of this process's environment)."""
    script = (
        "import json, sys\n"
        "from pypi_site.settings import base\n"
        "json.dump({name: getattr(base, name) for name in "
        "('CACHES', 'STORAGES', 'FILES_SERVE_MODE')}, sys.stdout)\n"
    )
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**base, "VAR_DIR": str(tmp_path / "var"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(result.stdout))
