"""API tokens as the server keeps them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .user import User


class ApiToken(models.Model):
    """An API token (a macaroon) as the server knows it.

    Only the public identifier, the scope and a random salt are kept: the macaroon's root key
    is derived from the salt and ``DATA_SECRET_KEY`` when needed, so the table alone can
    neither rebuild nor forge a token.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", null=True, blank=True
    )
    description = models.CharField(_("name"), max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    caveats = models.JSONField(default=list)
    # Off: the token uploads only. On: it may also yank, delete and manage collaborators
    # through the project management API (``/api/projects/<name>/...``), as its user may.
    can_manage = models.BooleanField(_("may manage projects"), default=False)
    permissions_caveat = models.JSONField(default=dict)
    additional = models.JSONField(default=dict, blank=True)
    key_salt = models.BinaryField(max_length=32, editable=False)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["user", "description"], name="apitoken_user_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.id})"
