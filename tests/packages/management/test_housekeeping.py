"""``manage.py housekeeping [--dry-run]``: what it prints and removes (the rules themselves are
tested in ``tests/packages/test_housekeeping.py``)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

ORPHAN = "ab/cd/" + "e" * 60 + "/killed-1.0-py3-none-any.whl"


@pytest.fixture
def leftovers(settings: Any, tmp_path: Path) -> tuple[Path, Path]:
    """An orphaned stored object and a spool file, both seven hours old."""
    root, spool = tmp_path / "files", tmp_path / "spool"
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "allow_overwrite": True},
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    orphan, part = root / ORPHAN, spool / "pypi-upload-abc123.part"
    for path in (orphan, part):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
        os.utime(path, (time.time() - 7 * 3600,) * 2)
    return orphan, part


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("housekeeping", *args, stdout=out)
    return out.getvalue()


def test_prints_what_it_removed(leftovers):
    orphan, part = leftovers
    assert run().splitlines() == [
        f"Removed stored object {ORPHAN}",
        f"Removed temporary upload file {part}",
        "Removed 1 stored objects and 1 temporary upload files older than 21600 seconds.",
    ]
    assert not orphan.exists() and not part.exists()


def test_dry_run_prints_and_removes_nothing(leftovers):
    orphan, part = leftovers
    assert run("--dry-run").splitlines() == [
        f"Would remove stored object {ORPHAN}",
        f"Would remove temporary upload file {part}",
        "Would remove 1 stored objects and 1 temporary upload files older than 21600 seconds.",
    ]
    assert orphan.exists() and part.exists()
