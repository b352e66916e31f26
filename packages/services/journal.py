"""The journal: serials for mirrors, written last in a transaction and committed in order."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Max

from accounts.models import User

from .. import cdn
from ..models import JournalEntry, Project

# pg_advisory_xact_lock key; any constant private to this table works.
_JOURNAL_LOCK = 0x6A6F75726E616C


def _lock_journal() -> None:
    """Make serials commit in id order: a transaction holds this until it commits.

    SQLite needs nothing: it admits one writing transaction at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_JOURNAL_LOCK])


def write(
    project: Project,
    entries: Sequence[tuple[str, str | None]],
    *,
    user: User | None,
) -> int:
    """Append ``(action, version)`` entries for ``project``; bump its ``last_serial``.

    Call it once, as the last write of the transaction, to keep the ordering lock short.
    """
    _lock_journal()
    serial = 0
    for action, version in entries:
        entry = JournalEntry.objects.create(
            name=project.name, version=version, action=action, submitted_by=user
        )
        serial = entry.pk
    if serial:
        Project.objects.filter(pk=project.pk).update(last_serial=serial)
        project.last_serial = serial
        cdn.purge_on_commit(cdn.project_keys(project.normalized_name))
    return serial


def last_serial() -> int:
    """The newest serial of the whole index (0 when nothing happened yet)."""
    return JournalEntry.objects.aggregate(m=Max("id"))["m"] or 0
