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


def changed_on_commit(project_id: int, keys: list[str]) -> None:
    """What follows every journalled change of a project, once the transaction commits (never
    for a rolled-back one): purge its CDN keys (when a CDN is configured) and update its
    search document. One callback; a failure is logged, not raised (the change is committed)."""

    def after() -> None:
        if settings.CDN_PURGE_URL:
            purge_cdn.delay(keys)
        update_search_document.delay(project_id)

    transaction.on_commit(after, robust=True)
