"""A project's history (creation, releases, files, roles, lifecycle) with who, when and where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .project import Project


class ProjectEventTag(models.TextChoices):
    """Every kind of project event, with what the project history calls it."""

    PROJECT_CREATE = "project:create", _("Project created")
    ROLE_ADD = "project:role:add", _("Collaborator added")
    ROLE_CHANGE = "project:role:change", _("Collaborator's role changed")
    ROLE_REMOVE = "project:role:remove", _("Collaborator removed")
    ROLE_INVITE = "project:role:invite", _("Collaborator invited")
    ROLE_DECLINE_INVITE = "project:role:decline_invite", _("Invitation declined")
    ROLE_REVOKE_INVITE = "project:role:revoke_invite", _("Invitation revoked")
    RELEASE_ADD = "project:release:add", _("Release published")
    RELEASE_YANK = "project:release:yank", _("Release yanked")
    RELEASE_UNYANK = "project:release:unyank", _("Release un-yanked")
    RELEASE_REMOVE = "project:release:remove", _("Release deleted")
    FILE_ADD = "file:add", _("File uploaded")
    FILE_REMOVE = "file:remove", _("File deleted")
    ARCHIVE_ENTER = "project:archive:enter", _("Project archived")
    ARCHIVE_EXIT = "project:archive:exit", _("Project unarchived")
    QUARANTINE_ENTER = "project:quarantine:enter", _("Project quarantined")
    QUARANTINE_EXIT = "project:quarantine:exit", _("Project released from quarantine")
    LIMITS_CHANGE = "project:limits:change", _("Size limits changed")
    OIDC_PUBLISHER_ADD = "project:oidc:publisher-added", _("Trusted publisher added")
    OIDC_PUBLISHER_REMOVE = "project:oidc:publisher-removed", _("Trusted publisher removed")
    # The public index's tag (sic: a project event named "account:"): a trusted publisher
    # exchanged a CI token for an upload token.
    OIDC_TOKEN_ADD = "account:short_lived_api_token:added", _("Trusted publishing token issued")


class ProjectEvent(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    tag = models.CharField(max_length=100, choices=ProjectEventTag.choices)
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

    @property
    def label(self) -> str:
        """The event in words (the tag itself for one this version does not know)."""
        return str(self.get_tag_display())

    @property
    def details(self) -> list[tuple[str, str]]:
        """What the history shows of the recorded details, as ``(label, text)``."""
        shown = []
        for key, label in DETAIL_LABELS.items():
            value = self.additional.get(key)
            if value not in (None, "", [], {}):
                shown.append((str(label), str(value)))
        return shown


# The details a history shows, in this order, with their words; the rest stays in the record.
DETAIL_LABELS = {
    "version": _("Version"),
    "filename": _("File"),
    "target_user": _("Collaborator"),
    "role_name": _("Role"),
    "previous_role_name": _("Previous role"),
    "invited_by": _("Invited by"),
    "reason": _("Reason"),
    "note": _("Note"),
    "api_token": _("API token"),
    "publisher": _("Trusted publisher"),
}
