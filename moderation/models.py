"""Administrators' switches and prohibited names."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from packages.names import PROJECT_NAME_PATTERN


class AdminFlagQuerySet(models.QuerySet["AdminFlag"]):
    def is_on(self, flag_id: str) -> bool:
        return self.filter(id=flag_id, enabled=True).exists()


class AdminFlag(models.Model):
    """A site-wide switch (read-only mode, no new users/projects/uploads, ...)."""

    id = models.CharField(max_length=100, primary_key=True)
    description = models.TextField()
    enabled = models.BooleanField(default=False)
    notify = models.BooleanField(
        default=False, help_text=_("Show a banner on every page while the switch is on.")
    )

    objects = AdminFlagQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.id


class ProhibitedProjectName(models.Model):
    """A name no new project may take (stored PEP 503-normalised)."""

    name = models.CharField(max_length=200, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    prohibited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(name__regex=PROJECT_NAME_PATTERN),
                name="prohibited_name_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name
