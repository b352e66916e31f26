"""Freezing an account: staff stop it at once, for abuse or a suspected takeover.

A frozen account cannot log in (``AccountAdapter.authenticate``), its sessions end (deleted
here, and refused on their next request by ``User.get_session_auth_hash``) and its API tokens
stop working (``identity.identity_from_request``). Unfreezing lets it log in again; its old
sessions stay ended.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from . import events, sessions
from .events import EventTag
from .models import User
from .services import Refused


class FreezeRefused(Refused):
    """Staff cannot freeze their own account (they would lock themselves out)."""

    def __init__(self) -> None:
        super().__init__(_("You cannot freeze your own account."))


@transaction.atomic
def freeze_user(user: User, *, by: User, reason: str = "") -> bool:
    """Freeze ``user`` and end its sessions, recording who did it and why; False (nothing
    done) when it was frozen already."""
    if user.pk == by.pk:
        raise FreezeRefused()
    if not _set_frozen(user, frozen=True):
        return False
    events.record(user, EventTag.ACCOUNT_FROZEN, by=by.username, reason=reason)
    sessions.end_sessions(user)
    return True


@transaction.atomic
def unfreeze_user(user: User, *, by: User, reason: str = "") -> bool:
    """Let ``user`` log in again, recording who did it and why; False (nothing done) when it
    was not frozen."""
    if not _set_frozen(user, frozen=False):
        return False
    events.record(user, EventTag.ACCOUNT_UNFROZEN, by=by.username, reason=reason)
    return True


def _set_frozen(user: User, *, frozen: bool) -> bool:
    """Set the flag, unless it was set so already (read under a row lock: two staff acting at
    once record one event)."""
    current = User.objects.select_for_update().values_list("is_frozen", flat=True).get(pk=user.pk)
    user.is_frozen = frozen
    if current == frozen:
        return False
    User.objects.filter(pk=user.pk).update(is_frozen=frozen)
    return True
