"""Housekeeping with real files: what it removes from package storage and from the upload spool
directory, and what it must keep; the task and its schedule. The command's output is tested in
``management/test_housekeeping.py``.

The last tests kill a live gunicorn worker in the middle of an upload (while the body arrives,
and between storing the file and committing its row) and show that the command cleans up what
the upload left.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import os
import signal
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from packages import housekeeping
from packages.storage import file_path
from packages.tasks import run_housekeeping
from packages.upload.handlers import ReceivedDistribution
from tests import uploads
from tests.interop.site import Site, running_site
from tests.packages.factories import FileFactory

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture
def storage_root(settings: Any, tmp_path: Path) -> Path:
    """Package storage of this test alone (the session's is shared by every test)."""
    root = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "allow_overwrite": True},
        },
    }
    return root


@pytest.fixture
def spool(settings: Any, tmp_path: Path) -> Path:
    directory = tmp_path / "spool"
    directory.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(directory)
    return directory


def write(path: Path, age: float = 0) -> Path:
    """A file at ``path`` last modified ``age`` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"bytes of " + path.name.encode())
    when = time.time() - age
    os.utime(path, (when, when))
    return path


def stored(root: Path, filename: str, age: float, content: bytes | None = None) -> str:
    """An object for ``filename`` in storage at its content-addressed path; its name."""
    digest = hashlib.blake2b(content or filename.encode(), digest_size=32).hexdigest()
    name = file_path(digest, filename)
    write(root / name, age)
    return name


def remaining(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


# Stored objects ----------------------------------------------------------------------------


def test_old_orphans_are_removed_young_and_referenced_objects_kept(storage_root):
    file = FileFactory()
    referenced = {file.path, file.metadata_path}
    for name in referenced:
        write(storage_root / name, 8 * HOUR)
    orphan = stored(storage_root, "killed-1.0-py3-none-any.whl", 7 * HOUR)
    orphan_metadata = write(storage_root / f"{orphan}.metadata", 7 * HOUR)
    young = stored(storage_root, "in_flight-1.0-py3-none-any.whl", 5 * HOUR)

    report = housekeeping.run()

    removed = {orphan, str(orphan_metadata.relative_to(storage_root))}
    assert sorted(report.objects) == sorted(removed)
    assert report.failures == []
    assert remaining(storage_root) == referenced | {young}


def test_dry_run_removes_nothing(storage_root):
    orphan = stored(storage_root, "killed-1.0-py3-none-any.whl", 7 * HOUR)
    report = housekeeping.run(dry_run=True)
    assert report.objects == [orphan]
    assert remaining(storage_root) == {orphan}


def test_grace_period_is_a_setting(storage_root, settings):
    orphan = stored(storage_root, "killed-1.0-py3-none-any.whl", 2 * HOUR)
    assert housekeeping.run().objects == []
    settings.HOUSEKEEPING_ORPHAN_GRACE_SECONDS = HOUR
    assert housekeeping.run().objects == [orphan]
    assert remaining(storage_root) == set()


def test_a_deleted_files_objects_are_kept(storage_root):
    """Deleting a file keeps its objects on purpose; its name stays in the registry."""
    file = FileFactory()
    for name in (file.path, file.metadata_path):
        write(storage_root / name, 8 * HOUR)
    file.delete()
    assert housekeeping.run().objects == []
    assert remaining(storage_root) == {file.path, file.metadata_path}


def test_a_leftover_whose_name_was_uploaded_later_with_other_bytes_is_removed(storage_root):
    """A killed upload of ``sample-1.0...whl``, then the same name uploaded with other bytes:
    the name is registered, but the leftover is not that file's object."""
    file = FileFactory()
    write(storage_root / file.path, 8 * HOUR)
    leftover = stored(storage_root, file.filename, 9 * HOUR, content=b"other bytes")
    assert housekeeping.run().objects == [leftover]
    assert remaining(storage_root) == {file.path}


# Temporary upload files --------------------------------------------------------------------


def test_stale_upload_spool_files_are_removed_and_nothing_else(storage_root, spool):
    """(The storage root does not exist here: nothing was ever stored.)"""
    stale = write(spool / "pypi-upload-abc123.part", 7 * HOUR)
    young = write(spool / "pypi-upload-def456.part", 5 * HOUR)
    others = [
        write(spool / "tmpxyz.upload.whl", 7 * HOUR),  # Django's own name: not ours
        write(spool / "pypi-upload-abc123.txt", 7 * HOUR),
        write(spool / "other" / "pypi-upload-nested.part", 7 * HOUR),
    ]
    directory = spool / "pypi-upload-dir.part"
    directory.mkdir()
    link = spool / "pypi-upload-link.part"
    link.symlink_to(others[0])
    os.utime(link, (time.time() - 7 * HOUR,) * 2, follow_symlinks=False)

    report = housekeeping.run()

    assert report.temp_files == [stale]
    assert not stale.exists()
    assert young.exists() and directory.exists() and link.is_symlink()
    assert all(path.exists() for path in others)


def test_the_upload_handlers_spool_file_is_found_once_stale(storage_root, spool):
    """What a killed process leaves: the handler's open spool file, never closed."""
    received = ReceivedDistribution("sample-1.0-py3-none-any.whl", None, None, None)
    try:
        received.write(b"half an upload")
        received.flush()
        path = Path(received.temporary_file_path())
        assert path.parent == spool
        assert housekeeping.run().temp_files == []
        os.utime(path, (time.time() - 7 * HOUR,) * 2)
        assert housekeeping.run().temp_files == [path]
        assert not path.exists()
    finally:
        received.close()


def test_spool_directory_defaults_to_the_system_temporary_directory(settings):
    settings.FILE_UPLOAD_TEMP_DIR = None
    assert housekeeping.upload_temp_dir() == Path(tempfile.gettempdir())


# The periodic task -------------------------------------------------------------------------


def test_the_task_removes_orphans(storage_root, spool):
    stored(storage_root, "killed-1.0-py3-none-any.whl", 7 * HOUR)
    write(spool / "pypi-upload-abc123.part", 7 * HOUR)
    result = run_housekeeping.delay().get()
    assert result == {
        "objects": 1,
        "temp_files": 1,
        "failures": 0,
        "invitations_expired": 0,
        "outbox_delivered": 0,
    }
    assert remaining(storage_root) == set()


def test_celery_beat_runs_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["housekeeping"]
    assert entry["task"] == run_housekeeping.name
    assert entry["schedule"] == 24 * HOUR


# Uploads killed on a live server -----------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    """A site served as ``make run`` serves it, spooling uploads to ``<root>/spool``."""
    root = tmp_path_factory.mktemp("live")
    spool = root / "spool"
    spool.mkdir()
    with running_site(root, worker_id, extra_env={"FILE_UPLOAD_TEMP_DIR": str(spool)}) as site:
        yield site


@pytest.fixture(scope="module")
def live_token(live: Site) -> str:
    return live.token(live.user("interrupted"))


def run_command(live: Site, *args: str) -> list[str]:
    """``manage.py housekeeping`` against the live site, with no grace period."""
    env = {**live.env, "HOUSEKEEPING_ORPHAN_GRACE_SECONDS": "0"}
    return dataclasses.replace(live, env=env).manage("housekeeping", *args).splitlines()


def worker_holding(path: Path, timeout: float = 20) -> int:
    """The gunicorn worker that has ``path`` open, waiting until one has.

    The workers of the sites this test process started are its grandchildren (it starts the
    gunicorn master, which forks them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
        workers = [pid for pid, ppid in parents.items() if parents.get(ppid) == os.getpid()]
        for pid in workers:
            try:
                if any(fd.readlink() == path for fd in Path(f"/proc/{pid}/fd").iterdir()):
                    return pid
            except OSError:
                continue
        time.sleep(0.05)
    raise AssertionError(f"no worker has {path} open")


def post(live: Site, upload: uploads.Upload, token: str) -> int:
    body, content_type = upload.encode()
    connection = http.client.HTTPConnection("127.0.0.1", int(live.env["PORT"]), timeout=30)
    try:
        connection.request(
            "POST",
            "/legacy/",
            body=body,
            headers={
                "Content-Type": content_type,
                "Authorization": uploads.basic_auth("__token__", token),
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


def simple_status(live: Site, project: str) -> int:
    try:
        with urllib.request.urlopen(f"{live.url}/simple/{project}/") as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_live_upload_killed_between_storing_and_committing(live, live_token):
    upload = uploads.wheel_upload("interrupted", "1.0")
    part = upload.files[0]
    digest = hashlib.blake2b(part.content, digest_size=32).hexdigest()
    name = file_path(digest, part.filename)
    stored_file = Path(live.env["FILES_ROOT"]) / name
    # The wheel's METADATA is stored after the wheel: a FIFO in its place makes the upload
    # wait there, with the wheel stored and the transaction open, until the worker is killed.
    stored_file.parent.mkdir(parents=True)
    os.mkfifo(f"{stored_file}.metadata")
    failed: list[BaseException] = []

    def send() -> None:
        try:
            post(live, upload, live_token)
        except (http.client.HTTPException, OSError) as exc:
            failed.append(exc)

    client = threading.Thread(target=send)
    client.start()
    # The worker's spool file, moved into storage, is still open: that worker is the one.
    os.kill(worker_holding(stored_file), signal.SIGKILL)
    client.join(timeout=30)
    assert failed, "the upload was answered"
    assert stored_file.exists()
    assert simple_status(live, "interrupted") == 404  # no row was committed

    assert run_command(live, "--dry-run")[:2] == [
        f"Would remove stored object {name}",
        f"Would remove stored object {name}.metadata",
    ]
    assert stored_file.exists()
    assert run_command(live)[:2] == [
        f"Removed stored object {name}",
        f"Removed stored object {name}.metadata",
    ]
    assert not stored_file.exists()

    # The same upload goes through now, and housekeeping leaves its objects alone.
    assert post(live, upload, live_token) == 200
    assert not any(name in line for line in run_command(live))
    assert stored_file.exists() and Path(f"{stored_file}.metadata").exists()


def test_live_upload_killed_while_its_body_arrives(live, live_token):
    spool = live.root / "spool"
    body, content_type = uploads.wheel_upload("interrupted-early", "1.0").encode()
    head = (
        "POST /legacy/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Authorization: {uploads.basic_auth('__token__', live_token)}\r\n"
        f"Content-Length: {len(body) + 10 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", int(live.env["PORT"])), timeout=10) as sock:
        # The body up to the end of the file part, then 256 KiB more of the file; the rest of
        # what Content-Length announces never comes...
        sock.sendall(head.encode() + body[: body.rindex(b"\r\n--")] + b"\0" * 256 * 1024)
        deadline = time.monotonic() + 20
        while not (parts := list(spool.glob("pypi-upload-*.part"))):
            assert time.monotonic() < deadline, "nothing was spooled"
            time.sleep(0.05)
        # ... while the worker waits for the rest, it is killed.
        os.kill(worker_holding(parts[0]), signal.SIGKILL)
    assert parts[0].exists()

    assert f"Removed temporary upload file {parts[0]}" in run_command(live)
    assert list(spool.iterdir()) == []
