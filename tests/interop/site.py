"""The site under test: gunicorn on a loopback port, set up the way ``make run`` sets it up.

Nothing here imports the project: the site runs in its own processes with
``pypi_site.settings.base`` and is configured only through environment variables, so the
clients see exactly what an operator's instance would serve. Accounts and tokens come from the
operator commands (``createuser``, ``createtoken``), as the README walkthrough does.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# All the site inherits from the test run's environment; what the settings read is set
# explicitly, so a developer's CACHE_URL or EMAIL_URL cannot leak into the site.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")
_REQUEST_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')
_MANAGE_TIMEOUT = 120
_START_TIMEOUT = 60


@dataclass(frozen=True)
class Request:
    """One line of gunicorn's access log."""

    method: str
    path: str
    status: int


@dataclass
class Site:
    url: str
    root: Path
    env: dict[str, str]
    access_log: Path
    server_log: Path
    _users: set[str] = field(default_factory=set)

    def manage(self, *args: str, input: str | None = None) -> str:
        """Run ``manage.py`` against the site's database and files; its stdout."""
        proc = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=_MANAGE_TIMEOUT,
        )
        return _checked(proc)

    def user(self, name: str) -> str:
        """A publisher (verified e-mail, authenticator app) named ``name``, created once."""
        if name not in self._users:
            totp_secret = base64.b32encode(secrets.token_bytes(20)).decode()
            self.manage(
                "createuser",
                name,
                "--email",
                f"{name}@example.com",
                "--password-stdin",
                "--verified",
                "--totp-secret",
                totp_secret,
                input=secrets.token_urlsafe(16) + "\n",
            )
            self._users.add(name)
        return name

    def token(
        self,
        user: str,
        projects: Sequence[str] = (),
        expires_in: int | None = None,
        *,
        manage: bool = False,
    ) -> str:
        """A new API token of ``user``, limited to ``projects`` when given; ``manage`` for one
        that may also use the project management API."""
        args = ["createtoken", user, *(["--manage"] if manage else [])]
        for project in projects:
            args += ["--project", project]
        if expires_in is not None:
            args += ["--expires-in", str(expires_in)]
        return self.manage(*args).strip().splitlines()[-1]

    def yank(self, project: str, version: str, reason: str = "") -> None:
        """Yank a release through the yank service (which journals, so the cached Simple page
        moves with the project's serial).
        """
        code = (
            "from packages.models import Project\n"
            "from packages.services.events import Actor\n"
            "from packages.services.releases import yank_release\n"
            f"project = Project.objects.get_by_name({project!r})\n"
            f"release = project.releases.find_by_version({version!r})\n"
            f"yank_release(release, actor=Actor(user=None), reason={reason!r})\n"
        )
        self.manage("shell", "-c", code)

    def log_mark(self) -> int:
        """A position in the access log; ``requests(since=mark)`` reads what came after."""
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def requests(self, since: int = 0) -> list[Request]:
        """The requests the site answered after ``since``, in order.

        gunicorn writes an access line just after sending the response, so a client can exit
        before the line of its last request is written: wait until the log stops growing.
        """
        size, deadline = -1, time.monotonic() + 5
        while size != (size := self.log_mark()) and time.monotonic() < deadline:
            time.sleep(0.25)
        with self.access_log.open("rb") as log:
            log.seek(since)
            text = log.read().decode("utf-8", "replace")
        found = (_REQUEST_LINE.search(line) for line in text.splitlines())
        return [Request(m["method"], m["path"], int(m["status"])) for m in found if m]

    def requested(self, since: int, method: str, suffix: str) -> bool:
        """Whether a ``method`` request for a path ending in ``suffix`` came after ``since``."""
        return any(r.method == method and r.path.endswith(suffix) for r in self.requests(since))

    def server_log_tail(self, since: int = 0) -> str:
        with self.server_log.open("rb") as log:
            log.seek(since)
            return log.read().decode("utf-8", "replace")[-20_000:]


def _checked(proc: subprocess.CompletedProcess[str] | subprocess.Popen[str]) -> str:
    """The stdout of a finished ``manage.py`` command that must have succeeded."""
    stdout, stderr = (
        (proc.stdout, proc.stderr)
        if isinstance(proc, subprocess.CompletedProcess)
        else proc.communicate(timeout=_MANAGE_TIMEOUT)
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(proc.args[1:])} exited {proc.returncode}\n"
            f"stdout:\n{stdout}\nstderr:\n{stderr}"
        )
    return stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database(worker: str) -> Iterator[str | None]:
    """A fresh database URL for one site, or None for the embedded SQLite default.

    With ``DATABASE_URL`` pointing at PostgreSQL (``scripts/with_postgres.py``), a new database
    is created on that server and dropped again afterwards. Otherwise the site keeps its
    SQLite file under ``VAR_DIR``, as ``make run`` does.
    """
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        yield None
        return
    import psycopg  # only the PostgreSQL run needs it
    from psycopg import sql

    suffix = re.sub(r"\W", "_", worker)
    name = f"interop_{suffix}_{secrets.token_hex(4)}"
    parts = urlsplit(server)
    # libpq reads a percent-encoded socket directory as the URI's host by itself.
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def site_env(
    root: Path,
    port: int,
    database_url: str | None,
    *,
    host: str = "127.0.0.1",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The site's whole environment; ``host`` names it in ``SITE_URL`` (the server still
    listens on 127.0.0.1), ``extra`` adds or overrides settings variables."""
    env = {key: os.environ[key] for key in _INHERITED if key in os.environ}
    var_dir = root / "var"
    env.update(
        DJANGO_SETTINGS_MODULE="pypi_site.settings.base",
        VAR_DIR=str(var_dir),
        FILES_ROOT=str(var_dir / "files"),
        SITE_URL=f"http://{host}:{port}",
        PORT=str(port),
        SECRET_KEY=secrets.token_urlsafe(50),
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra or {})
    return env


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/simple/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}/simple/ did not answer in time:\n{log.read_text()}")
        time.sleep(0.1)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=15)


@contextmanager
def running_site(
    root: Path,
    worker: str,
    *,
    host: str = "127.0.0.1",
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Site]:
    """Migrate a fresh database, collect static files, serve with two gunicorn workers.

    ``host`` and ``extra_env`` go to ``site_env``: the browser suite names the site
    ``localhost`` (WebAuthn wants a domain) and shortens the password re-confirmation window.
    """
    port = free_port()
    with database(worker) as database_url:
        env = site_env(root, port, database_url, host=host, extra=extra_env)
        # The temp dir an operator would point VAR_DIR at; the settings only create it when
        # they have to generate a secret key.
        Path(env["VAR_DIR"]).mkdir()
        site = Site(
            url=env["SITE_URL"],
            root=root,
            env=env,
            access_log=root / "access.log",
            server_log=root / "server.log",
        )
        # collectstatic needs no database: it runs beside the migrations.
        static = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            site.manage("migrate", "--noinput")
            site.manage("sync_classifiers")
        except BaseException:
            static.kill()
            static.communicate()
            raise
        _checked(static)
        with site.server_log.open("wb") as log:
            server = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    # Served as ``make run`` serves it.
                    "--config",
                    "pypi_site/gunicorn_conf.py",
                    "pypi_site.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    # A request stuck in the site fails its test in seconds, not minutes.
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "5",
                    "--access-logfile",
                    str(site.access_log),
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_up(site.url, server, site.server_log)
            yield site
        finally:
            _stop(server)


@pytest.fixture(autouse=True)
def no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test during which the site answered a 5xx fails, whatever the client made of it.

    Autouse in the suites that import it into their conftest (interop, browser)."""
    if "site" not in request.fixturenames:
        yield
        return
    running: Site = request.getfixturevalue("site")
    access, server = running.log_mark(), running.server_log.stat().st_size
    yield
    errors = [r for r in running.requests(since=access) if r.status >= 500]
    assert not errors, f"the site failed: {errors}\n{running.server_log_tail(since=server)}"
