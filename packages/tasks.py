"""Background work of the packages app.

What follows a journalled change (the CDN purge, the search update) goes through the outbox
(``pypi_site.outbox``): written with the change, delivered after commit by a worker when a
broker is set, else in this process (the purge on its background thread). The Celery tasks
``purge_cdn`` and ``update_search_document`` stay registered under their names so that tasks
queued before the outbox existed still run after a deploy.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from pypi_site.outbox import delivery
from pypi_site.outbox.registry import work

from . import cdn, housekeeping
from .search import documents
from .services import invitations

logger = logging.getLogger(__name__)

PURGE = "packages.tasks.purge_cdn"
UPDATE_SEARCH = "packages.tasks.update_search_document"


@work(PURGE, off_request=True)
def purge_keys(keys: list[str]) -> None:
    """Purge ``keys`` from the CDN; raises ``cdn.PurgeFailed`` (the outbox retries)."""
    cdn.purge(keys)


@work(UPDATE_SEARCH)
def update_search(project_id: int) -> None:
    """Rebuild (or remove) one project's search document (``packages.search.documents``)."""
    documents.update(project_id)


def changed_on_commit(project_id: int, keys: list[str]) -> None:
    """What follows every journalled change of a project, once the transaction commits (never
    for a rolled-back one): purge its CDN keys (when a CDN is configured) and update its
    search document. Both are outbox jobs written now, in the change's transaction, with one
    after-commit callback; nothing they do raises into the change (it is committed)."""
    calls = [delivery.Call(UPDATE_SEARCH, {"project_id": project_id})]
    if settings.CDN_PURGE_URL:
        calls.insert(0, delivery.Call(PURGE, {"keys": keys}))
    delivery.after_commit(*calls)


@shared_task(name=PURGE, bind=True, max_retries=5)
def purge_cdn(self: Task, keys: list[str]) -> None:
    """A purge queued before the outbox: retried with back-off by the worker."""
    try:
        cdn.purge(keys)
    except cdn.PurgeFailed as failed:
        if self.request.is_eager:
            logger.warning("%s", failed)
            return
        raise self.retry(countdown=2 ** (self.request.retries + 1), exc=failed) from failed


@shared_task(name=UPDATE_SEARCH)
def update_search_document(project_id: int) -> None:
    """A search update queued before the outbox."""
    documents.update(project_id)


@shared_task
def run_housekeeping() -> dict[str, int]:
    """Remove what interrupted uploads left behind (``packages.housekeeping``) and deliver due
    outbox jobs; celery beat runs it every ``HOUSEKEEPING_INTERVAL_SECONDS``."""
    report = housekeeping.run()
    expired = invitations.expire_stale()
    return {
        "objects": len(report.objects),
        "temp_files": len(report.temp_files),
        "failures": len(report.failures),
        "invitations_expired": expired,
        "outbox_delivered": report.outbox_delivered,
    }
