"""The security history of an account."""

from __future__ import annotations

from django.db import models

from .user import User


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
