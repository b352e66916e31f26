"""Projects: a name and the releases published under it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..names import PROJECT_NAME_PATTERN, normalize_name


class LifecycleStatus(models.TextChoices):
    ACTIVE = "", _("active")
    QUARANTINE_ENTER = "quarantine-enter", _("quarantined")
    QUARANTINE_EXIT = "quarantine-exit", _("released from quarantine")
    ARCHIVED = "archived", _("archived")
    ARCHIVED_NOINDEX = "archived-noindex", _("archived (not indexed)")


class ProjectQuerySet(models.QuerySet["Project"]):
    """The read vocabulary for projects; every surface finds a project through it.

    ``installable()`` is the one visibility rule: a quarantined project is left out of every
    surface that lists or serves projects (Simple index, JSON API, files, XML-RPC, RSS,
    profiles, search). Archived projects stay installable.
    """

    def installable(self) -> ProjectQuerySet:
        """Projects whose files clients may see: everything but quarantine."""
        return self.exclude(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    def get_by_name(self, name: str) -> Project:
        """The project whose PEP 503 name matches ``name`` (DoesNotExist otherwise)."""
        return self.get(normalized_name=normalize_name(name))

    def find_by_name(self, name: str) -> Project | None:
        """The project whose PEP 503 name matches ``name``, or None."""
        return self.filter(normalized_name=normalize_name(name)).first()


class Project(models.Model):
    name = models.CharField(_("name"), max_length=200)
    normalized_name = models.CharField(max_length=200, unique=True)
    ultranormalized_name = models.CharField(max_length=200, db_index=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    lifecycle_status = models.CharField(
        max_length=20,
        choices=LifecycleStatus.choices,
        default=LifecycleStatus.ACTIVE,
        blank=True,
    )
    lifecycle_status_changed = models.DateTimeField(null=True, blank=True)
    lifecycle_status_note = models.TextField(blank=True)
    upload_limit = models.BigIntegerField(
        _("file size limit (bytes)"),
        null=True,
        blank=True,
        help_text=_("Overrides the site's file size limit for this project."),
    )
    total_size_limit = models.BigIntegerField(
        _("total size limit (bytes)"),
        null=True,
        blank=True,
        help_text=_("Overrides the site's project size limit for this project."),
    )
    total_size = models.BigIntegerField(default=0)
    last_serial = models.IntegerField(default=0)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["normalized_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(name__regex=PROJECT_NAME_PATTERN), name="project_name_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/project/{self.name}/"

    @property
    def file_size_limit(self) -> int:
        """Largest file this project accepts: the site default unless raised for it, and never
        past ``UPLOAD_LIMIT_CAP`` (beyond it the upload stream is not even kept)."""
        raised = max(settings.UPLOAD_MAX_FILE_SIZE, self.upload_limit or 0)
        return min(raised, settings.UPLOAD_LIMIT_CAP)

    @property
    def project_size_limit(self) -> int:
        return max(settings.UPLOAD_MAX_PROJECT_SIZE, self.total_size_limit or 0)

    @property
    def is_quarantined(self) -> bool:
        return self.lifecycle_status == LifecycleStatus.QUARANTINE_ENTER

    @property
    def is_archived(self) -> bool:
        return self.lifecycle_status in (LifecycleStatus.ARCHIVED, LifecycleStatus.ARCHIVED_NOINDEX)

    @property
    def status(self) -> str:
        """The PEP 792 project status: active, archived or quarantined."""
        if self.is_quarantined:
            return "quarantined"
        if self.is_archived:
            return "archived"
        return "active"
