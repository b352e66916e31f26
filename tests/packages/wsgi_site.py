"""The site under gunicorn's synchronous WSGI workers, for tests that need a real server process:
what the server reads of a refused request, and uploads killed half-way.

The site is set up as ``tests/interop/site.py`` sets it up (its own database and files, the
operator commands), but served as docs/operations.md deploys it:
``gunicorn pypi_site.wsgi:application``. The test knows the server's process id, so it can find
the worker serving a request and kill it.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.interop.site import BIN, REPO, Site, database, free_port, site_env

_START_TIMEOUT = 60


@dataclass
class WsgiSite:
    site: Site
    server: subprocess.Popen[bytes]

    @property
    def files_root(self) -> Path:
        return Path(self.site.env["FILES_ROOT"])

    def workers(self) -> list[int]:
        """The process ids of the server's workers."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == self.server.pid:
                found.append(int(entry.name))
        return found

    def worker_holding(self, path: Path, timeout: float = 20) -> int:
        """The worker that has ``path`` open (waits until one has)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pid in self.workers():
                try:
                    fds = list(Path(f"/proc/{pid}/fd").iterdir())
                except OSError:
                    continue
                for fd in fds:
                    try:
                        if Path(fd.readlink()) == path:
                            return pid
                    except OSError:
                        continue
            time.sleep(0.05)
        raise AssertionError(f"no worker has {path} open")


@contextmanager
def wsgi_site(
    root: Path, worker: str, *, extra_env: Mapping[str, str] | None = None
) -> Iterator[WsgiSite]:
    port = free_port()
    with database(worker) as database_url:
        env = site_env(root, port, database_url, extra=extra_env)
        Path(env["VAR_DIR"]).mkdir()
        site = Site(
            url=env["SITE_URL"],
            root=root,
            env=env,
            access_log=root / "access.log",
            server_log=root / "server.log",
        )
        site.manage("migrate", "--noinput")
        site.manage("collectstatic", "--noinput", "--verbosity", "0")
        with site.server_log.open("wb") as log:
            server = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "pypi_site.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "5",
                    "--access-logfile",
                    str(site.access_log),
                    "--no-control-socket",
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_up(site, server)
            yield WsgiSite(site, server)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=15)


def _wait_until_up(site: Site, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {site.server_log_tail()}")
        try:
            with urllib.request.urlopen(f"{site.url}/simple/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the site did not answer in time: {site.server_log_tail()}")
        time.sleep(0.1)
