"""The default cache on a real Redis (``CACHE_URL=redis://…``), stopped and paused while the
site serves: every read still answers 200, from the database, at once; once Redis is back the
site uses it again by itself. The security store on Redis (``SECURITY_CACHE_URL``) refuses
what it cannot count with a 503 instead.

The settings are the ones ``pypi_site/settings/base.py`` builds from those URLs."""

from __future__ import annotations

import logging
import time

import pytest
import redis

from packages.simple import V1_JSON
from tests import uploads
from tests.faults.servers import Server, production_settings

pytestmark = pytest.mark.django_db

RETRY_SECONDS = 1.0
READS = [
    ("/simple/", {}),
    ("/simple/sample/", {}),
    ("/simple/sample/", {"HTTP_ACCEPT": V1_JSON}),
    ("/pypi/sample/json", {}),
    ("/project/sample/", {}),
    ("/search/?q=sample", {}),
    ("/account/login/", {}),
]


def redis_settings(tmp_path, server: Server, **urls: str) -> dict:
    return production_settings(
        tmp_path,
        CACHE_RETRY_SECONDS=str(RETRY_SECONDS),
        **{name: url.format(port=server.port) for name, url in urls.items()},
    )["CACHES"]


def cached_keys(server: Server, db: int = 1) -> int:
    return int(redis.Redis(port=server.port, db=db).dbsize())


def read_everything(client) -> float:
    """Every read answers 200; the seconds they took."""
    started = time.monotonic()
    for path, headers in READS:
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, headers, response.status_code)
    return time.monotonic() - started


@pytest.fixture
def site_on_redis(client, settings, tmp_path, token, redis_server):
    caches = redis_settings(tmp_path, redis_server, CACHE_URL="redis://127.0.0.1:{port}/1")
    assert caches["default"]["BACKEND"] == "pypi_site.cache.TolerantRedisCache"
    settings.CACHES = caches
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    return redis_server


def test_reads_answer_while_redis_is_stopped_and_use_it_again_once_back(
    client, site_on_redis, caplog
):
    caplog.set_level(logging.INFO, logger="pypi_site.cache")
    read_everything(client)
    assert cached_keys(site_on_redis) > 0  # the pages were cached in Redis

    site_on_redis.stop()
    for _ in range(3):
        assert read_everything(client) < 5
    lines = [r.getMessage() for r in caplog.records if r.name == "pypi_site.cache"]
    # One line for the outage, not one per request.
    assert len(lines) == 1
    assert "cannot be reached" in lines[0]
    assert "pages are built from the database" in lines[0]

    site_on_redis.start()  # empty, as after a crash
    assert cached_keys(site_on_redis) == 0
    deadline = time.monotonic() + 10 * RETRY_SECONDS
    while cached_keys(site_on_redis) == 0:
        assert time.monotonic() < deadline, "the site never used Redis again"
        time.sleep(RETRY_SECONDS / 4)
        read_everything(client)
    lines = [r.getMessage() for r in caplog.records if r.name == "pypi_site.cache"]
    assert "answers again" in lines[-1]


def test_reads_answer_quickly_while_redis_hangs(client, site_on_redis):
    """A paused Redis accepts connections and never answers: the socket timeout (0.5 s)
    bounds the first read that waits, then the node leaves Redis alone for a while."""
    read_everything(client)
    site_on_redis.pause()
    try:
        started = time.monotonic()
        for _ in range(3):
            read_everything(client)
        assert time.monotonic() - started < 8
    finally:
        site_on_redis.resume()


def test_a_change_during_the_outage_is_seen_at_once(client, site_on_redis, token):
    """Reads miss while Redis is down, so a page never outlives the change that makes it
    stale: the new release is on the Simple page at once, and after Redis returns."""
    read_everything(client)
    site_on_redis.stop()
    assert uploads.wheel_upload("sample", "2.0").post(client, token).status_code == 200
    assert b"sample-2.0-py3-none-any.whl" in client.get("/simple/sample/").content
    site_on_redis.start()
    time.sleep(RETRY_SECONDS * 1.2)
    for _ in range(2):
        assert b"sample-2.0-py3-none-any.whl" in client.get("/simple/sample/").content


def test_a_security_store_on_redis_refuses_with_503_while_redis_is_down(
    client, settings, tmp_path, redis_server, publisher
):
    """Rate limits on Redis (``SECURITY_CACHE_URL``) must hold: a login attempt that cannot be
    counted is refused with 503 and a plain message, not let through, not a 500. Reads go on."""
    caches = redis_settings(tmp_path, redis_server, SECURITY_CACHE_URL="redis://127.0.0.1:{port}/2")
    assert caches["security"]["BACKEND"] == "pypi_site.cache.StrictRedisCache"
    settings.CACHES = caches
    attempt = {"login": publisher.username, "password": "not the password"}
    assert client.post("/account/login/", attempt).status_code == 200  # counted, refused
    assert cached_keys(redis_server, db=2) > 0

    redis_server.stop()
    response = client.post("/account/login/", attempt)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "rate limits" in response.content.decode()
    assert client.get("/account/login/").status_code == 200
    assert client.get("/simple/").status_code == 200

    redis_server.start()
    time.sleep(RETRY_SECONDS * 1.2)
    assert client.post("/account/login/", attempt).status_code == 200
