"""Is this CI token genuine, and for us? ``verify`` answers with the provider and the claims.

The steps, in the public index's order:

1. read the token's ``iss`` without trusting it, to know whose keys to check it against: an
   unreadable token is ``invalid-payload`` "malformed JWT", an issuer none of the
   ``OIDC_*_ISSUER`` settings names is ``invalid-payload`` "unknown trusted publishing issuer";
2. the ``disallow-oidc`` switch turns all of it off (``not-enabled``);
3. the signature must verify with the issuer's key named by the token's ``kid`` (jwks.py),
   RS256 only; ``iss``, ``iat``, ``exp`` and ``aud`` (and ``jti`` for the providers whose
   tokens carry one) are required; ``aud`` must be exactly ``OIDC_AUDIENCE`` (not a list that
   contains it); ``exp``, ``iat`` and, when present, ``nbf`` are checked with 30 seconds of
   leeway. Any failure is ``invalid-token`` "malformed or invalid token": clients learn no
   more, the reason is logged at INFO (never the token).

Whether a publisher matches the claims (publishers.py) and whether the token was used before
(replay.py) are the caller's next steps.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from django.utils.translation import gettext

from accounts import ports
from accounts.ports import Switch

from . import issuers, jwks
from .errors import OIDCError

logger = logging.getLogger(__name__)

LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ("iss", "iat", "exp", "aud")
# A real CI token is 1-2 KB; anything much larger is not one, and is not parsed.
MAX_TOKEN_LENGTH = 16 * 1024


def verify(raw_token: str) -> tuple[str, dict[str, Any]]:
    """The provider (``issuers.GITHUB``, …) and the verified claims of ``raw_token``.

    Raises OIDCError for every token this index must not accept.
    """
    issuer, provider = _issuer_of(raw_token)
    if ports.is_on(Switch.DISALLOW_OIDC):
        raise OIDCError(
            "not-enabled",
            gettext("%(provider)s trusted publishing functionality not enabled")
            % {"provider": provider},
        )
    key_id = jwt.get_unverified_header(raw_token).get("kid")  # readable: _issuer_of read it
    key = jwks.signing_key(issuer, key_id) if isinstance(key_id, str) else None
    if key is None:
        raise _invalid(provider, "no key of the issuer has the token's kid")
    required = [*REQUIRED_CLAIMS, *(["jti"] if provider in issuers.JTI_REQUIRED else [])]
    try:
        claims = jwt.decode(
            raw_token,
            key=key,
            algorithms=[jwks.ALGORITHM],
            audience=issuers.audience(),
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={
                "verify_signature": True,
                "require": required,
                "verify_iss": True,
                "verify_iat": True,
                "verify_exp": True,
                "verify_nbf": True,
                "verify_aud": True,
                "strict_aud": True,
            },
        )
    except jwt.PyJWTError as exc:
        raise _invalid(provider, str(exc)) from exc
    except (ValueError, TypeError, KeyError) as exc:  # PyJWT should raise only its own errors
        raise _invalid(provider, f"{type(exc).__name__}: {exc}") from exc
    if "jti" in claims and not isinstance(claims["jti"], str):
        raise _invalid(provider, "jti is not a string")
    return provider, claims


def _issuer_of(raw_token: str) -> tuple[str, str]:
    """The unverified ``iss`` of ``raw_token`` and its provider; OIDCError (``invalid-payload``)
    for a token that cannot be read or an issuer we do not trust."""
    try:
        if len(raw_token) > MAX_TOKEN_LENGTH:
            raise jwt.DecodeError("too long")
        # Reads the header too, refusing one that is not a JSON object or whose kid is not a
        # string.
        unverified = jwt.decode(raw_token, options={"verify_signature": False})
        issuer = unverified["iss"]
        if not isinstance(issuer, str):
            raise TypeError("iss is not a string")
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        raise OIDCError("invalid-payload", gettext("malformed JWT")) from None
    provider = issuers.provider_for(issuer)
    if provider is None:
        logger.info("Trusted publishing token refused: unknown issuer %r", issuer[:200])
        raise OIDCError("invalid-payload", gettext("unknown trusted publishing issuer"))
    return issuer, provider


def _invalid(provider: str, reason: str) -> OIDCError:
    logger.info("Trusted publishing token from %s refused: %s", provider, reason)
    return OIDCError("invalid-token", gettext("malformed or invalid token"))
