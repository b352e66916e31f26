"""One row per piece of after-commit work (a mail, a CDN purge, a search update), written in
the transaction of the change that calls for it and deleted once the work is done."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Job(models.Model):
    #: The registered work's name (``pypi_site.outbox.registry``), e.g. "accounts.tasks.send_email".
    name = models.CharField(max_length=100)
    #: Its keyword arguments, as JSON. Never a secret in clear (a leaked token is sealed).
    arguments = models.JSONField(default=dict)
    created = models.DateTimeField(default=timezone.now)
    #: Failed deliveries so far.
    attempts = models.PositiveIntegerField(default=0)
    #: From when any deliverer (the drain) may take it. Until then only the holder of ``claim``
    #: may: the process that created it, or the Celery task whose id it is.
    due = models.DateTimeField(default=timezone.now)
    claim = models.CharField(max_length=36, blank=True, default="")
    #: Why the last delivery failed, in a few words (never a secret, never a mail's body).
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["due"], name="outbox_job_due")]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
