"""API tokens: macaroons with a ``pypi-`` prefix, as twine, uv and CI systems present them.

A token is trusted in two steps. ``find`` proves it is genuine (it parses, it names a live
token of an active user, and its signature matches the key derived for that token). ``denial``
then checks its caveats, the ones the holder carries plus the ones stored server-side, against
what the request wants to do.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from pymacaroons import MACAROON_V2, Macaroon, Verifier

from . import caveats as cav
from .models import ApiToken, User
from .sealing import derived_key

PREFIX = "pypi"


@dataclass(frozen=True)
class PresentedToken:
    """A genuine token, as presented with a request."""

    row: ApiToken
    macaroon: Macaroon


def root_key(salt: bytes) -> bytes:
    """The macaroon root key of a token: never stored, derived from a server secret."""
    return hmac.new(derived_key("api-token"), bytes(salt), hashlib.sha256).digest()


def mint(row: ApiToken) -> str:
    """Serialise a token for ``row``; the only moment the full token exists on the server."""
    macaroon = Macaroon(
        location=urlsplit(settings.SITE_URL).hostname or "localhost",
        identifier=str(row.id),
        key=root_key(row.key_salt),
        version=MACAROON_V2,
    )
    for predicate in row.caveats:
        macaroon.add_first_party_caveat(predicate)
    return f"{PREFIX}-{macaroon.serialize()}"


def new_salt() -> bytes:
    return secrets.token_bytes(32)


def _parse(raw: str) -> Macaroon | None:
    prefix, sep, body = raw.strip().partition("-")
    if not sep or prefix != PREFIX or not body:
        return None
    try:
        # pymacaroons raises many unrelated exception types on malformed input.
        return Macaroon.deserialize(body)
    except Exception:
        return None


def _identifier(macaroon: Macaroon) -> uuid.UUID | None:
    ident = macaroon.identifier
    if isinstance(ident, bytes):
        try:
            ident = ident.decode()
        except UnicodeDecodeError:
            return None
    try:
        return uuid.UUID(ident)
    except (TypeError, ValueError):
        return None


def _signature_valid(macaroon: Macaroon, key: bytes) -> bool:
    verifier = Verifier()
    verifier.satisfy_general(lambda predicate: True)  # caveat semantics are checked by denial()
    try:
        return bool(verifier.verify(macaroon, key))
    except Exception:
        return False


def find(raw: str) -> PresentedToken | None:
    """The genuine, live token that ``raw`` is, or None."""
    macaroon = _parse(raw)
    if macaroon is None:
        return None
    token_id = _identifier(macaroon)
    if token_id is None:
        return None
    row = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if row is None or not _signature_valid(macaroon, root_key(row.key_salt)):
        return None
    return PresentedToken(row=row, macaroon=macaroon)


def _predicates(token: PresentedToken) -> list[str | bytes]:
    presented = [c.caveat_id for c in token.macaroon.first_party_caveats()]
    return presented + list(token.row.caveats)


def denial(
    token: PresentedToken, *, user: User | None, project: cav.ProjectLike | None
) -> str | None:
    """Why ``token`` may not act as ``user`` on ``project``, or None when it may."""
    ctx = cav.Context(
        user_id=str(user.pk) if user is not None else None, project=project, now=cav.now()
    )
    reasons = cav.failures(_predicates(token), ctx)
    if reasons:
        return "Invalid API Token: " + ", ".join(reasons)
    return None


def record_use(token: PresentedToken) -> None:
    ApiToken.objects.filter(pk=token.row.pk).update(last_used=timezone.now())
