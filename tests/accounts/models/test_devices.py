from __future__ import annotations

import os

import pytest
from django.db import IntegrityError
from django_otp.oath import totp

from accounts.models import AuthenticatorApp
from tests.accounts.factories import UserFactory, add_totp

pytestmark = pytest.mark.django_db

KEY = bytes(range(20))


def code(key: bytes = KEY, *, offset_steps: int = 0) -> int:
    """The code an app shows now, or with a clock ``offset_steps`` steps ahead."""
    return totp(key, step=30, t0=-offset_steps * 30, digits=6)


def test_seed_is_not_stored_in_clear():
    device = add_totp(UserFactory(), key=KEY)
    raw = AuthenticatorApp.objects.filter(pk=device.pk).values_list("sealed_key", flat=True)[0]
    assert KEY not in bytes(raw) and KEY.hex().encode() not in bytes(raw)
    assert device.bin_key == KEY


def test_current_code_verifies_once():
    device = add_totp(UserFactory(), key=KEY)
    current = code()
    assert device.verify_token(current)
    device.refresh_from_db()
    assert not device.verify_token(current), "a code must not be accepted twice"


def test_a_code_is_accepted_once_even_by_two_workers_at_once(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = add_totp(UserFactory(), key=KEY)
    # Two requests (two worker processes) load the app before either checks the code.
    first, second = (
        AuthenticatorApp.objects.get(pk=device.pk),
        AuthenticatorApp.objects.get(pk=device.pk),
    )
    current = code()
    assert first.verify_token(current)
    assert not second.verify_token(current), "the same time step was accepted twice"


def test_a_failure_does_not_undo_a_used_code(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = add_totp(UserFactory(), key=KEY)
    stale = AuthenticatorApp.objects.get(pk=device.pk)
    current = code()
    assert device.verify_token(current)
    assert not stale.verify_token("000000" if current != 0 else "111111")
    assert not AuthenticatorApp.objects.get(pk=device.pk).verify_token(current)


def test_failures_from_two_workers_both_count():
    device = add_totp(UserFactory(), key=KEY)
    first, second = (
        AuthenticatorApp.objects.get(pk=device.pk),
        AuthenticatorApp.objects.get(pk=device.pk),
    )
    wrong = "000000" if code() != 0 else "111111"
    assert not first.verify_token(wrong)
    assert not second.verify_token(wrong)
    device.refresh_from_db()
    assert device.throttling_failure_count == 2


def test_wrong_code_is_refused_and_throttled():
    device = add_totp(UserFactory(), key=KEY)
    assert not device.verify_token("000000" if code() != 0 else "111111")
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert not device.verify_token(code()), "throttled right after a failure"


def test_code_from_a_drifted_clock_is_recognised_as_out_of_sync():
    device = add_totp(UserFactory(), key=KEY)
    drifted = code(offset_steps=5)  # a clock 2.5 minutes ahead
    assert not device.verify_token(drifted)
    assert device.is_out_of_sync(drifted)
    assert not device.is_out_of_sync("not a code")


def test_config_url_carries_issuer_and_secret(settings):
    device = add_totp(UserFactory(username="bob"), key=os.urandom(20))
    url = device.config_url
    assert url.startswith("otpauth://totp/")
    assert "bob" in url and f"issuer={settings.OTP_TOTP_ISSUER.replace(' ', '%20')}" in url
    assert "secret=" in url


def test_one_confirmed_app_per_account():
    user = UserFactory()
    add_totp(user)
    with pytest.raises(IntegrityError):
        add_totp(user)
