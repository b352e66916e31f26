"""Fixed-window attempt counters in the Django cache (shared by every web node in production)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache


def hit(scope: str, key: str, limits: Iterable[tuple[int, int]]) -> bool:
    """Count one attempt for ``key``; False once any ``(count, seconds)`` limit is exceeded."""
    allowed = True
    now = int(time.time())
    for count, seconds in limits:
        window = f"rl:{scope}:{key}:{seconds}:{now // seconds}"
        cache.add(window, 0, timeout=seconds)
        try:
            used = cache.incr(window)
        except ValueError:  # expired between add and incr
            cache.set(window, 1, timeout=seconds)
            used = 1
        allowed = allowed and used <= count
    return allowed


def exceeded(scope: str, key: str, limits: Iterable[tuple[int, int]]) -> bool:
    """True when ``key`` has already used up one of ``limits`` (counts nothing)."""
    now = int(time.time())
    return any(
        (cache.get(f"rl:{scope}:{key}:{seconds}:{now // seconds}") or 0) >= count
        for count, seconds in limits
    )
