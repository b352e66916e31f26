from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from accounts import sealing


def test_round_trip_and_randomised():
    a = sealing.seal(b"secret seed", purpose="p")
    b = sealing.seal(b"secret seed", purpose="p")
    assert a != b
    assert b"secret seed" not in a
    assert sealing.unseal(a, purpose="p") == b"secret seed"


def test_purposes_are_separate_keys():
    sealed = sealing.seal(b"x", purpose="one")
    with pytest.raises(InvalidTag):
        sealing.unseal(sealed, purpose="two")


def test_tampering_is_detected():
    sealed = bytearray(sealing.seal(b"x" * 20, purpose="p"))
    sealed[-1] ^= 1
    with pytest.raises(InvalidTag):
        sealing.unseal(bytes(sealed), purpose="p")


def test_key_follows_the_data_secret(settings):
    sealed = sealing.seal(b"x", purpose="p")
    settings.DATA_SECRET_KEY = "rotated"
    with pytest.raises(InvalidTag):
        sealing.unseal(sealed, purpose="p")
