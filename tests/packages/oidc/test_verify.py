"""Verifying a CI platform's token (packages/oidc/verify.py): what is accepted, and every
refusal with the code and words the public index gives, against a local issuer."""

from __future__ import annotations

import logging
import time

import jwt
import pytest

from moderation.models import AdminFlag
from packages.oidc.errors import OIDCError
from packages.oidc.verify import verify
from tests.oidc_issuer import ATTACKER, PRIMARY, SECOND, LocalIssuer, compact, forged_hs256

pytestmark = pytest.mark.django_db

MALFORMED = ("invalid-payload", "malformed JWT")
UNKNOWN_ISSUER = ("invalid-payload", "unknown trusted publishing issuer")
INVALID = ("invalid-token", "malformed or invalid token")


def refusal(raw_token: str) -> tuple[str, str]:
    with pytest.raises(OIDCError) as caught:
        verify(raw_token)
    return caught.value.code, caught.value.description


def claims_of(raw_token: str) -> dict:
    return jwt.decode(raw_token, options={"verify_signature": False})


def test_a_github_token_gives_its_provider_and_claims(oidc_issuer: LocalIssuer):
    token = oidc_issuer.github_token()

    provider, claims = verify(token)

    assert provider == "github"
    assert claims == claims_of(token)
    assert claims["repository"] == "octo-org/sample"
    assert claims["job_workflow_ref"].startswith("octo-org/sample/.github/workflows/release.yml@")


def test_a_gitlab_token_gives_its_provider_and_claims(oidc_issuer: LocalIssuer):
    provider, claims = verify(oidc_issuer.gitlab_token())

    assert provider == "gitlab"
    assert claims["project_path"] == "octo-group/sample"
    assert claims["ci_config_ref_uri"] == (
        "gitlab.com/octo-group/sample//.gitlab-ci.yml@refs/tags/v1.0"
    )


def test_google_and_activestate_tokens_need_no_jti(oidc_issuer: LocalIssuer, settings):
    now = int(time.time())
    for provider in ("google", "activestate"):
        token = oidc_issuer.sign(
            {
                "iss": oidc_issuer.url(provider),
                "aud": settings.OIDC_AUDIENCE,
                "sub": "110000000000000000000",
                "email": "ci@example.iam.gserviceaccount.com",
                "email_verified": True,
                "iat": now,
                "exp": now + 300,
            }
        )
        assert verify(token)[0] == provider


@pytest.mark.parametrize(
    "raw_token",
    [
        "",
        "not a token",
        "a.b.c",
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",  # a payload that is not JSON
        compact({"alg": "RS256"}, ["a", "list"], lambda _: b"sig"),  # type: ignore[arg-type]
        compact({"alg": "RS256"}, {"aud": "x"}, lambda _: b"sig"),  # no iss
        compact({"alg": "RS256"}, {"iss": ["a", "list"]}, lambda _: b"sig"),
        compact({"alg": "RS256", "kid": 7}, {"iss": "x"}, lambda _: b"sig"),
        "x" * 20_000,
    ],
    ids=[
        "empty",
        "words",
        "not-base64",
        "not-json",
        "not-an-object",
        "no-iss",
        "iss-list",
        "kid-not-a-string",
        "huge",
    ],
)
def test_a_token_that_cannot_be_read_is_a_malformed_jwt(oidc_issuer: LocalIssuer, raw_token):
    assert refusal(raw_token) == MALFORMED
    assert oidc_issuer.requests == []


def test_an_issuer_no_setting_names_is_unknown(oidc_issuer: LocalIssuer, settings):
    # Signed by a key the issuer publishes, but claiming another issuer: never fetched for.
    forged = oidc_issuer.github_token(iss="https://token.ci.example")
    assert refusal(forged) == UNKNOWN_ISSUER
    # A trailing slash is another issuer.
    assert refusal(oidc_issuer.github_token(iss=oidc_issuer.url("github") + "/")) == UNKNOWN_ISSUER
    # A provider turned off (its setting empty) is unknown too.
    settings.OIDC_GITLAB_ISSUER = ""
    assert refusal(oidc_issuer.gitlab_token()) == UNKNOWN_ISSUER
    assert oidc_issuer.requests == []


def test_the_disallow_oidc_switch_refuses_every_token(oidc_issuer: LocalIssuer):
    AdminFlag.objects.update_or_create(
        id="disallow-oidc", defaults={"enabled": True, "description": "x"}
    )

    assert refusal(oidc_issuer.github_token()) == (
        "not-enabled",
        "github trusted publishing functionality not enabled",
    )
    assert refusal(oidc_issuer.gitlab_token())[0] == "not-enabled"
    # Unreadable tokens and unknown issuers are still told apart first, as the public index does.
    assert refusal("a.b.c") == MALFORMED
    assert oidc_issuer.requests == []


def test_leeway_is_thirty_seconds(oidc_issuer: LocalIssuer):
    now = int(time.time())
    # Expired 10 seconds ago, valid from 10 seconds from now, issued 10 seconds ahead: accepted.
    assert verify(oidc_issuer.github_token(now=now - 310))[0] == "github"
    assert verify(oidc_issuer.github_token(nbf=now + 10))[0] == "github"
    assert verify(oidc_issuer.github_token(iat=now + 10))[0] == "github"


def _invalid_tokens(issuer: LocalIssuer, audience: str) -> dict[str, str]:
    now = int(time.time())
    good = claims_of(issuer.github_token())
    return {
        "expired": issuer.github_token(now=now - 400),
        "not-yet-valid": issuer.github_token(nbf=now + 120),
        "issued-in-the-future": issuer.github_token(iat=now + 120),
        "expiry-not-a-number": issuer.github_token(exp="tomorrow"),
        "the-public-index-audience": issuer.github_token(aud="pypi"),
        "audience-list": issuer.github_token(aud=[audience, "pypi"]),
        "audience-list-of-ours-alone": issuer.github_token(aud=[audience]),
        "no-audience": issuer.github_token(aud=None),
        "no-iat": issuer.github_token(iat=None),
        "no-exp": issuer.github_token(exp=None),
        "github-without-jti": issuer.github_token(jti=None),
        "gitlab-without-jti": issuer.gitlab_token(jti=None),
        "jti-not-a-string": issuer.github_token(jti=12345),
        "attacker-key-claiming-the-issuers-kid": issuer.github_token(
            key=ATTACKER, headers={"kid": PRIMARY.kid}
        ),
        "attacker-key-and-kid": issuer.github_token(key=ATTACKER),
        "no-kid": issuer.github_token(headers={"kid": None}),
        "alg-none": issuer.github_token(algorithm="none"),
        "hs256-with-the-public-key-as-secret": forged_hs256(good, PRIMARY.public_pem()),
        "rs512": issuer.github_token(algorithm="RS512"),
        "ps256": issuer.github_token(algorithm="PS256"),
        "tampered-claims": _tampered(issuer.github_token(), repository="evil/sample"),
        "signature-removed": issuer.github_token().rsplit(".", 1)[0] + ".",
    }


INVALID_CASES = [
    "expired",
    "not-yet-valid",
    "issued-in-the-future",
    "expiry-not-a-number",
    "the-public-index-audience",
    "audience-list",
    "audience-list-of-ours-alone",
    "no-audience",
    "no-iat",
    "no-exp",
    "github-without-jti",
    "gitlab-without-jti",
    "jti-not-a-string",
    "attacker-key-claiming-the-issuers-kid",
    "attacker-key-and-kid",
    "no-kid",
    "alg-none",
    "hs256-with-the-public-key-as-secret",
    "rs512",
    "ps256",
    "tampered-claims",
    "signature-removed",
]


def _tampered(token: str, **changes: object) -> str:
    header, _, signature = token.split(".")
    forged = compact({}, {**claims_of(token), **changes}, lambda _: b"")
    return f"{header}.{forged.split('.')[1]}.{signature}"


@pytest.mark.parametrize("case", INVALID_CASES)
def test_every_invalid_token_is_refused_alike_and_its_reason_logged(
    oidc_issuer: LocalIssuer, settings, caplog, case
):
    token = _invalid_tokens(oidc_issuer, settings.OIDC_AUDIENCE)[case]

    with caplog.at_level(logging.INFO, logger="packages.oidc"):
        assert refusal(token) == INVALID

    [record] = [r for r in caplog.records if r.name == "packages.oidc.verify"]
    assert record.levelno == logging.INFO
    provider = "gitlab" if case.startswith("gitlab") else "github"
    assert record.getMessage().startswith(f"Trusted publishing token from {provider} refused: ")
    for part in token.split("."):
        assert not part or part not in caplog.text  # never the token, nor a piece of it


def test_a_token_for_the_one_issuer_is_not_checked_with_the_others_keys(oidc_issuer):
    # GitLab publishes the key a token claiming to come from GitHub was signed with.
    oidc_issuer.publish("github", SECOND)
    oidc_issuer.publish("gitlab", PRIMARY)

    assert refusal(oidc_issuer.github_token(key=PRIMARY)) == INVALID
    assert verify(oidc_issuer.gitlab_token(key=PRIMARY))[0] == "gitlab"
