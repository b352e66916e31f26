"""Housekeeping: remove what interrupted uploads leave behind.

An upload removes what it stored when it fails (``packages.storage.StoredObjects``), but a
process killed between storing a file and committing its row cannot, and a killed process leaves
its spooled request body (``packages.upload.handlers``) in the temporary directory. ``run()``
finds and removes both, once they are older than ``HOUSEKEEPING_ORPHAN_GRACE_SECONDS``, so an
upload still in flight is never touched:

- **stored objects** of the ``packages`` storage that no ``File`` row references (as its
  ``path`` or its ``path + ".metadata"``). The objects of deleted files are kept, as deleting a
  file keeps them on purpose (a database restored from before the deletion still finds them):
  an object is taken for a deleted file's when its filename is in the ``FilenameRegistry`` and no
  current file has that name. A killed upload never registered its name (the registry row
  commits with the file row), so its objects do not pass for a deleted file's.
- **temporary upload files**: ``pypi-upload-*.part`` in ``FILE_UPLOAD_TEMP_DIR`` (the system's
  temporary directory by default) of this machine. Nothing else there is touched.

It also removes the pending trusted publishers that expired unused
(``services.publishers.expire_pending``, which mails their users), the CI tokens' ``jti`` kept
against replay once those tokens have expired (``oidc.replay.purge_expired``), and the upload
tokens minted for trusted publishers (``ApiToken`` rows without a user) a day after they expired,
as the public index purges them. And it delivers the outbox's due after-commit work (mail, CDN
purges that failed or never ran: ``pypi_site.outbox.delivery.drain``); a dry run only counts it.

The storage is walked with ``listdir`` and ``get_modified_time`` only, so this works for the
local file system and for S3 alike. Every candidate is checked against the database again just
before it is removed.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import ApiToken
from pypi_site.outbox import delivery as outbox
from pypi_site.outbox.models import Job

from .models import File, FilenameRegistry, UsedJti
from .oidc import replay
from .services import publishers
from .storage import package_storage
from .upload.handlers import TEMP_FILE_PREFIX, TEMP_FILE_SUFFIX

logger = logging.getLogger(__name__)

METADATA_SUFFIX = ".metadata"
# How long a trusted publisher's expired upload token is kept (its row names the publishers and
# the CI run, for whoever investigates an upload right after it).
PUBLISHER_TOKEN_KEPT = timedelta(days=1)


@dataclass
class Report:
    """What one run removed (or, in a dry run, would have removed), and what it could not."""

    dry_run: bool
    objects: list[str] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    pending_publishers_expired: int = 0
    used_jtis_purged: int = 0
    publisher_tokens_deleted: int = 0
    outbox_delivered: int = 0
    outbox_failed: int = 0


def run(*, dry_run: bool = False) -> Report:
    """Remove the orphaned stored objects and stale temporary upload files (see the module)."""
    cutoff = timezone.now() - timedelta(seconds=settings.HOUSEKEEPING_ORPHAN_GRACE_SECONDS)
    report = Report(dry_run=dry_run)
    storage = package_storage()
    for name in orphaned_objects(storage, cutoff):
        if _removed(report, name, storage.delete):
            report.objects.append(name)
    for path in stale_temp_files(upload_temp_dir(), cutoff):
        if _removed(report, str(path), os.unlink):
            report.temp_files.append(path)
    report.pending_publishers_expired = publishers.expire_pending(dry_run=dry_run)
    report.used_jtis_purged = _purge_used_jtis(dry_run=dry_run)
    report.publisher_tokens_deleted = _delete_publisher_tokens(dry_run=dry_run)
    _drain_outbox(report)
    return report


def _drain_outbox(report: Report) -> None:
    if report.dry_run:
        report.outbox_delivered = Job.objects.filter(due__lte=timezone.now()).count()
        return
    drained = outbox.drain()
    report.outbox_delivered, report.outbox_failed = drained.delivered, drained.failed


def _removed(report: Report, name: str, delete: Callable[[str], None]) -> bool:
    """Remove ``name`` (not in a dry run); False if that failed."""
    if report.dry_run:
        return True
    try:
        delete(name)
    except OSError as exc:
        logger.warning("housekeeping could not remove %s: %s", name, exc)
        report.failures.append(f"{name}: {exc}")
        return False
    logger.info("housekeeping removed %s", name)
    return True


# --- Trusted publishing ---------------------------------------------------------------------


def _purge_used_jtis(*, dry_run: bool) -> int:
    now = timezone.now()
    if dry_run:
        return UsedJti.objects.filter(expires__lt=now).count()
    return replay.purge_expired(now)


def expired_publisher_tokens() -> QuerySet[ApiToken]:
    """Upload tokens minted for trusted publishers (no user) expired over a day ago."""
    cutoff = timezone.now() - PUBLISHER_TOKEN_KEPT
    return ApiToken.objects.filter(user__isnull=True, expires__lt=cutoff)


def _delete_publisher_tokens(*, dry_run: bool) -> int:
    expired = expired_publisher_tokens()
    if dry_run:
        return expired.count()
    _, deleted = expired.delete()
    return deleted.get(ApiToken._meta.label, 0)


# --- Stored objects -------------------------------------------------------------------------


def orphaned_objects(storage: Storage, cutoff: datetime) -> Iterator[str]:
    """Names of the objects in ``storage`` last modified before ``cutoff`` that no file
    references and that are not a deleted file's, in the order of their names."""
    try:
        directories, files = storage.listdir("")
    except FileNotFoundError:  # a file system storage nothing was ever stored in
        return
    for name in sorted(files):
        if _is_orphan(storage, name, cutoff):
            yield name
    for top in sorted(directories):
        # One query per top-level directory (256 of them with content-addressed paths) tells
        # the referenced objects apart without a query per object.
        referenced: set[str] = set()
        for path in File.objects.filter(path__startswith=f"{top}/").values_list("path", flat=True):
            referenced.update((path, path + METADATA_SUFFIX))
        for name in _walk(storage, top):
            if name not in referenced and _is_orphan(storage, name, cutoff):
                yield name


def _walk(storage: Storage, directory: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # removed meanwhile
        return
    for name in sorted(files):
        yield f"{directory}/{name}"
    for sub in sorted(directories):
        yield from _walk(storage, f"{directory}/{sub}")


def _is_orphan(storage: Storage, name: str, cutoff: datetime) -> bool:
    try:
        if storage.get_modified_time(name) >= cutoff:
            return False
    except FileNotFoundError:  # removed meanwhile
        return False
    path = name.removesuffix(METADATA_SUFFIX)
    if File.objects.filter(Q(path=name) | Q(path=path)).exists():
        return False
    filename = path.rpartition("/")[2]
    deleted_file = (
        FilenameRegistry.objects.filter(filename=filename).exists()
        and not File.objects.filter(filename=filename).exists()
    )
    return not deleted_file


# --- Temporary upload files -----------------------------------------------------------------


def upload_temp_dir() -> Path:
    """Where uploads are spooled on this machine."""
    return Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())


def stale_temp_files(directory: Path, cutoff: datetime) -> Iterator[Path]:
    """The upload spool files in ``directory`` last modified before ``cutoff``."""
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return
    limit = cutoff.timestamp()
    for entry in entries:
        if not (entry.name.startswith(TEMP_FILE_PREFIX) and entry.name.endswith(TEMP_FILE_SUFFIX)):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # removed meanwhile
            continue
        if stat.S_ISREG(info.st_mode) and info.st_mtime < limit:
            yield Path(entry.path)
