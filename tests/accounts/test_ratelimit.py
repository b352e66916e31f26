"""The fixed-window attempt counters behind the second-factor limits, in the shared store."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from accounts import ratelimit

pytestmark = pytest.mark.django_db

LIMITS = [(3, 60)]


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, standing at the start of a 60-second and of a 3600-second window
    (the store's entries still expire in real time, after their window's length)."""
    now = [7200.0]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now[0]))
    return now


def test_hits_are_allowed_up_to_the_limit(clock):
    assert [ratelimit.hit("s", "k", LIMITS) for _ in range(4)] == [True, True, True, False]


def test_exceeded_once_the_limit_is_used_up_and_counts_nothing(clock):
    for _ in range(2):
        ratelimit.hit("s", "k", LIMITS)
    assert [ratelimit.exceeded("s", "k", LIMITS) for _ in range(5)] == [False] * 5
    ratelimit.hit("s", "k", LIMITS)
    assert ratelimit.exceeded("s", "k", LIMITS) is True


@pytest.mark.parametrize(
    ("scope", "key"), [("other", "k"), ("s", "other")], ids=["other-scope", "other-key"]
)
def test_scopes_and_keys_are_counted_apart(clock, scope, key):
    for _ in range(3):
        ratelimit.hit("s", "k", LIMITS)
    assert ratelimit.exceeded("s", "k", LIMITS) is True
    assert ratelimit.exceeded(scope, key, LIMITS) is False
    assert ratelimit.hit(scope, key, LIMITS) is True


def test_the_window_ends(clock):
    for _ in range(3):
        ratelimit.hit("s", "k", LIMITS)
    clock[0] += 59
    assert ratelimit.exceeded("s", "k", LIMITS) is True
    clock[0] += 1
    assert ratelimit.exceeded("s", "k", LIMITS) is False
    assert ratelimit.hit("s", "k", LIMITS) is True


def test_every_limit_applies(clock):
    limits = [(2, 60), (3, 3600)]
    assert ratelimit.hit("s", "k", limits) is True
    assert ratelimit.hit("s", "k", limits) is True
    assert ratelimit.exceeded("s", "k", limits) is True  # the per-minute limit
    clock[0] += 60
    assert ratelimit.exceeded("s", "k", limits) is False
    assert ratelimit.hit("s", "k", limits) is True
    assert ratelimit.exceeded("s", "k", limits) is True  # now the per-hour one
    clock[0] += 60
    assert ratelimit.exceeded("s", "k", limits) is True
    assert ratelimit.hit("s", "k", limits) is False
