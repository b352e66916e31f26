"""The outbox's Celery tasks (found by the worker through ``autodiscover_tasks``)."""

from __future__ import annotations

from dataclasses import asdict

from celery import Task, shared_task
from django.conf import settings

from . import delivery


@shared_task(name=delivery.DELIVER_TASK, bind=True, ignore_result=True)
def deliver(self: Task, job_id: int) -> None:
    """Deliver one outbox job after its change committed (queued by ``after_commit`` with the
    job's claim as task id, so a redelivery after a worker died still finds it its own)."""
    delivery.deliver_queued(job_id, self.request.id or "")


@shared_task(name="outbox.drain", ignore_result=True)
def drain() -> dict[str, int]:
    """Deliver the due outbox jobs; celery beat sends it every OUTBOX_DRAIN_INTERVAL_SECONDS."""
    return asdict(delivery.drain(seconds=settings.OUTBOX_DRAIN_INTERVAL_SECONDS))
