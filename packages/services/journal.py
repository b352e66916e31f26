"""The journal: serials for mirrors, one entry per visible change, committed in order.

Every service that changes what a client or a mirror can see records its own ``Entry`` here,
in the transaction that makes the change. Recording an entry bumps the project's
``last_serial`` (which keys the Simple and JSON page caches) and schedules the CDN purge of the
project's pages for when the transaction commits. An entry naming a version also bumps that
release's ``last_serial``, which keys the release's part of the Simple pages: so a change to a
release's files or yank state must be recorded with the release's version (each service here
does), or those pages would keep the release's old lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max
from packaging.utils import canonicalize_version

from accounts.models import User

from .. import cdn, tasks
from ..models import JournalEntry, Project, Release

# pg_advisory_xact_lock key; any constant private to this table works.
_JOURNAL_LOCK = 0x6A6F75726E616C


@dataclass(frozen=True)
class Entry:
    """One line of the journal: the action in the public index's words, and its version.

    ``version`` is None for project-level actions (mirrors read it back as None).
    """

    action: str
    version: str | None = None


_Pending = list[tuple[Project, Entry, User | None]]
_deferred: ContextVar[_Pending | None] = ContextVar("journal_deferred", default=None)


def record(project: Project, entry: Entry, *, by: User | None) -> int:
    """Append ``entry`` for ``project`` in the current transaction; return its serial.

    Outside ``deferred()`` it is written at once; inside, when the block ends (and the
    serial returned here is 0: read ``project.last_serial`` after the block).
    """
    pending = _deferred.get()
    if pending is not None:
        pending.append((project, entry, by))
        return 0
    return _write([(project, entry, by)])


@contextmanager
def deferred() -> Iterator[None]:
    """Hold back the entries recorded inside the block and write them as its last writes.

    Use it inside the caller's ``transaction.atomic()`` around work that records entries
    early and then takes long (an upload stores its file): the ordering lock that every
    journal write takes is then held only from the end of the block to the commit.
    Nothing is written if the block raises or marks the transaction for rollback (an
    identical re-upload changes nothing).
    """
    pending: _Pending = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending and not transaction.get_rollback():
        _write(pending)


def _lock_journal() -> None:
    """Make serials commit in id order: a transaction holds this until it commits.

    SQLite needs nothing: it admits one writing transaction at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_JOURNAL_LOCK])


def _write(pending: _Pending) -> int:
    _lock_journal()
    serials: dict[int, tuple[Project, int]] = {}
    actions: dict[int, list[str]] = {}
    releases: dict[tuple[int, str], int] = {}
    for project, entry, by in pending:
        row = JournalEntry.objects.create(
            name=project.name, version=entry.version, action=entry.action, submitted_by=by
        )
        serials[project.pk] = (project, row.pk)
        actions.setdefault(project.pk, []).append(entry.action)
        if entry.version is not None:
            releases[project.pk, canonicalize_version(entry.version)] = row.pk
    for (project_id, version), serial in releases.items():
        # Nothing to update for a release the entry removed.
        Release.objects.filter(project_id=project_id, canonical_version=version).update(
            last_serial=serial
        )
    for project, serial in serials.values():
        Project.objects.filter(pk=project.pk).update(last_serial=serial)
        project.last_serial = serial
        keys = cdn.project_keys(project.normalized_name, actions[project.pk])
        tasks.changed_on_commit(project.pk, keys)
    return max(serial for _, serial in serials.values())


def last_serial() -> int:
    """The newest serial of the whole index (0 when nothing happened yet)."""
    return JournalEntry.objects.aggregate(m=Max("id"))["m"] or 0
