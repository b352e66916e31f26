"""The journal: every visible change to a project, numbered by serial."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JournalEntry(models.Model):
    """One change. ``id`` is the serial mirrors follow; entries are kept by project *name* so
    that removals stay in the changelog after the project is gone."""

    name = models.CharField(max_length=200, db_index=True)
    # NULL (not "") for project-level entries: mirrors read it back as None over XML-RPC.
    version = models.CharField(max_length=100, blank=True, null=True)  # noqa: DJ001
    action = models.TextField()
    submitted_date = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "journal entries"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name} {self.version or ''} {self.action}"
