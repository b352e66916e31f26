"""The network addresses an account has logged in from, and whether each is confirmed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .user import User


class LoginStatus(models.TextChoices):
    PENDING = "pending", _("waiting for confirmation")
    CONFIRMED = "confirmed", _("confirmed")


class UniqueLogin(models.Model):
    """One (account, address) pair; logins from a pending address wait for the mailed link."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="unique_logins")
    ip_address = models.GenericIPAddressField()
    status = models.CharField(max_length=10, choices=LoginStatus.choices)
    created = models.DateTimeField(auto_now_add=True)
    # Until when the link last mailed for a pending address works (none is re-sent before).
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    device_information = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "ip_address"], name="unique_login_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.ip_address} {self.status}"
