"""The security history: one ``UserEvent`` per security-relevant action."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.http import HttpRequest

from .client import client_ip, user_agent
from .models import User, UserEvent


class EventTag(StrEnum):
    ACCOUNT_CREATE = "account:create"
    API_TOKEN_ADDED = "account:api_token:added"
    API_TOKEN_REMOVED = "account:api_token:removed"
    API_TOKEN_REMOVED_LEAK = "account:api_token:removed_leak"
    EMAIL_ADD = "account:email:add"
    EMAIL_REMOVE = "account:email:remove"
    EMAIL_PRIMARY_CHANGE = "account:email:primary:change"
    EMAIL_VERIFIED = "account:email:verified"
    EMAIL_SENT = "account:email:sent"
    LOGIN_SUCCESS = "account:login:success"
    LOGIN_FAILURE = "account:login:failure"
    LOGIN_DEVICE_CONFIRMED = "account:login:device_confirmed"
    PASSWORD_CHANGE = "account:password:change"
    PASSWORD_RESET = "account:password:reset"
    PASSWORD_RESET_REQUEST = "account:password:reset:request"
    PASSWORD_DISABLED = "account:password:disabled"
    TWO_FACTOR_METHOD_ADDED = "account:two_factor:method_added"
    TWO_FACTOR_METHOD_REMOVED = "account:two_factor:method_removed"
    RECOVERY_CODES_GENERATED = "account:recovery_codes:generated"
    RECOVERY_CODES_REGENERATED = "account:recovery_codes:regenerated"
    RECOVERY_CODES_USED = "account:recovery_codes:used"
    REAUTHENTICATE_FAILURE = "account:reauthenticate:failure"
    ACCOUNT_DELETE = "account:delete"
    ROLE_ADD = "account:role:add"
    ROLE_INVITE = "account:role:invite"


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
