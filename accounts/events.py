"""The security history: one ``UserEvent`` per security-relevant action.

The tags, and their words, are ``EventTag`` (``accounts.models.events``); import it from here.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .client import client_ip, user_agent
from .models import User, UserEvent
from .models.events import EventTag

__all__ = ["EventTag", "record"]


def record(
    user: User, tag: EventTag, *, request: HttpRequest | None = None, **additional: Any
) -> UserEvent:
    """Append ``tag`` to ``user``'s history, with the request's address and user agent."""
    return UserEvent.objects.create(
        user=user,
        tag=tag.value,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        additional=additional,
    )
