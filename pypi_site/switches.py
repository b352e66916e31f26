"""The one function every app asks whether an admin switch is on.

The switches themselves (``moderation.AdminFlag``) live in the moderation app, which sits above
accounts and packages; it plugs its lookup in here when it is ready. Until then (or in a
project without moderation) every switch reads as off.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class Switch(StrEnum):
    READ_ONLY = "read-only"
    DISALLOW_NEW_UPLOAD = "disallow-new-upload"
    DISALLOW_NEW_PROJECT_REGISTRATION = "disallow-new-project-registration"
    DISALLOW_NEW_USER_REGISTRATION = "disallow-new-user-registration"
    DISALLOW_DELETION = "disallow-deletion"
    DISALLOW_OIDC = "disallow-oidc"


_provider: Callable[[str], bool] | None = None


def register(provider: Callable[[str], bool]) -> None:
    """Install the function that answers ``is_on``; the moderation app calls this."""
    global _provider
    _provider = provider


def is_on(switch: Switch) -> bool:
    """True when an administrator has turned ``switch`` on."""
    return _provider is not None and _provider(switch.value)
