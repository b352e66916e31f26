"""The security history of an account."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .user import User


class EventTag(models.TextChoices):
    """Every event of the security history: the tag stored, and what the history calls it."""

    ACCOUNT_CREATE = "account:create", _("Account created")
    API_TOKEN_ADDED = "account:api_token:added", _("API token added")
    API_TOKEN_REMOVED = "account:api_token:removed", _("API token removed")
    API_TOKEN_REMOVED_LEAK = (
        "account:api_token:removed_leak",
        _("API token revoked: found in public"),
    )
    EMAIL_ADD = "account:email:add", _("Email address added")
    EMAIL_REMOVE = "account:email:remove", _("Email address removed")
    EMAIL_PRIMARY_CHANGE = "account:email:primary:change", _("Primary email address changed")
    EMAIL_VERIFIED = "account:email:verified", _("Email address verified")
    EMAIL_SENT = "account:email:sent", _("Email sent")
    LOGIN_SUCCESS = "account:login:success", _("Logged in")
    LOGIN_FAILURE = "account:login:failure", _("Login failed")
    LOGIN_DEVICE_CONFIRMED = (
        "account:login:device_confirmed",
        _("New login address confirmed from email"),
    )
    PASSWORD_CHANGE = "account:password:change", _("Password changed")
    PASSWORD_RESET = "account:password:reset", _("Password reset")
    PASSWORD_RESET_REQUEST = "account:password:reset:request", _("Password reset requested")
    PASSWORD_DISABLED = "account:password:disabled", _("Password disabled")
    TWO_FACTOR_METHOD_ADDED = "account:two_factor:method_added", _("Two-factor method added")
    TWO_FACTOR_METHOD_REMOVED = "account:two_factor:method_removed", _("Two-factor method removed")
    RECOVERY_CODES_GENERATED = "account:recovery_codes:generated", _("Recovery codes generated")
    RECOVERY_CODES_REGENERATED = (
        "account:recovery_codes:regenerated",
        _("Recovery codes regenerated"),
    )
    RECOVERY_CODES_USED = "account:recovery_codes:used", _("Recovery code used")
    RECOVERY_CODES_BURNED = (
        "account:recovery_codes:burned",
        _("Recovery codes made unusable by an administrator"),
    )
    ACCOUNT_RECOVERY_INITIATED = (
        "account:recovery:initiated",
        _("Account recovery started by an administrator"),
    )
    ACCOUNT_RECOVERY_CANCELLED = (
        "account:recovery:cancelled",
        _("Account recovery cancelled by an administrator"),
    )
    ACCOUNT_RECOVERY_COMPLETED = (
        "account:recovery:completed",
        _("Account recovered: new password set, second factors removed"),
    )
    REAUTHENTICATE_FAILURE = "account:reauthenticate:failure", _("Password confirmation failed")
    ACCOUNT_DELETE = "account:delete", _("Account deleted")
    ACCOUNT_FROZEN = "account:frozen", _("Account frozen by an administrator")
    ACCOUNT_UNFROZEN = "account:unfrozen", _("Account unfrozen by an administrator")
    ROLE_ADD = "account:role:add", _("Role added to a project")
    ROLE_INVITE = "account:role:invite", _("Invited to a project")
    PENDING_PUBLISHER_ADDED = (
        "account:oidc:pending-publisher-added",
        _("Pending trusted publisher added"),
    )
    PENDING_PUBLISHER_REMOVED = (
        "account:oidc:pending-publisher-removed",
        _("Pending trusted publisher removed"),
    )


class UserEvent(models.Model):
    """One line of a user's security history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events")
    tag = models.CharField(max_length=100, choices=EventTag.choices)
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
        return str(self.get_tag_display())

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
