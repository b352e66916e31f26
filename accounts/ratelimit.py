"""Attempt limits, all counted in the shared security store (``accounts.security_store``), so
that every worker process and node counts into the same windows.

- ``hit``/``exceeded``: fixed-window counters (the second step of logging in);
- ``login_attempt``: allauth's failed-login limits of the login form, for the token API too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.core.internal.ratelimit import RateLimitUsage
from django.conf import settings
from django.http import HttpRequest

from .client import client_ip
from .models import User
from .security_store import store


def hit(scope: str, key: str, limits: Iterable[tuple[int, int]]) -> bool:
    """Count one attempt for ``key``; False once any ``(count, seconds)`` limit is exceeded."""
    allowed = True
    now = int(time.time())
    for count, seconds in limits:
        window = f"rl:{scope}:{key}:{seconds}:{now // seconds}"
        store.add(window, 0, timeout=seconds)
        try:
            used = store.incr(window)
        except ValueError:  # expired between add and incr
            store.set(window, 1, timeout=seconds)
            used = 1
        allowed = allowed and used <= count
    return allowed


def exceeded(scope: str, key: str, limits: Iterable[tuple[int, int]]) -> bool:
    """True when ``key`` has already used up one of ``limits`` (counts nothing)."""
    now = int(time.time())
    return any(
        (store.get(f"rl:{scope}:{key}:{seconds}:{now // seconds}") or 0) >= count
        for count, seconds in limits
    )


def second_factor_locked(request: HttpRequest, user: User) -> bool:
    """Whether the login's second step is locked for ``user`` or for the request's address
    (``TWO_FACTOR_RATE_LIMITS``)."""
    limits = settings.TWO_FACTOR_RATE_LIMITS
    ip = client_ip(request) or "unknown"
    return exceeded("2fa-user", str(user.pk), limits["user"]) or exceeded(
        "2fa-ip", ip, limits["ip"]
    )


def second_factor_failed(request: HttpRequest, user: User) -> None:
    limits = settings.TWO_FACTOR_RATE_LIMITS
    hit("2fa-user", str(user.pk), limits["user"])
    hit("2fa-ip", client_ip(request) or "unknown", limits["ip"])


def login_attempt(request: HttpRequest, login: str) -> RateLimitUsage | None:
    """Count one password attempt against the login form's own failed-login limits
    (allauth's ``login_failed``: per address, and per account however it is named), for
    password checks other than the form's (the token API), whatever the request's method.

    None, counting nothing, while a limit is used up: the account or the address is locked.
    Roll the usage back once the attempt succeeds, as the login form does.
    """
    key = get_adapter(request)._get_login_attempts_cache_key(request, username=login)
    return allauth_ratelimit.consume(
        request, app="allauth.account", action="login_failed", key=key, limit_get=True
    )
