"""A CI token is exchanged once (packages/oidc/replay.py): its jti is claimed in the database
and remembered until the token is expired beyond the leeway."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from packages.models import UsedJti
from packages.oidc import replay

pytestmark = pytest.mark.django_db


def test_a_jti_is_claimed_once():
    expires = timezone.now() + timedelta(minutes=5)

    assert replay.claim("github:6f1c2a3e", expires) is True
    assert replay.claim("github:6f1c2a3e", expires) is False
    assert replay.claim("github:6f1c2a3e", expires + timedelta(hours=1)) is False
    # Another token, or the same id from another issuer, is another claim.
    assert replay.claim("github:0d9e8f7a", expires) is True
    assert replay.claim("gitlab:6f1c2a3e", expires) is True


def test_a_replay_inside_a_transaction_leaves_the_transaction_usable():
    expires = timezone.now() + timedelta(minutes=5)
    with transaction.atomic():
        assert replay.claim("github:a", expires) is True
        assert replay.claim("github:a", expires) is False
        assert UsedJti.objects.count() == 1  # the failed insert only rolled its savepoint back


def test_a_claim_rolled_back_with_its_transaction_leaves_the_token_usable():
    expires = timezone.now() + timedelta(minutes=5)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert replay.claim("github:b", expires) is True
        raise RuntimeError("minting failed")

    assert replay.claim("github:b", expires) is True


def test_a_jti_longer_than_the_column_is_kept_as_a_digest():
    expires = timezone.now() + timedelta(minutes=5)
    long = "github:" + "x" * 1000

    assert replay.claim(long, expires) is True
    assert replay.claim(long, expires) is False
    assert replay.claim(long + "y", expires) is True
    assert all(len(row.jti) <= 255 for row in UsedJti.objects.all())


def test_rows_are_kept_until_the_token_is_expired_beyond_the_leeway():
    now = timezone.now()
    replay.claim("github:expired-long-ago", now - timedelta(minutes=5))
    replay.claim("github:just-expired", now - timedelta(seconds=20))
    replay.claim("github:live", now + timedelta(minutes=5))

    assert replay.purge_expired(now) == 1
    assert set(UsedJti.objects.values_list("jti", flat=True)) == {
        "github:just-expired",
        "github:live",
    }
    # Still refused while a token expired 20 s ago passes the 30 s leeway.
    assert replay.claim("github:just-expired", now - timedelta(seconds=20)) is False

    assert replay.purge_expired(now + timedelta(seconds=16)) == 1
    assert replay.purge_expired() == 0
    assert list(UsedJti.objects.values_list("jti", flat=True)) == ["github:live"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="threads share no in-memory SQLite test database"
)
def test_two_requests_with_one_token_at_once_claim_it_once():
    expires = timezone.now() + timedelta(minutes=5)
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def exchange() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                results.append(replay.claim("github:raced", expires))
        finally:
            connection.close()

    threads = [threading.Thread(target=exchange) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, False, False, True]
