"""Secrets the site must be able to read back (TOTP seeds) are kept sealed with AES-GCM.

The sealing key is derived from ``DATA_SECRET_KEY`` with a purpose label, so each kind of
secret has its own key and a database dump alone reveals none of them.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12


def derived_key(purpose: str) -> bytes:
    """A 256-bit key for ``purpose``, derived from the site's data secret."""
    master = settings.DATA_SECRET_KEY.encode()
    return hmac.new(master, purpose.encode(), hashlib.sha256).digest()


def seal(plaintext: bytes, *, purpose: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(derived_key(purpose)).encrypt(nonce, plaintext, purpose.encode())


def unseal(sealed: bytes, *, purpose: str) -> bytes:
    sealed = bytes(sealed)
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    return AESGCM(derived_key(purpose)).decrypt(nonce, body, purpose.encode())
