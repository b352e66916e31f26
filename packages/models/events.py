"""A project's history (creation, releases, files, roles, lifecycle) with who, when and where."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .project import Project


class ProjectEvent(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    tag = models.CharField(max_length=100)
    time = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    additional = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["project", "-time"], name="projectevent_project_time"),
            models.Index(fields=["tag", "time"], name="projectevent_tag_time"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.tag}"
