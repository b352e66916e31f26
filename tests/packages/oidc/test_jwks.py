"""The issuer's keys (packages/oidc/jwks.py): discovered, cached for an hour, fetched again for
a rotated key at most once a minute, and every failure a refusal rather than a 500."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from packages.oidc import jwks
from packages.oidc.errors import OIDCError
from packages.oidc.verify import verify
from tests.oidc_issuer import ATTACKER, PRIMARY, SECOND, LocalIssuer

pytestmark = pytest.mark.django_db

INVALID = ("invalid-token", "malformed or invalid token")
UNAVAILABLE = (
    "invalid-token",
    "the token issuer's signing keys could not be fetched; try again later",
)


class Clock:
    """Stands in for the clock of Django's in-memory cache, which keeps the keys."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("django.core.cache.backends.base.time", clock)
    monkeypatch.setattr("django.core.cache.backends.locmem.time", clock)
    return clock


def refusal(raw_token: str) -> tuple[str, str]:
    with pytest.raises(OIDCError) as caught:
        verify(raw_token)
    return caught.value.code, caught.value.description


def test_keys_are_discovered_then_cached_for_an_hour(oidc_issuer: LocalIssuer, clock):
    verify(oidc_issuer.github_token())
    assert oidc_issuer.requests == ["/github/.well-known/openid-configuration", "/github/jwks"]

    clock.offset = 59 * 60
    verify(oidc_issuer.github_token())
    verify(oidc_issuer.gitlab_token())  # each issuer has its own keys
    assert oidc_issuer.fetches("github") == 1
    assert oidc_issuer.fetches("gitlab") == 1

    clock.offset = 61 * 60
    verify(oidc_issuer.github_token())
    assert oidc_issuer.fetches("github") == 2


def test_a_rotated_key_is_fetched_when_a_token_names_it(oidc_issuer: LocalIssuer, clock):
    verify(oidc_issuer.github_token())
    oidc_issuer.publish("github", PRIMARY, SECOND)
    clock.offset = 61  # a minute after the last fetch

    assert verify(oidc_issuer.github_token(key=SECOND))[0] == "github"
    assert oidc_issuer.fetches("github") == 2
    # Both keys are kept: the old one still verifies, without another fetch.
    verify(oidc_issuer.github_token(key=PRIMARY))
    assert oidc_issuer.fetches("github") == 2


def test_unknown_key_ids_fetch_the_keys_at_most_once_a_minute(oidc_issuer: LocalIssuer, clock):
    verify(oidc_issuer.github_token())  # the first fetch, at 0 s
    clock.offset = 61
    for n in range(20):  # a flood of made-up key ids
        token = oidc_issuer.github_token(key=ATTACKER, headers={"kid": f"bogus-{n}"})
        assert refusal(token) == INVALID
    assert oidc_issuer.fetches("github") == 2  # one refresh, at 61 s

    # The issuer rotates meanwhile: its new key is not fetched before the minute is over...
    oidc_issuer.publish("github", SECOND)
    clock.offset = 61 + 50
    assert refusal(oidc_issuer.github_token(key=SECOND)) == INVALID
    assert oidc_issuer.fetches("github") == 2
    # ... and is after it.
    clock.offset = 61 + 62
    assert verify(oidc_issuer.github_token(key=SECOND))[0] == "github"
    assert oidc_issuer.fetches("github") == 3


def test_a_key_unknown_right_after_the_first_fetch_is_not_fetched_again(oidc_issuer):
    assert refusal(oidc_issuer.github_token(key=ATTACKER)) == INVALID
    assert refusal(oidc_issuer.github_token(key=ATTACKER)) == INVALID
    assert oidc_issuer.fetches("github") == 1


def _close_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "failure",
    [
        "down",
        "500",
        "discovery-names-another-issuer",
        "no-jwks-uri",
        "jwks-uri-plain-http-off-loopback",
        "jwks-uri-not-http",
        "no-rsa-key",
        "too-large",
    ],
)
def test_keys_that_cannot_be_had_refuse_the_token_and_are_not_asked_for_again_at_once(
    oidc_issuer: LocalIssuer, settings, caplog, clock, failure
):
    if failure == "down":
        settings.OIDC_GITHUB_ISSUER = f"http://127.0.0.1:{_close_port()}/github"
    elif failure == "500":
        oidc_issuer.status = 500
    elif failure == "discovery-names-another-issuer":
        oidc_issuer.override_discovery("github", issuer="https://token.ci.example")
    elif failure == "no-jwks-uri":
        oidc_issuer.override_discovery("github", jwks_uri=None)
    elif failure == "jwks-uri-plain-http-off-loopback":
        oidc_issuer.override_discovery("github", jwks_uri="http://keys.example/jwks")
    elif failure == "jwks-uri-not-http":
        oidc_issuer.override_discovery("github", jwks_uri="file:///etc/passwd")
    elif failure == "no-rsa-key":
        oidc_issuer.publish("github")
    elif failure == "too-large":
        oidc_issuer.override_discovery("github", padding="x" * jwks.MAX_DOCUMENT_BYTES)
    token = oidc_issuer.github_token(iss=settings.OIDC_GITHUB_ISSUER)

    with caplog.at_level(logging.WARNING, logger="packages.oidc.jwks"):
        assert refusal(token) == UNAVAILABLE
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("Fetching an OIDC issuer's keys failed (")
    assert token not in caplog.text

    fetched = list(oidc_issuer.requests)
    assert refusal(token) == UNAVAILABLE  # remembered: refused at once
    assert oidc_issuer.requests == fetched

    # Half a minute later the issuer is asked again.
    clock.offset = jwks.FAILURE_SECONDS + 1
    assert refusal(token) == UNAVAILABLE
    assert failure == "down" or len(oidc_issuer.requests) > len(fetched)
    # And once it answers, its keys are used.
    settings.OIDC_GITHUB_ISSUER = oidc_issuer.url("github")
    with LocalIssuer() as healthy:
        settings.OIDC_GITHUB_ISSUER = healthy.url("github")
        assert verify(healthy.github_token())[0] == "github"


def test_a_failed_refresh_keeps_the_cached_keys(oidc_issuer: LocalIssuer, clock):
    verify(oidc_issuer.github_token())
    oidc_issuer.status = 500
    clock.offset = 61

    assert refusal(oidc_issuer.github_token(key=SECOND)) == INVALID
    assert verify(oidc_issuer.github_token())[0] == "github"
    assert oidc_issuer.fetches("github") == 1  # the refresh failed at discovery


def test_a_slow_issuer_is_given_up(oidc_issuer: LocalIssuer, monkeypatch):
    """A server that accepts the connection and never answers costs one socket timeout."""
    monkeypatch.setattr(jwks, "SOCKET_TIMEOUT_SECONDS", 0.3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        issuer = f"http://127.0.0.1:{silent.getsockname()[1]}/github"
        started = time.monotonic()
        with pytest.raises(OIDCError) as caught:
            jwks.signing_key(issuer, PRIMARY.kid)
    assert (caught.value.code, caught.value.description) == UNAVAILABLE
    assert time.monotonic() - started < 2


def test_keys_other_than_rsa_signing_keys_are_left_out(oidc_issuer: LocalIssuer):
    rsa_for_encryption = {**SECOND.jwk(), "use": "enc"}
    rsa_for_rs512 = {**ATTACKER.jwk(), "alg": "RS512"}
    ec_key = {
        "kty": "EC",
        "crv": "P-256",
        "kid": "ec-key",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    }
    oidc_issuer.publish(
        "github", rsa_for_encryption, rsa_for_rs512, ec_key, {"kty": "RSA"}, "junk", PRIMARY
    )

    assert jwks.signing_key(oidc_issuer.url("github"), PRIMARY.kid) is not None
    for kid in (SECOND.kid, ATTACKER.kid, "ec-key"):
        assert jwks.signing_key(oidc_issuer.url("github"), kid) is None
