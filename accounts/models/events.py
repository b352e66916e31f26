"""The security history of an account."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .user import User

# What the security history calls each event (``accounts.events.EventTag`` holds the tags).
EVENT_LABELS = {
    "account:create": _("Account created"),
    "account:api_token:added": _("API token added"),
    "account:api_token:removed": _("API token removed"),
    "account:api_token:removed_leak": _("API token revoked: found in public"),
    "account:email:add": _("Email address added"),
    "account:email:remove": _("Email address removed"),
    "account:email:primary:change": _("Primary email address changed"),
    "account:email:verified": _("Email address verified"),
    "account:email:sent": _("Email sent"),
    "account:login:success": _("Logged in"),
    "account:login:failure": _("Login failed"),
    "account:login:device_confirmed": _("New login address confirmed from email"),
    "account:password:change": _("Password changed"),
    "account:password:reset": _("Password reset"),
    "account:password:reset:request": _("Password reset requested"),
    "account:password:disabled": _("Password disabled"),
    "account:two_factor:method_added": _("Two-factor method added"),
    "account:two_factor:method_removed": _("Two-factor method removed"),
    "account:recovery_codes:generated": _("Recovery codes generated"),
    "account:recovery_codes:regenerated": _("Recovery codes regenerated"),
    "account:recovery_codes:used": _("Recovery code used"),
    "account:reauthenticate:failure": _("Password confirmation failed"),
    "account:delete": _("Account deleted"),
    "account:role:add": _("Role added to a project"),
    "account:role:invite": _("Invited to a project"),
}


class UserEvent(models.Model):
    """One line of a user's security history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events")
    tag = models.CharField(max_length=100)
    time = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    additional = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["user", "-time"], name="userevent_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.tag} {self.time:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """The event in words (the tag itself for one this version does not know)."""
        return str(EVENT_LABELS.get(self.tag, self.tag))

    @property
    def details(self) -> list[tuple[str, str]]:
        """The event's recorded details as ``(key, text)``; lists read as "a, b"."""
        return [
            (key, _detail_text(value))
            for key, value in self.additional.items()
            if value not in (None, "", [], {})
        ]


def _detail_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_detail_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_detail_text(item)}" for key, item in value.items())
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)
