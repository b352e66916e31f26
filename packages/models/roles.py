"""Who may do what on a project."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .project import Project


class RoleName(models.TextChoices):
    OWNER = "Owner", _("Owner")
    MAINTAINER = "Maintainer", _("Maintainer")


class Role(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    role_name = models.CharField(max_length=20, choices=RoleName.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="role_unique_user_project"),
        ]

    def __str__(self) -> str:
        return f"{self.role_name} {self.user_id} of {self.project_id}"


class InviteStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    EXPIRED = "expired", _("Expired")


class InvitationQuerySet(models.QuerySet["RoleInvitation"]):
    def pending(self) -> InvitationQuerySet:
        """Invitations that can still be accepted (pending and younger than the window)."""
        return self.filter(invite_status=InviteStatus.PENDING, created__gt=RoleInvitation.cutoff())


class RoleInvitation(models.Model):
    """An offer of a role, waiting for the invitee to accept or decline it.

    Valid for ``ROLE_INVITATION_HOURS`` after it was (last) sent; after that it counts as
    expired and the same user may be invited again.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_invitations"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    role_name = models.CharField(max_length=20, choices=RoleName.choices)
    invite_status = models.CharField(
        max_length=20, choices=InviteStatus.choices, default=InviteStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="invitation_unique"),
        ]

    def __str__(self) -> str:
        return f"invite {self.user_id} to {self.project_id} as {self.role_name}"

    @staticmethod
    def cutoff() -> datetime:
        return timezone.now() - timedelta(hours=settings.ROLE_INVITATION_HOURS)

    @property
    def expires(self) -> datetime:
        return self.created + timedelta(hours=settings.ROLE_INVITATION_HOURS)

    @property
    def is_pending(self) -> bool:
        return self.invite_status == InviteStatus.PENDING and self.created > self.cutoff()
