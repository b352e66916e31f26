"""A fresh site for one benchmark run: its directory, database, operator commands and gunicorn.

Everything is configured the way an operator would, through environment variables
(``pypi_site/settings/base.py``); nothing in the project is imported here.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psutil

REPO = Path(__file__).resolve().parent.parent
USERNAME = "bench"
# Variables a developer's shell may hold that would change what is measured.
_CLEARED_ENV = (
    "DATABASE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "FILES_STORAGE",
    "FILES_URL",
    "FILES_SERVE_MODE",
    "EMAIL_URL",
    "DEBUG",
    "CDN_PURGE_URL",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
)


def create_user(manage: Callable[..., str]) -> str:
    """Create the benchmark's user (``USERNAME``: verified, with 2FA, as an operator makes
    one) through ``manage(*args, stdin=...)``, which runs ``manage.py`` and returns its
    output; return a new API token for it."""
    totp = base64.b32encode(secrets.token_bytes(20)).decode()
    manage(
        "createuser",
        USERNAME,
        "--email",
        "bench@example.com",
        "--password-stdin",
        "--verified",
        "--totp-secret",
        totp,
        stdin=secrets.token_urlsafe(24) + "\n",
    )
    return str(manage("createtoken", USERNAME)).strip().splitlines()[-1].strip()


@dataclass
class Database:
    """The database a run uses, and how to throw it away afterwards."""

    url: str
    vendor: str  # "sqlite" or "postgresql"
    version: str = ""
    drop: Callable[[], None] | None = None


def sqlite_database(root: Path) -> Database:
    import sqlite3

    return Database(f"sqlite:///{root / 'db.sqlite3'}", "sqlite", sqlite3.sqlite_version)


def postgres_database(server_url: str) -> Database:
    """A new, empty database on the server ``server_url`` points at (any database on it)."""
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        row = conn.execute("SHOW server_version").fetchone()
    version = row[0] if row else ""
    parts = urlsplit(server_url)
    url = urlunsplit((parts.scheme, parts.netloc, "/" + quote(name), parts.query, ""))

    def drop() -> None:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return Database(url, "postgresql", version, drop)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Site:
    """A site in ``root`` on ``database``, served (when gunicorn runs) at 127.0.0.1:``port``."""

    root: Path
    database: Database
    port: int
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _CLEARED_ENV}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "pypi_site.settings.base",
                "VAR_DIR": str(self.root / "var"),
                "FILES_ROOT": str(self.root / "files"),
                "DATABASE_URL": self.database.url,
                "PORT": str(self.port),
                "SITE_URL": f"http://127.0.0.1:{self.port}",
                "SECRET_KEY": self._secret_key(),
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(REPO),
            }
        )
        env.update(self.extra_env)
        return env

    def _secret_key(self) -> str:
        path = self.root / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
        return path.read_text()

    def manage(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def setup(self) -> str:
        """Migrate, create a verified user with 2FA, and return a new API token for it."""
        (self.root / "var" / "static").mkdir(parents=True, exist_ok=True)  # whitenoise's root
        self.manage("migrate", "--noinput")
        return create_user(self.manage)


class Gunicorn:
    """gunicorn as ``make run`` starts it (``pypi_site/gunicorn_conf.py``) with ``workers``
    workers, as a context."""

    def __init__(self, site: Site, workers: int, timeout: int = 300) -> None:
        self.site = site
        self.workers = workers
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.log = site.root / f"gunicorn-{workers}w.log"

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        cmd = [
            str(gunicorn if gunicorn.exists() else shutil.which("gunicorn") or "gunicorn"),
            "--config",
            "pypi_site/gunicorn_conf.py",
            "pypi_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.site.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            str(self.timeout),
            "--error-logfile",
            str(self.log),
        ]
        self.process = subprocess.Popen(cmd, cwd=REPO, env=self.site.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            if len(self.worker_pids()) == self.workers and self._accepts():
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start in 60 s; see {self.log}")

    def _accepts(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.site.port)):
            return True
        return False

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        with contextlib.suppress(psutil.NoSuchProcess):
            return [child.pid for child in psutil.Process(self.process.pid).children()]
        return []

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def proc_status(pid: int) -> dict[str, int]:
    """The ``Vm*`` / ``Rss*`` lines of ``/proc/<pid>/status``, in KiB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key.startswith(("Vm", "Rss")):
            values[key] = int(rest.split()[0])
    return values


@contextlib.contextmanager
def temporary_root(keep: bool) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="pypi-bench-"))
    try:
        yield root
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _task_cpu_ns(pid: int) -> int | None:
    """Nanoseconds ``pid`` (all its threads) has run on a CPU, from ``schedstat``."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError):
        return None
    return total


class CpuMeter:
    """CPU time used by the server side: the gunicorn workers, plus the PostgreSQL backends
    serving the run's database (their process title names it). Machine load slows wall-clock
    times but barely changes CPU time, so this is the load-robust cost of a request."""

    def __init__(self, server: Gunicorn, database: Database) -> None:
        self.server = server
        self.db_name = database.url.rsplit("/", 1)[-1] if database.vendor == "postgresql" else ""
        self.seen: dict[int, int] = {}  # pid -> last CPU ns (kept when a process exits)
        self.backends: list[int] = []

    def _pids(self) -> list[int]:
        return [*self.server.worker_pids(), *self.backends]

    def refresh_backends(self) -> None:
        """Find the database's backends again (call between measurements, it lists processes)."""
        if not self.db_name:
            return
        self.backends = [
            p.pid
            for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] and f" {self.db_name} " in " ".join(p.info["cmdline"]) + " "
        ]

    def seconds(self) -> float:
        for pid in self._pids():
            ns = _task_cpu_ns(pid)
            if ns is not None:
                self.seen[pid] = max(ns, self.seen.get(pid, 0))
        return sum(self.seen.values()) / 1e9
