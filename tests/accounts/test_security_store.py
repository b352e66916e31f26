"""The shared store of security state: a database table by default, counters that hold, and
allauth's limits counted in it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections

from accounts import security_store
from accounts.security_store import SecurityDatabaseCache, store
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db


class Clock:
    """Time as the database cache reads it (``time.time`` for expiries, ``tz_now`` to compare)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def time(self) -> float:
        return self.now

    def tz_now(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("django.core.cache.backends.base.time", clock)
    monkeypatch.setattr("django.core.cache.backends.db.tz_now", clock.tz_now)
    monkeypatch.setattr("accounts.security_store.tz_now", clock.tz_now)
    return clock


def rows(pattern: str = "%") -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM security_cache WHERE cache_key LIKE %s", [pattern])
        return [key for (key,) in cursor.fetchall()]


def test_the_security_alias_is_a_table_of_the_database():
    assert isinstance(caches["security"], SecurityDatabaseCache)
    store.set("k", 1, 60)
    assert rows() == ["security:1:k"]


def test_incr_counts_and_keeps_the_expiry(clock):
    store.add("window", 0, timeout=3600)
    assert [store.incr("window") for _ in range(3)] == [1, 2, 3]
    # Django's own incr would set the default timeout (300 s) again with each increment.
    clock.now += 3000
    assert store.get("window") == 3
    clock.now += 601
    assert store.get("window") is None


def test_incr_of_a_missing_or_expired_key_is_an_error(clock):
    with pytest.raises(ValueError):
        store.incr("missing")
    store.set("short", 5, timeout=10)
    clock.now += 11
    with pytest.raises(ValueError):
        store.incr("short")


def test_a_full_table_forgets_expired_entries_but_never_live_ones(clock):
    small = SecurityDatabaseCache("security_cache", {"OPTIONS": {"MAX_ENTRIES": 3}})
    for i in range(3):
        small.set(f"old{i}", i, timeout=10)
    clock.now += 11
    for i in range(6):
        small.set(f"live{i}", i, timeout=3600)
    assert rows("%old%") == []
    assert [small.get(f"live{i}") for i in range(6)] == list(range(6))


@pytest.mark.django_db(transaction=True)
def test_increments_from_many_connections_are_never_lost():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database has one writer; PostgreSQL runs this")
    store.add("shared", 0, timeout=600)

    def count() -> None:
        try:
            for _ in range(20):
                caches["security"].incr("shared")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get("shared") == 80


def test_allauths_limits_count_in_the_shared_store(client, member):
    client.post("/account/login/", {"login": "ann", "password": "wrong"})
    assert rows("%allauth:rl:allauth.account:login_failed:%")
    assert not any("login_failed" in str(key) for key in caches["default"]._cache)  # type: ignore[attr-defined]
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})


def test_migrate_creates_the_table():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE security_cache")
    call_command("migrate", verbosity=0)
    assert "security_cache" in connection.introspection.table_names()


def test_the_allauth_hook_refuses_an_allauth_without_its_cache(monkeypatch):
    monkeypatch.delattr(allauth_ratelimit, "cache")
    with pytest.raises(Exception, match="no longer reads a module-level cache"):
        security_store.use_for_allauth()
