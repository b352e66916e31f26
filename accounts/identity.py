"""Who is making an API request. Every identity reaches permission checks through
``Identity``: a user's API token, or a trusted publisher's short-lived upload token (no user;
the token's row names the publishers it was minted for, which packages checks).

Accepted: ``Authorization: Basic base64("__token__:<token>")`` (what twine sends), and
``Authorization: Bearer <token>`` or ``Token <token>``. Basic auth with any other username is a
password login, which the upload API refuses with its own message.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.http import HttpRequest

from . import tokens
from .models import User

TOKEN_USERNAME = "__token__"  # noqa: S105 - the username clients send, not a secret


class PasswordAuthRefused(Exception):
    """Basic auth with a real username: passwords are not accepted for API calls."""


@dataclass(frozen=True)
class Identity:
    user: User | None  # None: a trusted publisher's token
    token: tokens.PresentedToken

    @property
    def publisher_ids(self) -> list[int]:
        """The trusted publishers a publisher's token was minted for (none for a user's)."""
        if self.user is not None:
            return []
        return [int(pk) for pk in self.token.row.additional.get("publisher_ids", [])]

    @property
    def token_label(self) -> str:
        """How histories name the token: its name and public identifier, never its secret."""
        return f"{self.token.row.description} ({self.token.row.pk})"

    def denial(self, project: object | None) -> str | None:
        """Why this identity's credentials do not reach ``project`` (None: they do)."""
        return tokens.denial(self.token, user=self.user, project=project)  # type: ignore[arg-type]


def _credential(header: str) -> str | None:
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme in ("bearer", "token"):
        return value or None
    if scheme != "basic":
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    if username != TOKEN_USERNAME:
        raise PasswordAuthRefused(username)
    return password.strip() or None


def identity_from_request(request: HttpRequest) -> Identity | None:
    """The identity behind the request's credentials, or None when they prove nothing.

    Raises ``PasswordAuthRefused`` for username/password Basic auth.
    """
    raw = _credential(request.META.get("HTTP_AUTHORIZATION", ""))
    if raw is None:
        return None
    token = tokens.find(raw)
    if token is None:
        return None
    user = token.row.user
    if user is None:
        # Only a trusted publisher's token has no user (packages.oidc.minting).
        return Identity(user=None, token=token) if token.row.additional.get("oidc") else None
    if not user.is_active or user.is_frozen:
        return None
    return Identity(user=user, token=token)
