"""The outbox without a broker (``make run``, the test settings): rows written with the change,
delivered after commit in this process, kept with back-off while the work fails, drained by
``drain_outbox`` and housekeeping, given up only after OUTBOX_MAX_AGE_SECONDS."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from packages import housekeeping
from pypi_site.outbox import background, delivery
from pypi_site.outbox.models import Job
from pypi_site.outbox.registry import work

pytestmark = pytest.mark.django_db

NOTE = "tests.outbox.note"
NOTE_OFF_REQUEST = "tests.outbox.note-off-request"

done: list[str] = []
failing: set[str] = set()


@work(NOTE)
def note(text: str) -> None:
    if text in failing:
        raise OSError(f"cannot note {text}")
    done.append(text)


@work(NOTE_OFF_REQUEST, off_request=True)
def note_off_request(text: str) -> None:
    note(text)
    done.append(threading.current_thread().name)


@pytest.fixture(autouse=True)
def clean():
    done.clear()
    failing.clear()
    yield
    assert background.wait(30)


def schedule(*texts: str, name: str = NOTE) -> None:
    delivery.after_commit(*(delivery.Call(name, {"text": text}) for text in texts))


def test_the_work_is_written_with_the_change_and_done_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        schedule("a", "b")
        assert [job.arguments for job in Job.objects.order_by("pk")] == [
            {"text": "a"},
            {"text": "b"},
        ]
        assert done == []  # nothing before the commit
    assert len(callbacks) == 1  # one callback for all of them
    assert done == ["a", "b"]
    assert not Job.objects.exists()


def test_a_rolled_back_change_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            schedule("a")
            raise RuntimeError
    assert callbacks == []
    assert done == []
    assert not Job.objects.exists()


def test_an_unknown_work_fails_in_the_change():
    with pytest.raises(KeyError):
        delivery.after_commit(delivery.Call("tests.outbox.nothing-by-that-name", {}))


def test_failed_work_stays_due_later_and_does_not_raise(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.OUTBOX_RETRY_SECONDS = 60
    failing.add("a")
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        schedule("a", "b")
    assert done == ["b"]
    [job] = Job.objects.all()
    assert job.attempts == 1
    assert job.last_error == "OSError: cannot note a"
    assert job.claim == ""
    assert before + timedelta(seconds=59) < job.due < timezone.now() + timedelta(seconds=61)
    assert "tests.outbox.note (job" in caplog.text


def test_off_request_work_runs_on_the_background_thread(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        schedule("a", name=NOTE_OFF_REQUEST)
    assert background.wait(30)
    assert done == ["a", "outbox-background"]


@pytest.mark.parametrize(
    ("attempts", "delay"), [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (50, 3600)]
)
def test_retries_back_off_up_to_an_hour(settings, attempts, delay):
    settings.OUTBOX_RETRY_SECONDS = 30
    assert delivery.retry_delay(attempts) == delay


def job(text: str, *, due: timedelta = timedelta(0), created: timedelta = timedelta(0), **kw):
    now = timezone.now()
    return Job.objects.create(
        name=NOTE, arguments={"text": text}, due=now + due, created=now + created, **kw
    )


def test_the_drain_delivers_due_jobs_only():
    job("due")
    job("later", due=timedelta(minutes=5), claim="a-task-id")
    report = delivery.drain()
    assert (report.delivered, report.failed, report.abandoned) == (1, 0, 0)
    assert done == ["due"]
    assert list(Job.objects.values_list("arguments", flat=True)) == [{"text": "later"}]


def test_draining_everything_includes_jobs_not_due():
    job("due")
    job("later", due=timedelta(minutes=5), claim="a-task-id")
    assert delivery.drain(everything=True).delivered == 2
    assert done == ["due", "later"]
    assert not Job.objects.exists()


def test_the_drain_counts_failures_and_moves_them_on(settings):
    settings.OUTBOX_RETRY_SECONDS = 30
    failing.add("bad")
    job("bad", attempts=2)
    job("good")
    report = delivery.drain()
    assert (report.delivered, report.failed) == (1, 1)
    [left] = Job.objects.all()
    assert left.attempts == 3
    assert left.due > timezone.now() + timedelta(seconds=110)


def test_jobs_older_than_the_maximum_age_are_given_up_with_an_error(settings, caplog):
    settings.OUTBOX_MAX_AGE_SECONDS = 3600
    failing.add("old")
    job("old", created=-timedelta(hours=2), attempts=9, last_error="OSError: no")
    job("young", created=-timedelta(minutes=30))
    with caplog.at_level(logging.ERROR, logger="pypi_site.outbox.delivery"):
        report = delivery.drain()
    assert (report.abandoned, report.delivered) == (1, 1)
    assert not Job.objects.exists()
    [record] = caplog.records
    assert record.levelname == "ERROR"
    assert "gave up tests.outbox.note" in record.getMessage()
    assert "after 9 failed attempts; last error: OSError: no" in record.getMessage()
    assert done == ["young"]


def test_a_job_held_by_a_deliverer_is_not_taken_before_its_lease_ends():
    held = job("held", due=timedelta(minutes=5), claim="task-1")
    assert delivery.deliver_queued(held.pk, "task-2") is None  # another task: not its job
    assert delivery.drain().delivered == 0
    assert delivery.deliver_queued(held.pk, "task-1") is True  # the task it waits for
    assert done == ["held"]
    assert delivery.deliver_queued(held.pk, "task-1") is None  # delivered: gone


def test_a_redelivered_task_takes_its_job_again():
    # The worker that ran task-1 died mid-way: the job still names task-1, and when the broker
    # hands task-1 out again, it delivers.
    held = job("held", due=timedelta(minutes=5), claim="task-1")
    Job.objects.filter(pk=held.pk).update(due=timezone.now() + timedelta(minutes=5))
    assert delivery.deliver_queued(held.pk, "task-1") is True


def test_a_due_job_is_taken_by_whoever_comes_first():
    due = job("due", claim="task-1")
    assert delivery.deliver_queued(due.pk, "task-2") is True
    assert delivery.drain().delivered == 0


def test_drain_outbox_reports_what_it_did(capsys):
    failing.add("bad")
    job("bad")
    job("good")
    call_command("drain_outbox")
    assert capsys.readouterr().out == (
        "Delivered 1, failed 1 (tried again later), gave up 0; 1 left in the outbox.\n"
    )


def test_housekeeping_delivers_due_jobs():
    job("due")
    assert housekeeping.run(dry_run=True).outbox_delivered == 1
    assert done == []
    assert housekeeping.run().outbox_delivered == 1
    assert done == ["due"]


def test_background_work_runs_in_order_and_survives_a_failure(caplog):
    ran: list[int] = []

    def fail() -> None:
        raise RuntimeError("boom")

    background.run(lambda: ran.append(1))
    background.run(fail)
    background.run(lambda: ran.append(2))
    assert background.wait(30)
    assert ran == [1, 2]
    assert "Background work failed" in caplog.text
