"""The outbox: work that must follow a committed change (a mail, a CDN purge, a search update)
is written as a ``Job`` row in the change's own transaction, and delivered after it commits.

The row, not a broker message or a thread, is what guarantees the work: it commits with the
change or not at all, and it is deleted only once the work succeeded. So a rolled-back change
sends nothing, and a committed one loses nothing when the broker, the worker or the CDN is
down at that moment; the work is at most delayed, and in rare cases done twice (a worker killed
between sending a mail and deleting its row sends it again). Purges and search updates are
idempotent; a mail may at worst go twice, never be lost.

After commit (``after_commit``, from a robust ``on_commit`` callback: nothing raises into the
request):

- **with a broker**, one Celery task ``outbox.deliver`` per row, whose task id is the row's
  ``claim``: the task (or its redelivery after a worker died, as tasks are acknowledged late)
  delivers the row. If the broker does not take the task, the row is made due at once and this
  process stops trying the broker for ``BROKER_PAUSE_SECONDS``, so a dead broker costs one
  request a short connect timeout, and the next ones nothing.
- **without a broker** (``make run``, the tests), the work runs in this process: mail and
  search updates right away, in the request, as before; work registered ``off_request`` (the
  CDN purge) on the process's background thread (``background``), so a slow or hanging CDN
  never holds up a response.

A row not delivered then stays **due**: ``drain()`` delivers due rows, from celery beat every
``OUTBOX_DRAIN_INTERVAL_SECONDS`` (``outbox.drain``), from ``manage.py drain_outbox`` and from
housekeeping; and, without a broker, the background thread catches up on due purges after each
purge that succeeds. A failed delivery is tried again after ``OUTBOX_RETRY_SECONDS``, doubling
each time up to ``RETRY_MAX_SECONDS``. A row still undelivered ``OUTBOX_MAX_AGE_SECONDS``
after it was written is deleted with an error in the log (the only way a row goes unsent).

Until a row is due, only the holder of its ``claim`` delivers it: the process that wrote it,
or the Celery task named after it. A deliverer takes a row by moving its ``due`` one lease
(``OUTBOX_LEASE_SECONDS``) ahead in one conditional ``UPDATE``, so two drains never deliver
the same row at once; a deliverer that dies leaves the row to be taken again when the lease
ends.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from pypi_site.celery import app

from . import background, registry
from .models import Job

logger = logging.getLogger(__name__)

DELIVER_TASK = "outbox.deliver"
# After a failed publish, this process leaves the broker alone this long (rows stay due).
BROKER_PAUSE_SECONDS = 10.0
RETRY_MAX_SECONDS = 3600
ERROR_LENGTH = 500
BATCH = 100
# Due purges the background thread delivers after one that succeeded.
CATCH_UP = 50
LOCKED_RETRIES = 100
LOCKED_PAUSE_SECONDS = 0.05

_broker_paused_until = 0.0


@dataclass(frozen=True)
class Call:
    """One piece of work to do after commit: a registered work's name and its arguments."""

    name: str
    arguments: dict[str, Any]


@dataclass
class DrainReport:
    delivered: int = 0
    failed: int = 0
    abandoned: int = 0


def after_commit(*calls: Call) -> None:
    """Write ``calls`` to the outbox in the current transaction; deliver them once it commits.

    One ``on_commit`` callback for all of them; never run for a rolled-back transaction.
    """
    for call in calls:
        registry.lookup(call.name)  # an unknown name fails here, in the change, not later
    due = timezone.now() + _lease()
    jobs = [
        Job.objects.create(name=c.name, arguments=c.arguments, due=due, claim=str(uuid.uuid4()))
        for c in calls
    ]
    transaction.on_commit(partial(_committed, jobs), robust=True)


def broker_in_use() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


def _committed(jobs: list[Job]) -> None:
    try:
        if broker_in_use():
            _enqueue(jobs)
            return
        off_request = [job for job in jobs if registry.lookup(job.name).off_request]
        for job in jobs:
            if job not in off_request:
                deliver(job)
        # Handed over last, so that the thread's writes do not meet the request's.
        for job in off_request:
            background.run(partial(_deliver_off_request, job))
    except Exception:
        # The change is committed; its rows stay and the drain delivers them.
        logger.exception("Outbox: delivery after commit failed; the jobs stay due")


def _enqueue(jobs: list[Job]) -> None:
    global _broker_paused_until
    for job in jobs:
        if time.monotonic() < _broker_paused_until:
            _release(job)
            continue
        try:
            app.send_task(DELIVER_TASK, args=[job.pk], task_id=job.claim)
        except Exception as exc:
            _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
            logger.warning(
                "Outbox: the broker did not take %s (job %s); it stays due: %s",
                job.name,
                job.pk,
                _describe(exc),
            )
            _release(job)


def _release(job: Job) -> None:
    """Give up the claim on ``job``: any drain may deliver it from now on."""
    Job.objects.filter(pk=job.pk, claim=job.claim).update(due=timezone.now(), claim="")


def _deliver_off_request(job: Job) -> None:
    failure = _run(job)
    try:
        _retrying_when_locked(partial(_settle, job, failure))
        if failure is None:
            drain(names=registry.names(off_request=True), limit=CATCH_UP)
    except DatabaseError as exc:
        logger.warning("Outbox: background delivery of job %s stopped: %s", job.pk, exc)


def _retrying_when_locked(function: Callable[[], object]) -> None:
    """``function()``, tried again for a few seconds while SQLite answers "locked" (as it does
    at once, without waiting, to a second writer on a shared in-memory database)."""
    for _ in range(LOCKED_RETRIES):
        try:
            function()
            return
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(LOCKED_PAUSE_SECONDS)
    function()


def deliver(job: Job) -> bool:
    """Run ``job``, whose claim the caller holds; delete its row if the work succeeded, else
    record the failure and when to try again. True if it succeeded."""
    return _settle(job, _run(job))


def _run(job: Job) -> Exception | None:
    """Do ``job``'s work; the exception that said it failed, if it did."""
    try:
        registry.lookup(job.name).function(**job.arguments)
    except Exception as exc:
        return exc
    return None


def _settle(job: Job, failure: Exception | None) -> bool:
    if failure is not None:
        _failed(job, failure)
        return False
    Job.objects.filter(pk=job.pk).delete()
    return True


def deliver_queued(job_id: int, task_id: str) -> bool | None:
    """Deliver job ``job_id`` for the Celery task ``task_id`` (``outbox.deliver``): if the job
    still waits for that task, or is due. None if it is gone (delivered) or someone else
    holds it."""
    now = timezone.now()
    taken = (
        Job.objects.filter(pk=job_id)
        .filter(Q(claim=task_id) | Q(due__lte=now))
        .update(claim=task_id, due=now + _lease())
    )
    job = Job.objects.filter(pk=job_id, claim=task_id).first() if taken else None
    return None if job is None else deliver(job)


def drain(
    *,
    everything: bool = False,
    names: frozenset[str] | None = None,
    limit: int | None = None,
    seconds: float | None = None,
) -> DrainReport:
    """Deliver the due jobs (with ``everything``, also those not due yet, including any a
    worker may be delivering right now), oldest first; stop after ``limit`` deliveries or
    ``seconds``. Jobs older than ``OUTBOX_MAX_AGE_SECONDS`` are given up first."""
    report = DrainReport()
    jobs = Job.objects.all() if names is None else Job.objects.filter(name__in=names)
    report.abandoned = _abandon_old(jobs)
    deadline = None if seconds is None else time.monotonic() + seconds
    last = 0
    while True:
        candidates = jobs.filter(pk__gt=last)
        if not everything:
            candidates = candidates.filter(due__lte=timezone.now())
        batch = list(candidates.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not batch:
            return report
        for pk in batch:
            last = pk
            job = _claim(pk, everything=everything)
            if job is None:
                continue
            if deliver(job):
                report.delivered += 1
            else:
                report.failed += 1
            done = report.delivered + report.failed
            if (limit is not None and done >= limit) or (
                deadline is not None and time.monotonic() > deadline
            ):
                return report


def _claim(pk: int, *, everything: bool) -> Job | None:
    token = str(uuid.uuid4())
    now = timezone.now()
    rows = Job.objects.filter(pk=pk)
    if not everything:
        rows = rows.filter(due__lte=now)
    if not rows.update(claim=token, due=now + _lease()):
        return None
    return Job.objects.filter(pk=pk, claim=token).first()


def _abandon_old(jobs: Any) -> int:
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_MAX_AGE_SECONDS)
    abandoned = 0
    for job in jobs.filter(created__lt=cutoff, due__lte=now).order_by("pk"):
        if not Job.objects.filter(pk=job.pk, due__lte=now).delete()[0]:
            continue  # taken meanwhile
        abandoned += 1
        logger.error(
            "Outbox: gave up %s (job %s) written %s, after %s failed attempts; last error: %s",
            job.name,
            job.pk,
            job.created.isoformat(),
            job.attempts,
            job.last_error or "none",
        )
    return abandoned


def _failed(job: Job, exc: Exception) -> None:
    attempts = job.attempts + 1
    delay = retry_delay(attempts)
    reason = _describe(exc)[:ERROR_LENGTH]
    Job.objects.filter(pk=job.pk, claim=job.claim).update(
        attempts=attempts,
        due=timezone.now() + timedelta(seconds=delay),
        claim="",
        last_error=reason,
    )
    logger.warning(
        "Outbox: %s (job %s) failed (attempt %s), next try in %s s: %s",
        job.name,
        job.pk,
        attempts,
        delay,
        reason,
    )


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failure: doubling, at most an hour."""
    first = settings.OUTBOX_RETRY_SECONDS
    return int(min(first * 2 ** min(attempts - 1, 20), max(RETRY_MAX_SECONDS, first)))


def _lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
