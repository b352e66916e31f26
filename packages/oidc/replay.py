"""Each CI token is exchanged once: its ``jti`` is remembered until the token has expired.

``claim`` inserts the ``jti`` into ``UsedJti`` in its own savepoint; the unique constraint
makes the second insert fail, whichever worker or node tries it, so two concurrent requests
with one token cannot both win (on PostgreSQL the second waits for the first to commit or roll
back). Inside a transaction that later rolls back, the claim rolls back with it and the token
stays usable: the caller claims in the transaction that mints the upload token.

A row is kept ``KEEP_AFTER_EXPIRY`` past the token's own expiry, beyond the leeway with which
expiry is checked (verify.py), so the token is refused as expired before its row can go;
``purge_expired`` (run by housekeeping) deletes the rows no longer needed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import UsedJti
from .verify import LEEWAY_SECONDS

KEEP_AFTER_EXPIRY = timedelta(seconds=LEEWAY_SECONDS + 5)
_MAX_LENGTH = UsedJti._meta.get_field("jti").max_length or 255


def claim(jti: str, expires: datetime) -> bool:
    """True the first time ``jti`` (of a token expiring at ``expires``) is claimed, False for a
    replay of it. The caller scopes ``jti`` (e.g. ``"github:<jti>"``)."""
    if len(jti) > _MAX_LENGTH:  # only a strange issuer's: keep a digest of it
        jti = "sha256:" + hashlib.sha256(jti.encode()).hexdigest()
    try:
        with transaction.atomic():
            UsedJti.objects.create(jti=jti, expires=expires + KEEP_AFTER_EXPIRY)
    except IntegrityError:
        return False
    return True


def purge_expired(now: datetime | None = None) -> int:
    """Forget the ``jti`` of every token expired long enough to be refused as such; how many."""
    deleted, _ = UsedJti.objects.filter(expires__lt=now or timezone.now()).delete()
    return deleted
