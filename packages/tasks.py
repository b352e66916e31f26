"""Background work of the packages app (inline unless a Celery broker is configured)."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction

from . import cdn, housekeeping
from .search import documents
from .services import invitations


@shared_task(bind=True, max_retries=5)
def purge_cdn(self: Task, keys: list[str]) -> None:
    """Purge ``keys``; a worker retries with back-off, an inline run just logs the failure
    (the change is committed by then and must not fail because a CDN is down)."""
    if not cdn.purge(keys) and not self.request.is_eager:
        raise self.retry(countdown=2 ** (self.request.retries + 1))


def purge_on_commit(keys: list[str]) -> None:
    """Purge ``keys`` once the current transaction commits (never for a rolled-back one)."""
    if not settings.CDN_PURGE_URL:
        return
    transaction.on_commit(lambda: purge_cdn.delay(keys))


@shared_task
def run_housekeeping() -> dict[str, int]:
    """Remove what interrupted uploads left behind (``packages.housekeeping``); celery beat
    runs it every ``HOUSEKEEPING_INTERVAL_SECONDS``."""
    report = housekeeping.run()
    expired = invitations.expire_stale()
    return {
        "objects": len(report.objects),
        "temp_files": len(report.temp_files),
        "failures": len(report.failures),
        "invitations_expired": expired,
    }


@shared_task
def update_search_document(project_id: int) -> None:
    """Rebuild (or remove) one project's search document (``packages.search.documents``)."""
    documents.update(project_id)


def index_on_commit(project_id: int) -> None:
    """Update the project's search document once the current transaction commits (never for
    a rolled-back one). A failure is logged, not raised: the change is committed by then."""
    transaction.on_commit(lambda: update_search_document.delay(project_id), robust=True)
