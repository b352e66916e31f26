"""The keys an issuer signs its tokens with: discovered, fetched, cached, refreshed.

An issuer publishes ``<issuer>/.well-known/openid-configuration``, whose ``jwks_uri`` names
its JSON Web Key Set. Both are fetched together and the RSA keys kept in the default cache for
``CACHE_SECONDS``. A token signed with a key the cached set lacks (the issuer rotated its keys)
makes us fetch them again, but anyone can send such a token: at most one fetch per issuer in
``REFRESH_INTERVAL_SECONDS`` (``cache.add`` makes that one request's, whichever worker thread
asks), so a flood of made-up key ids costs the issuer one request a minute.

Fetches are short (``SOCKET_TIMEOUT_SECONDS`` per network wait, ``FETCH_TIMEOUT_SECONDS`` in
all, ``MAX_DOCUMENT_BYTES``), https only (or plain http on a loopback address, for a test
issuer on this machine), and a failure never becomes a 500: it is logged as a warning and the
token request is refused with ``OIDCError``. While a fetch with nothing cached has failed,
requests are refused at once for ``FAILURE_SECONDS`` instead of each waiting on the issuer.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.core.cache import cache
from django.utils.translation import gettext

from accounts import outbound

from .errors import OIDCError
from .issuers import is_loopback

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600
REFRESH_INTERVAL_SECONDS = 60
FAILURE_SECONDS = 30
FETCH_TIMEOUT_SECONDS = 5.0
SOCKET_TIMEOUT_SECONDS = 2.0
MAX_DOCUMENT_BYTES = 256 * 1024
ALGORITHM = "RS256"


class _Unavailable(Exception):
    """A document could not be fetched or read; the message says why (no secrets in it)."""


def signing_key(issuer: str, key_id: str) -> jwt.PyJWK | None:
    """The issuer's RS256 key ``key_id``, or None if the issuer has no such key.

    Raises OIDCError (``invalid-token``) when the issuer's keys cannot be had at all.
    """
    slot = _slot(issuer)
    cached: dict[str, Any] | None = cache.get(f"oidc:jwks:{slot}")
    if cached is None:
        if cache.get(f"oidc:jwks-failed:{slot}"):
            raise _keys_unavailable()
        keys = _refresh(issuer, slot)
        if keys is None:
            cache.set(f"oidc:jwks-failed:{slot}", True, FAILURE_SECONDS)
            raise _keys_unavailable()
    else:
        keys = cached["keys"]
        if key_id not in keys:
            # Rotated keys, or a made-up key id: fetch again, at most once a minute.
            keys = (_refresh(issuer, slot) if _may_refresh(slot) else None) or keys
    jwk = keys.get(key_id)
    return jwt.PyJWK(jwk, algorithm=ALGORITHM) if jwk is not None else None


def _keys_unavailable() -> OIDCError:
    return OIDCError(
        "invalid-token",
        gettext("the token issuer's signing keys could not be fetched; try again later"),
    )


def _slot(issuer: str) -> str:
    """A cache-safe name for ``issuer`` (any backend accepts it, whatever the URL holds)."""
    return hashlib.sha256(issuer.encode()).hexdigest()[:32]


def _may_refresh(slot: str) -> bool:
    return bool(cache.add(f"oidc:jwks-refresh:{slot}", True, REFRESH_INTERVAL_SECONDS))


def _refresh(issuer: str, slot: str) -> dict[str, dict[str, Any]] | None:
    """Fetch the issuer's keys (discovery, then the key set) and cache them; None on failure
    (logged), leaving what was cached alone."""
    cache.set(f"oidc:jwks-refresh:{slot}", True, REFRESH_INTERVAL_SECONDS)
    discovery_url = f"{issuer}/.well-known/openid-configuration"
    url = discovery_url
    try:
        discovery = _fetch_json(url)
        if str(discovery.get("issuer", "")).rstrip("/") != issuer:
            raise _Unavailable("its discovery document names another issuer")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise _Unavailable("its discovery document has no jwks_uri")
        url = jwks_uri
        keys = _rsa_keys(_fetch_json(url))
    except _Unavailable as exc:
        outbound.warn(logger, "Fetching an OIDC issuer's keys", url, str(exc), setting=issuer)
        return None
    cache.set(f"oidc:jwks:{slot}", {"keys": keys}, CACHE_SECONDS)
    return keys


def _rsa_keys(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Key id → JWK, for every RSA signing key of a key set that PyJWT can load."""
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise _Unavailable("no keys list")
    keys: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        if not isinstance(entry.get("kid"), str) or entry.get("use", "sig") != "sig":
            continue
        if entry.get("alg", ALGORITHM) != ALGORITHM:
            continue
        try:
            jwt.PyJWK(entry, algorithm=ALGORITHM)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
        keys[entry["kid"]] = entry
    if not keys:
        raise _Unavailable("no usable RSA signing key")
    return keys


def _fetch_json(url: str) -> dict[str, Any]:
    """The JSON object at ``url`` (https, or http on loopback), read within the limits."""
    if not _allowed(url):
        raise _Unavailable("not an https URL")
    request = urllib.request.Request(  # noqa: S310 - https (or loopback http), checked above
        url,
        headers={
            "Accept": "application/json",
            "User-Agent": outbound.user_agent("trusted publishing"),
        },
    )
    deadline = time.monotonic() + FETCH_TIMEOUT_SECONDS
    try:
        opener = urllib.request.build_opener(_SafeRedirects)
        with opener.open(request, timeout=SOCKET_TIMEOUT_SECONDS) as response:
            document = json.loads(_read_bounded(response, deadline))
    except (OSError, ValueError, RecursionError, http.client.HTTPException) as exc:
        # Refused, timed out, non-2xx, a refused redirect, too large, not JSON.
        raise _Unavailable(outbound.describe(exc)) from exc
    if not isinstance(document, dict):
        raise _Unavailable("not a JSON object")
    return document


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.scheme == "https" and bool(parts.hostname)) or (
        parts.scheme == "http" and is_loopback(parts.hostname)
    )


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to where a first request could have gone (https, loopback)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not _allowed(newurl):
            raise urllib.error.HTTPError(newurl, code, "redirect to a refused URL", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_bounded(response: http.client.HTTPResponse, deadline: float) -> bytes:
    """The response's body, as long as it is at most MAX_DOCUMENT_BYTES and ends by ``deadline``."""
    body = bytearray()
    while chunk := response.read1(64 * 1024):
        body += chunk
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"larger than {MAX_DOCUMENT_BYTES} bytes")
        if time.monotonic() > deadline:
            raise TimeoutError(f"not read in {FETCH_TIMEOUT_SECONDS:g} seconds")
    return bytes(body)
