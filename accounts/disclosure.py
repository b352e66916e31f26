"""Leaked-token reports: secret scanners tell us where they found our API tokens in public.

A reporter (GitHub secret scanning, deps.dev) POSTs a JSON list of records, signed with an
ECDSA P-256 key it publishes in a keys document (GitHub's format). A report is accepted only
if its signature verifies against that document; each well-formed record is then handled by a
task: a token that is still live is revoked and its owner told where it was found.

Anyone can POST to the endpoint, so nothing an anonymous request sends makes it work hard: the
body is bounded in size (``MAX_REPORT_BYTES``) and in nesting (``MAX_DEPTH``), a request without
a well-formed signature is refused before any key is fetched, the keys document is fetched by
one request at a time, within ``KEYS_TIMEOUT_SECONDS`` and ``MAX_KEYS_BYTES``, and a failed
fetch is remembered (``KEYS_FAILURE_SECONDS``) in the shared store, so that the reporter's
retries and everyone else get 503 at once instead of another fetch each.

Tokens never reach a log: only a token's public identifier (its ``ApiToken`` id) is written.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import logging
import re
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from celery import shared_task
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.db import transaction
from django.utils import translation

from pypi_site.outbox import delivery
from pypi_site.outbox.registry import work

from . import mail, outbound, sealing, services, tokens
from .security_store import store

logger = logging.getLogger(__name__)

NOTICE = "token-compromised-leak"
REVOKE = "accounts.tasks.revoke_leaked_token"
SEALING_PURPOSE = "outbox: leaked token"
RECORD_TYPE = "pypi_api_token"
# A report: a list of small records. Anything larger or deeper is refused unread or unparsed.
MAX_REPORT_BYTES = 1024 * 1024
MAX_DEPTH = 8
MAX_KEY_ID_LENGTH = 200
KEYS_CACHE_SECONDS = 30 * 60
# The whole fetch of a keys document, connection to last byte (each network wait is at most
# KEYS_SOCKET_TIMEOUT_SECONDS, so a fetch ends within the sum of the two), and its largest size.
KEYS_TIMEOUT_SECONDS = 5.0
KEYS_SOCKET_TIMEOUT_SECONDS = 2.0
MAX_KEYS_BYTES = 256 * 1024
# After a failed fetch, reports answer 503 this long without fetching again; the 503 asks the
# reporter to retry after as long.
KEYS_FAILURE_SECONDS = 60
RETRY_SECONDS = KEYS_FAILURE_SECONDS
# An unknown key identifier makes us fetch the keys again (reporters rotate keys), but anyone
# can send one: at most one such refetch per reporter in this many seconds.
REFETCH_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class Reporter:
    """A secret scanner we accept reports from; ``code`` keys ``TOKEN_DISCLOSURE_KEYS``."""

    code: str
    name: str
    key_id_header: str
    signature_header: str

    @property
    def keys_url(self) -> str:
        return settings.TOKEN_DISCLOSURE_KEYS.get(self.code, "")


REPORTERS = (
    Reporter("github", "GitHub", "GITHUB-PUBLIC-KEY-IDENTIFIER", "GITHUB-PUBLIC-KEY-SIGNATURE"),
    Reporter("depsdev", "deps.dev", "GOSST-PUBLIC-KEY-IDENTIFIER", "GOSST-PUBLIC-KEY-SIGNATURE"),
)
_BY_CODE = {reporter.code: reporter for reporter in REPORTERS}


class InvalidReport(Exception):
    """The report is unsigned, wrongly signed or malformed: the reporter must not resend it."""


class KeysUnavailable(Exception):
    """The reporter's keys could not be fetched: the report can be neither trusted nor refused."""


@dataclass(frozen=True)
class Disclosure:
    """One well-formed record of a report."""

    token: str
    public_url: str


def reporter_for(headers: Mapping[str, str]) -> Reporter | None:
    """The enabled reporter whose key identifier header the request carries, if any."""
    for reporter in REPORTERS:
        if reporter.key_id_header in headers and reporter.keys_url:
            return reporter
    return None


def accept_report(
    reporter: Reporter, body: bytes, *, key_id: str | None, signature: str | None
) -> int:
    """Verify a report and queue its well-formed records; returns how many were queued.

    Raises InvalidReport (answer 400) or KeysUnavailable (answer 503, the reporter retries).
    """
    verify_signature(reporter, body, key_id=key_id, signature=signature)
    disclosures = parse_records(body)
    # Written to the outbox (revoked after commit, by a worker when a broker is set, and tried
    # again until it worked); the token sealed, so that it is in no row, message or log.
    delivery.after_commit(
        *(
            delivery.Call(
                REVOKE,
                {
                    "sealed_token": _seal(disclosure.token),
                    "public_url": disclosure.public_url,
                    "reporter": reporter.code,
                },
            )
            for disclosure in disclosures
        )
    )
    return len(disclosures)


def _seal(token: str) -> str:
    return base64.b64encode(sealing.seal(token.encode(), purpose=SEALING_PURPOSE)).decode("ascii")


def _unseal(sealed: str) -> str:
    return sealing.unseal(base64.b64decode(sealed), purpose=SEALING_PURPOSE).decode()


def verify_signature(
    reporter: Reporter, body: bytes, *, key_id: str | None, signature: str | None
) -> None:
    """Return only if ``signature`` is the reporter's key ``key_id`` signing ``body``.

    What can be checked without the reporter's keys is checked first: a request without a
    well-formed signature never makes the site fetch them.
    """
    if not key_id or not signature:
        raise InvalidReport("missing key identifier or signature")
    if len(key_id) > MAX_KEY_ID_LENGTH:
        raise InvalidReport("key identifier too long")
    try:
        der = base64.b64decode(signature, validate=True)
        decode_dss_signature(der)  # an ECDSA signature's DER structure, or ValueError
    except (binascii.Error, ValueError) as exc:
        raise InvalidReport("malformed signature") from exc
    pem = _public_key(reporter, key_id)
    if pem is None:
        raise InvalidReport("unknown key identifier")
    try:
        key = load_pem_public_key(pem.encode("ascii"))
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            raise InvalidReport("not an ECDSA P-256 key")
        key.verify(der, body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError) as exc:
        # TypeError: cryptography's answer to some unsupported key encodings.
        raise InvalidReport("bad signature") from exc


def parse_records(body: bytes) -> list[Disclosure]:
    """The well-formed records of a report; malformed records are dropped."""
    if len(body) > MAX_REPORT_BYTES:
        raise InvalidReport("body too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidReport("body is not UTF-8") from exc
    if _deeper_than(text, MAX_DEPTH):
        raise InvalidReport("body nested too deeply")
    try:
        records = json.loads(text)
    except ValueError as exc:
        raise InvalidReport("body is not JSON") from exc
    if not isinstance(records, list):
        raise InvalidReport("body is not a list")
    return [d for d in map(_disclosure, records) if d is not None]


_JSON_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def _deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep in JSON ``text``, found in one
    pass over its brackets, quotes and backslashes (the parser itself recurses)."""
    depth, in_string, escaped = 0, False, -1
    for match in _JSON_STRUCTURE.finditer(text):
        char, position = match.group(), match.start()
        if position == escaped:
            continue
        if in_string:
            if char == "\\":
                escaped = position + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _disclosure(record: Any) -> Disclosure | None:
    if not isinstance(record, dict) or record.get("type") != RECORD_TYPE:
        return None
    token, public_url = record.get("token"), record.get("url")
    if not isinstance(token, str) or not token or not isinstance(public_url, str):
        return None
    return Disclosure(token=token, public_url=public_url)


@transaction.atomic
def revoke_leaked_token(token: str, *, public_url: str, reporter: str) -> bool:
    """Revoke ``token`` if it is live and mail its owner where it was found.

    Returns False, changing nothing, for anything that is not a live token of ours.
    """
    presented = tokens.find(token)
    if presented is None:
        return False
    row = presented.row
    user = row.user
    context = {
        "token_name": row.description,
        "token_id": str(row.id),
        "public_url": public_url,
        "reporter": _BY_CODE[reporter].name if reporter in _BY_CODE else reporter,
    }
    services.delete_api_token(row, leaked=True, public_url=public_url, reporter=context["reporter"])
    if user is not None:
        # Like Warehouse, this notice goes out even to an unverified primary address; in the
        # site's language, not the one the reporter's request happened to ask for.
        with translation.override(settings.LANGUAGE_CODE):
            mail.send_notice(user, NOTICE, context, allow_unverified=True)
    logger.info("Revoked API token %s reported public by %s", context["token_id"], reporter)
    return True


@work(REVOKE)
def revoke_reported(sealed_token: str, public_url: str, reporter: str) -> None:
    """``revoke_leaked_token`` after commit, as ``accept_report`` writes it to the outbox."""
    revoke_leaked_token(_unseal(sealed_token), public_url=public_url, reporter=reporter)


# Reports queued before the outbox existed, under the name the task had in accounts.tasks: they
# survive deploys.
@shared_task(name=REVOKE)
def revoke_leaked_token_task(token: str, public_url: str, reporter: str) -> bool:
    return revoke_leaked_token(token, public_url=public_url, reporter=reporter)


def _public_key(reporter: Reporter, key_id: str) -> str | None:
    """The PEM of the reporter's key ``key_id``, from the shared store or (once) the keys
    document; KeysUnavailable while a fetch failed recently or another request is fetching."""
    url = reporter.keys_url
    cache_key = f"token-disclosure:keys:{reporter.code}"
    cached = store.get(cache_key)
    if cached is not None and cached["url"] == url:
        if key_id in cached["keys"]:
            return cached["keys"][key_id]
        if not store.add(f"{cache_key}:refetched", True, REFETCH_INTERVAL_SECONDS):
            return None
    if store.get(f"{cache_key}:failed") == url:
        raise KeysUnavailable(url)
    fetching = f"{cache_key}:fetching"
    if not store.add(fetching, url, KEYS_TIMEOUT_SECONDS + KEYS_SOCKET_TIMEOUT_SECONDS + 1):
        raise KeysUnavailable(url)  # another request is fetching them right now
    try:
        keys = _fetch_keys(url)
    except KeysUnavailable:
        store.set(f"{cache_key}:failed", url, KEYS_FAILURE_SECONDS)
        raise
    finally:
        store.delete(fetching)
    store.set(cache_key, {"url": url, "keys": keys}, KEYS_CACHE_SECONDS)
    return keys.get(key_id)


def _fetch_keys(url: str) -> dict[str, str]:
    """Key identifier → PEM, from a keys document in GitHub's format."""
    if urlsplit(url).scheme not in ("http", "https"):
        _warn(url, "not an http(s) URL")
        raise KeysUnavailable(url)
    request = urllib.request.Request(  # noqa: S310 - an http(s) URL, checked above
        url,
        headers={
            "Accept": "application/json",
            "User-Agent": outbound.user_agent("token leak reports"),
        },
    )
    deadline = time.monotonic() + KEYS_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(request, timeout=KEYS_SOCKET_TIMEOUT_SECONDS) as response:  # noqa: S310
            document = json.loads(_read_bounded(response, deadline))
    except (OSError, ValueError, RecursionError, http.client.HTTPException) as exc:
        # Refused, timed out, non-2xx, truncated, too large, not JSON, misconfigured URL.
        _warn(url, outbound.describe(exc))
        raise KeysUnavailable(url) from exc
    entries = document.get("public_keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        _warn(url, "no public_keys list")
        raise KeysUnavailable(url)
    return {
        entry["key_identifier"]: entry["key"]
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("key_identifier"), str)
        and isinstance(entry.get("key"), str)
    }


def _read_bounded(response: http.client.HTTPResponse, deadline: float) -> bytes:
    """The response's body, as long as it is at most MAX_KEYS_BYTES and ends by ``deadline``."""
    body = bytearray()
    while chunk := response.read1(64 * 1024):
        body += chunk
        if len(body) > MAX_KEYS_BYTES:
            raise ValueError(f"keys document larger than {MAX_KEYS_BYTES} bytes")
        if time.monotonic() > deadline:
            raise TimeoutError(f"keys document not read in {KEYS_TIMEOUT_SECONDS:g} seconds")
    return bytes(body)


def _warn(url: str, reason: str) -> None:
    outbound.warn(
        logger, "Fetching token leak reporter keys", url, reason, setting="TOKEN_DISCLOSURE_KEYS"
    )
