"""The Redis cache backends the settings choose for a ``redis://`` ``CACHE_URL`` and
``SECURITY_CACHE_URL``, and what each does when Redis cannot be reached.

- ``TolerantRedisCache`` (the default alias: Simple pages, JSON documents, banners, Help,
  the search throttle) degrades to the database: while Redis is down every read misses and
  every write or delete does nothing, so each page is built from the database as with no cache
  at all. Nothing it holds is needed for correctness: the pages' keys carry the project's
  serial, and what is invalidated by deletion (the banners) expires within seconds anyway.
- ``StrictRedisCache`` (the ``security`` alias, when an operator points it at Redis: rate
  limits, lockouts) must not pretend: a limit that cannot be counted does not hold. It raises
  ``SecurityStoreUnavailable``, which ``SecurityStoreUnavailableMiddleware`` answers with a
  503 and a plain message; the request changes nothing.

Both use short connect and socket timeouts (``CACHE_TIMEOUT_SECONDS``), so a dead or hanging
Redis costs a request milliseconds, not the client library's defaults (no timeout at all). After
a failure, a process stops asking that Redis for ``CACHE_RETRY_SECONDS``, then tries again
with the next request and is back to normal as soon as Redis answers. A warning is logged at
most once a minute per Redis, with the number of operations that failed meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT_SECONDS = 0.5
DEFAULT_RETRY_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0


def _where(servers: list[str]) -> str:
    """The Redis servers for a log line: host and port, never a password in the URL."""
    shown = []
    for server in servers:
        parts = urlsplit(server)
        shown.append(f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else "redis")
    return ", ".join(shown)


class _Health:
    """Whether one Redis (a LOCATION) answered lately, shared by every thread of the process:
    Django makes a cache object per thread, and all of them should skip a Redis that is down."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.warned_at: float | None = None  # kept across outages: a flapping Redis is
        self.warned_this_outage = False  # still reported once a minute at most
        self.failures = 0

    def skipping(self) -> bool:
        """True while Redis failed less than the retry interval ago: do not even try."""
        return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, where: str, error: Exception, retry_seconds: float, consequence: str) -> None:
        now = time.monotonic()
        with self.lock:
            if self.down_since is None:
                self.down_since = now
            self.retry_at = now + retry_seconds
            self.failures += 1
            if self.warned_at is not None and now - self.warned_at < WARN_EVERY_SECONDS:
                return
            self.warned_at, failures, self.failures = now, self.failures, 0
            self.warned_this_outage = True
        logger.warning(
            "Redis at %s cannot be reached (%s: %s); %s. %d operation(s) failed since the last "
            "warning; trying again every %g s.",
            where,
            type(error).__name__,
            error,
            consequence,
            failures,
            retry_seconds,
        )

    def answered(self, where: str) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is None:
                return
            seconds = time.monotonic() - self.down_since
            self.down_since, warned, self.warned_this_outage = None, self.warned_this_outage, False
        if warned:
            logger.info("Redis at %s answers again, after %.1f s.", where, seconds)


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _health_of(location: str) -> _Health:
    with _health_lock:
        return _health.setdefault(location, _Health())


class _GuardedRedisCache(RedisCache):
    """Django's Redis cache with short timeouts, run through ``_failed`` when Redis fails."""

    consequence = ""
    _servers: list[str]  # set by RedisCache.__init__
    _options: dict[str, Any]

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        options = dict(self._options)
        self.retry_seconds = float(options.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
        timeout = float(options.pop("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
        self._options = options
        self._where = _where(list(self._servers))
        self._health = _health_of(",".join(self._servers))

    def _run(self, call: Callable[[], T], fallback: Callable[[], T]) -> T:
        if self._health.skipping():
            return fallback()
        try:
            result = call()
        except (redis.RedisError, OSError) as error:
            self._health.failed(self._where, error, self.retry_seconds, self.consequence)
            return fallback()
        self._health.answered(self._where)
        return result

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        return self._run(
            lambda: super(_GuardedRedisCache, self).add(key, value, timeout, version),
            lambda: self._unavailable(False),
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._run(
            lambda: super(_GuardedRedisCache, self).get(key, default, version),
            lambda: self._unavailable(default),
        )

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        return self._run(
            lambda: super(_GuardedRedisCache, self).set(key, value, timeout, version),
            lambda: self._unavailable(None),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._run(
            lambda: super(_GuardedRedisCache, self).touch(key, timeout, version),
            lambda: self._unavailable(False),
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._run(
            lambda: super(_GuardedRedisCache, self).delete(key, version),
            lambda: self._unavailable(False),
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._run(
            lambda: super(_GuardedRedisCache, self).get_many(keys, version),
            lambda: self._unavailable({}),
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._run(
            lambda: super(_GuardedRedisCache, self).has_key(key, version),
            lambda: self._unavailable(False),
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        def missing() -> Any:
            self._unavailable(None)
            # What Django's backends say of a key they do not hold: callers already handle it.
            raise ValueError(f"Key '{key}' not found.")

        return self._run(lambda: super(_GuardedRedisCache, self).incr(key, delta, version), missing)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        return self._run(
            lambda: super(_GuardedRedisCache, self).set_many(data, timeout, version),
            lambda: self._unavailable(list(data)),  # the keys that were not stored
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        return self._run(
            lambda: super(_GuardedRedisCache, self).delete_many(keys, version),
            lambda: self._unavailable(None),
        )

    def clear(self) -> None:
        self._run(lambda: super(_GuardedRedisCache, self).clear(), lambda: self._unavailable(None))

    def _unavailable(self, answer: T) -> T:
        """What an operation answers while Redis is unavailable."""
        raise NotImplementedError


class TolerantRedisCache(_GuardedRedisCache):
    """A cache whose outage costs speed, never an error: reads miss, writes do nothing."""

    consequence = "cache reads miss and writes are skipped: pages are built from the database"

    def _unavailable(self, answer: T) -> T:
        return answer


class SecurityStoreUnavailable(Exception):
    """The security store (rate limits, lockouts) cannot be reached: refuse the request."""


class StrictRedisCache(_GuardedRedisCache):
    """A store whose answers must hold (rate limits): while Redis is unavailable every
    operation raises ``SecurityStoreUnavailable``."""

    consequence = "requests that count rate limits are refused with 503"

    def _unavailable(self, answer: T) -> T:
        raise SecurityStoreUnavailable(f"the security store at {self._where} cannot be reached")


RETRY_AFTER_SECONDS = 30


class SecurityStoreUnavailableMiddleware:
    """Answer a request whose rate limits could not be counted (``SecurityStoreUnavailable``)
    with 503, ``Retry-After`` and a plain message, instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SecurityStoreUnavailable):
            return None
        message = _(
            "This action cannot be checked against its rate limits right now, so it was not "
            "carried out. Please try again in a minute."
        )
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response.reason_phrase = "Service Unavailable"
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
