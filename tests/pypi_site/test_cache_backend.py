"""``pypi_site.cache``: the Redis backends the settings choose for ``CACHE_URL`` and
``SECURITY_CACHE_URL``, against a real ``redis-server`` and a port where nothing listens."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from pypi_site.cache import SecurityStoreUnavailable, StrictRedisCache, TolerantRedisCache
from tests.faults.servers import Server, free_port, new_redis_server, production_settings


@pytest.fixture
def redis_server(tmp_path) -> Iterator[Server]:
    with new_redis_server(tmp_path) as server:
        yield server


def backend(cls, port: int, *, retry: float = 0.5, password: str = ""):
    auth = f":{password}@" if password else ""
    location = f"redis://{auth}127.0.0.1:{port}/1"
    return cls(location, {"OPTIONS": {"retry_seconds": retry, "timeout_seconds": 0.5}})


def test_settings_choose_the_backends_for_redis_urls(tmp_path):
    built = production_settings(
        tmp_path,
        CACHE_URL="redis://cache.internal:6379/1",
        SECURITY_CACHE_URL="redis://cache.internal:6379/2",
        CACHE_TIMEOUT_SECONDS="0.25",
    )["CACHES"]

    assert built["default"]["BACKEND"] == "pypi_site.cache.TolerantRedisCache"
    assert built["security"]["BACKEND"] == "pypi_site.cache.StrictRedisCache"
    for alias in ("default", "security"):
        assert built[alias]["OPTIONS"] == {"timeout_seconds": 0.25, "retry_seconds": 5.0}
    # Without Redis: a cache of each process, and the database for the security store.
    built = production_settings(tmp_path)["CACHES"]
    assert built["default"]["BACKEND"].endswith("LocMemCache")
    assert built["security"]["BACKEND"] == "accounts.security_store.SecurityDatabaseCache"


def test_tolerant_cache_works_as_a_cache_while_redis_answers(redis_server):
    cache = backend(TolerantRedisCache, redis_server.port)

    cache.set("page", b"<html>", 60)
    assert cache.get("page") == b"<html>"
    assert cache.add("page", b"other") is False
    cache.set("hits", 1)
    assert cache.incr("hits") == 2
    assert cache.get_many(["page", "hits", "none"]) == {"page": b"<html>", "hits": 2}
    assert cache.delete("page") is True
    assert cache.get("page", "missed") == "missed"


def test_tolerant_cache_without_redis_misses_and_skips_writes_at_once():
    cache = backend(TolerantRedisCache, free_port())

    started = time.monotonic()
    for _ in range(100):
        assert cache.get("page") is None
        assert cache.get("page", "default") == "default"
        assert cache.set("page", b"x") is None
        assert cache.add("page", b"x") is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("page") is False
        assert cache.delete("page") is False
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys not stored
        assert cache.get_or_set("page", lambda: b"built") == b"built"
        with pytest.raises(ValueError, match="not found"):  # as for a key Redis lacks
            cache.incr("hits")
    assert time.monotonic() - started < 2


def test_tolerant_cache_recovers_by_itself_and_warns_once_per_outage(redis_server, caplog):
    caplog.set_level(logging.INFO, logger="pypi_site.cache")
    cache = backend(TolerantRedisCache, redis_server.port, retry=0.3, password="")
    cache.set("page", b"1")
    redis_server.stop()

    for _ in range(50):
        assert cache.get("page") is None
    time.sleep(0.4)  # past the retry interval: it tries again, fails again, still one line
    assert cache.get("page") is None
    redis_server.start()
    time.sleep(0.4)
    cache.get("page")  # the pool's old connection was closed by the restart
    time.sleep(0.4)
    cache.set("page", b"2")

    assert cache.get("page") == b"2"
    lines = [r.getMessage() for r in caplog.records if r.name == "pypi_site.cache"]
    assert len(lines) == 2
    assert "cannot be reached" in lines[0]
    assert "answers again" in lines[1]


def test_logs_never_show_the_redis_password(caplog):
    caplog.set_level(logging.INFO, logger="pypi_site.cache")
    cache = backend(TolerantRedisCache, free_port(), password="s3cr3t-redis-password")

    cache.get("page")

    assert caplog.records
    assert "s3cr3t" not in caplog.text
    assert "127.0.0.1" in caplog.text


def test_strict_store_refuses_while_redis_is_down_and_counts_again_after(redis_server):
    store = backend(StrictRedisCache, redis_server.port, retry=0.3)
    store.add("attempts", 0, 60)
    assert store.incr("attempts") == 1
    with pytest.raises(ValueError):  # a missing key is still a missing key
        store.incr("other")

    redis_server.stop()
    for operation in (
        lambda: store.get("attempts"),
        lambda: store.add("attempts", 0, 60),
        lambda: store.incr("attempts"),
        lambda: store.set("attempts", 5),
    ):
        with pytest.raises(SecurityStoreUnavailable):
            operation()

    redis_server.start()
    deadline = time.monotonic() + 5
    while True:
        try:
            store.set("attempts", 1, 60)
            break
        except SecurityStoreUnavailable:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert store.incr("attempts") == 2
