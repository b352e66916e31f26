"""The broker, the CDN and the Celery worker failing under a live site: no committed upload
loses its file, no purge or mail is lost, and all of it is done once the part is back.

The site is gunicorn as ``make run`` serves it (``tests/interop/site.py``), with a real
``redis-server`` as its broker, a real ``celery -A pypi_site worker -B`` (beat embedded: the
outbox drains every second here) and a CDN purge endpoint on loopback (``FakeCdn``) that can be
down (connection refused) or hang (takes the request, never answers). The worker shares the
site's database (SQLite file under the site's VAR_DIR, or a PostgreSQL database of its own) and
writes its mail as files under ``VAR_DIR/mail``.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.faults.servers import Server, new_redis_server
from tests.interop.clients import build, pip, succeeded, twine_upload
from tests.interop.site import BIN, REPO, Site, no_server_errors, running_site
from tests.pypi_site.outbox.fake_cdn import FakeCdn, Purge

pytestmark = pytest.mark.interop

PURGE = "packages.tasks.purge_cdn"
MAIL = "accounts.tasks.send_email"
AUTH_SECRET = "purge-" + uuid.uuid4().hex
URL_PASSWORD = "pa:ss-" + uuid.uuid4().hex[:8]
VISIBILITY_TIMEOUT = 3  # seconds before Redis hands an unacknowledged task out again
WAIT = 90

__all__ = ["no_server_errors"]  # autouse: a 5xx from the site fails the test


class Worker:
    """``celery -A pypi_site worker -B`` with the site's environment, in its own process group."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.log = site.root / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        mark = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "pypi_site",
                    "worker",
                    "--beat",
                    "--schedule-filename",
                    str(self.site.root / "beat-schedule"),
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "1",
                    "--hostname",
                    f"outbox-{uuid.uuid4().hex[:8]}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=REPO,
                env=self.site.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_until(lambda: b" ready." in self.log_bytes(mark), "the worker to start", self)

    def log_bytes(self, since: int = 0) -> bytes:
        with self.log.open("rb") as log:
            log.seek(since)
            return log.read()

    def kill(self) -> None:
        """SIGKILL the worker, its pool process and its beat at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        process, self.process = self.process, None
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        except ProcessLookupError:
            pass


def wait_until(condition: Callable[[], Any], what: str, worker: Worker | None = None) -> Any:
    deadline = time.monotonic() + WAIT
    while not (result := condition()):
        if time.monotonic() > deadline:
            log = worker.log_bytes().decode(errors="replace")[-5000:] if worker else ""
            raise AssertionError(f"waited {WAIT} s for {what}\n{log}")
        time.sleep(0.2)
    return result


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with new_redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def cdn() -> Iterator[FakeCdn]:
    server = FakeCdn()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, redis: Server, cdn: FakeCdn
) -> Iterator[Site]:
    credentials = "purger:" + URL_PASSWORD.replace(":", "%3A")
    env = {
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis.port}/0",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CDN_PURGE_URL": cdn.url.replace("http://", f"http://{credentials}@"),
        "CDN_PURGE_AUTH_HEADER": f"X-Purge-Key: {AUTH_SECRET}",
        "CDN_PURGE_TIMEOUT": "3",
        "OUTBOX_DRAIN_INTERVAL_SECONDS": "1",
        "OUTBOX_RETRY_SECONDS": "1",
        # Longer than any test waits: a job a dead worker held is delivered by the broker's
        # redelivery of its task, not by the drain.
        "OUTBOX_LEASE_SECONDS": "600",
    }
    with running_site(tmp_path_factory.mktemp("site"), worker_id, extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def worker(site: Site) -> Iterator[Worker]:
    running = Worker(site)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def token(site: Site) -> str:
    return site.token(site.user("faults"))


@pytest.fixture(scope="module")
def manage_token(site: Site) -> str:
    return site.token(site.user("faults"), manage=True)


def jobs(site: Site) -> list[tuple[str, int, str]]:
    """The outbox: (name, failed attempts, last error) of each job, oldest first."""
    query = "SELECT name, attempts, last_error FROM outbox_job ORDER BY id"
    url = site.env.get("DATABASE_URL")
    if url:
        import psycopg  # only the PostgreSQL run needs it

        with psycopg.connect(url) as connection:
            return [tuple(row) for row in connection.execute(query).fetchall()]  # type: ignore[misc]
    database = Path(site.env["VAR_DIR"]) / "db.sqlite3"
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)) as db:
        return db.execute(query).fetchall()


def purges_of(cdn: FakeCdn, project: str, *, answered: bool = False) -> list[Purge]:
    key = f"project/{project} simple-index"
    return [p for p in (cdn.answered if answered else cdn.received) if p.keys == key]


def failed_purge(site: Site, worker: Worker) -> str:
    """Wait for a purge job that has failed at least once; return its last error."""
    failed = wait_until(
        lambda: [job for job in jobs(site) if job[0] == PURGE and job[1] >= 1],
        "a failed purge",
        worker,
    )
    return failed[0][2]


def mails(site: Site) -> str:
    directory = Path(site.env["VAR_DIR"]) / "mail"
    files = sorted(directory.glob("*")) if directory.exists() else []
    return "\n".join(path.read_text(errors="replace") for path in files)


def upload(site: Site, token: str, project: str, directory: Path) -> Path:
    """Upload a wheel of ``project`` 1.0 with twine; it must succeed at the first try."""
    [wheel] = build(directory, project, "1.0", sdist=False)
    mark = site.log_mark()
    succeeded(twine_upload(site, token, [wheel]))
    posts = [r for r in site.requests(since=mark) if r.method == "POST"]
    assert [(r.path, r.status) for r in posts] == [("/legacy/", 200)]  # no retry
    return wheel


def installable(site: Site, project: str, target: Path) -> None:
    succeeded(pip("install", "--index-url", f"{site.url}/simple/", "--target", target, project))
    with urllib.request.urlopen(f"{site.url}/pypi/{project}/json", timeout=30) as answer:
        [file] = json.load(answer)["urls"]
    with urllib.request.urlopen(file["url"], timeout=30) as download:
        assert download.status == 200
        assert len(download.read()) == file["size"]


def assert_credentials_sent(purge: Purge) -> None:
    assert purge.path == "/purge"
    assert purge.headers["x-purge-key"] == AUTH_SECRET
    basic = base64.b64decode(purge.headers["authorization"].removeprefix("Basic ")).decode()
    assert basic == f"purger:{URL_PASSWORD}"


def test_broker_down_during_an_upload_loses_nothing(
    site, token, manage_token, redis, cdn, worker, tmp_path
):
    redis.stop()
    try:
        upload(site, token, "broker-down", tmp_path)
        # Committed and complete: the row, its file, installable.
        installable(site, "broker-down", tmp_path / "installed")
        # A mail to send while the broker is down: yanking mails the project's Owners.
        request = urllib.request.Request(
            f"{site.url}/api/projects/broker-down/releases/1.0/yank/",
            method="POST",
            headers={"Authorization": f"Bearer {manage_token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
        waiting = {name for name, _, _ in jobs(site)}
        assert {PURGE, MAIL} <= waiting
        assert purges_of(cdn, "broker-down") == []
        assert "broker-down" not in mails(site)
    finally:
        redis.start()
    # The worker reconnects and beat's drain delivers what waited.
    wait_until(lambda: not jobs(site), "the outbox to empty", worker)
    [purge, *_] = purges_of(cdn, "broker-down", answered=True)
    assert_credentials_sent(purge)
    assert "broker-down" in mails(site)
    assert "faults@example.com" in mails(site)


def test_cdn_down_then_back(site, token, cdn, worker, tmp_path):
    cdn.down()
    try:
        upload(site, token, "cdn-down", tmp_path)
        assert "Connection refused" in failed_purge(site, worker)
    finally:
        cdn.up()
    wait_until(lambda: purges_of(cdn, "cdn-down", answered=True), "the purge", worker)
    wait_until(lambda: not jobs(site), "the outbox to empty", worker)
    assert_credentials_sent(purges_of(cdn, "cdn-down", answered=True)[0])


def test_a_hanging_cdn_holds_up_nothing_and_is_purged_later(site, token, cdn, worker, tmp_path):
    cdn.hold()
    try:
        upload(site, token, "cdn-hangs", tmp_path)
        installable(site, "cdn-hangs", tmp_path / "installed")
        # The upload answered while the CDN still held the purge: nothing has been answered.
        wait_until(lambda: purges_of(cdn, "cdn-hangs"), "the purge to be attempted")
        assert purges_of(cdn, "cdn-hangs", answered=True) == []
        assert "timed out" in failed_purge(site, worker)
    finally:
        cdn.release()
    wait_until(lambda: purges_of(cdn, "cdn-hangs", answered=True), "the purge", worker)
    wait_until(lambda: not jobs(site), "the outbox to empty", worker)


def test_a_worker_killed_mid_task_loses_no_work(site, token, cdn, worker, tmp_path):
    cdn.hold()
    try:
        upload(site, token, "worker-killed", tmp_path)
        wait_until(lambda: purges_of(cdn, "worker-killed"), "the worker to be purging", worker)
        worker.kill()  # in the middle of the purge
        killed = time.monotonic()
    finally:
        cdn.release()
    # The job is still there, and no failure was recorded: its worker died holding it.
    assert (PURGE, 0, "") in jobs(site)
    assert purges_of(cdn, "worker-killed", answered=True) == []
    # Unacknowledged, the task goes back to the queue once the visibility timeout has passed
    # (a restarted worker looks at start-up); the outbox's lease is far longer, so it is this
    # redelivery that does the work.
    time.sleep(max(0.0, killed + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    worker.start()
    wait_until(lambda: purges_of(cdn, "worker-killed", answered=True), "the purge", worker)
    wait_until(lambda: not jobs(site), "the outbox to empty", worker)


def test_no_credential_reaches_a_log(site, worker):
    logs = worker.log_bytes().decode(errors="replace") + site.server_log_tail()
    for secret in (AUTH_SECRET, URL_PASSWORD, URL_PASSWORD.replace(":", "%3A")):
        assert secret not in logs
