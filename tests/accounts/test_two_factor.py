"""The second-factor services: confirming an app, removing methods (never the last one),
recovery codes, and the events and mail of each change."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.models import WebAuthnCredential

from accounts import two_factor
from accounts.events import EventTag
from accounts.models import AuthenticatorApp, RecoveryCode, RecoveryCodes, User, UserEvent
from tests.accounts.conftest import KEY, code
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def user() -> User:
    user = UserFactory(username="eve", email="eve@example.com")
    EmailAddressFactory(user=user)
    return user


def make_request(user: User):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="UA/1")
    request.session = SessionStore()
    request.user = user if user is not None else AnonymousUser()
    return request


def add_key(user: User, name: str = "blue key") -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user, name=name, confirmed=True, credential_id=name.encode(), public_key=b"pk"
    )


def events(user: User) -> list[tuple[str, dict]]:
    rows = UserEvent.objects.filter(user=user).exclude(tag=EventTag.EMAIL_SENT).order_by("id")
    return [(e.tag, e.additional) for e in rows]


# Authenticator apps -------------------------------------------------------------------------


def test_pending_app_has_a_fresh_160_bit_secret_and_is_reused(user):
    device = two_factor.pending_app(user)
    assert not device.confirmed
    assert len(device.bin_key) == 20
    assert two_factor.pending_app(user).pk == device.pk
    assert two_factor.pending_app(user).bin_key == device.bin_key
    other = two_factor.pending_app(UserFactory())
    assert other.bin_key != device.bin_key


def test_pending_app_is_no_method_yet(user):
    two_factor.pending_app(user)
    assert two_factor.method_count(user) == 0
    assert two_factor.confirmed_app(user) is None


def test_confirming_an_app_with_its_code(user, committed):
    device = two_factor.pending_app(user)
    secret = re.search(r"secret=([A-Z2-7]+)", device.config_url).group(1)
    key = base64.b32decode(secret)
    request = make_request(user)

    with committed():
        assert two_factor.confirm_app(device, code(key), request=request) is True

    device.refresh_from_db()
    assert device.confirmed
    assert two_factor.confirmed_app(user) == device
    assert two_factor.method_count(user) == 1
    assert request.session[DEVICE_ID_SESSION_KEY] == device.persistent_id  # the session passed 2FA
    assert events(user) == [(EventTag.TWO_FACTOR_METHOD_ADDED, {"method": "totp"})]
    event = UserEvent.objects.get(user=user, tag=EventTag.TWO_FACTOR_METHOD_ADDED)
    assert (event.ip_address, event.user_agent) == ("192.0.2.44", "UA/1")
    [message] = mail.outbox
    assert message.subject == "Two-factor method added to your Python Package Index account"


def test_a_wrong_code_confirms_nothing(user, committed):
    device = two_factor.pending_app(user)
    request = make_request(user)
    wrong = "000000" if code(device.bin_key) != "000000" else "111111"
    with committed():
        assert two_factor.confirm_app(device, wrong, request=request) is False
    device.refresh_from_db()
    assert not device.confirmed
    assert DEVICE_ID_SESSION_KEY not in request.session
    assert events(user) == []
    assert mail.outbox == []


def test_a_security_key_added_is_recorded_and_mailed(user, committed):
    key = add_key(user, "Blue key")
    with committed():
        two_factor.security_key_added(key, request=make_request(user))
    assert events(user) == [
        (EventTag.TWO_FACTOR_METHOD_ADDED, {"method": "webauthn", "name": "Blue key"})
    ]
    assert "A security key named “Blue key” was added" in mail.outbox[0].body


# Removing methods ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["app", "key"])
def test_the_last_method_cannot_be_removed(user, committed, kind):
    device = add_totp(user, key=KEY) if kind == "app" else add_key(user)
    with committed(), pytest.raises(two_factor.LastMethod):
        two_factor.remove_method(device, request=make_request(user))
    assert two_factor.method_count(user) == 1
    assert events(user) == []
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("remove", "method"), [("app", "totp"), ("key", "webauthn")], ids=["app", "key"]
)
def test_a_method_is_removed_while_another_remains(user, committed, remove, method):
    app, key = add_totp(user, key=KEY), add_key(user)
    with committed():
        two_factor.remove_method(app if remove == "app" else key, request=make_request(user))
    assert two_factor.method_count(user) == 1
    assert events(user) == [(EventTag.TWO_FACTOR_METHOD_REMOVED, {"method": method})]
    [message] = mail.outbox
    assert message.subject == "Two-factor method removed from your Python Package Index account"


def test_two_keys_and_no_app(user):
    first, second = add_key(user, "one"), add_key(user, "two")
    two_factor.remove_method(first, request=make_request(user))
    with pytest.raises(two_factor.LastMethod):
        two_factor.remove_method(second, request=make_request(user))


def test_an_unconfirmed_app_can_always_go(user):
    add_totp(user, key=KEY)
    pending = AuthenticatorApp.objects.create(user=user, name="pending", confirmed=False)
    two_factor.remove_method(pending, request=make_request(user))
    assert not AuthenticatorApp.objects.filter(pk=pending.pk).exists()


def test_recovery_codes_are_not_a_method(user):
    app = add_totp(user, key=KEY)
    two_factor.generate_recovery_codes(user, request=make_request(user))
    assert two_factor.method_count(user) == 1
    with pytest.raises(two_factor.LastMethod):
        two_factor.remove_method(app, request=make_request(user))


# Recovery codes -----------------------------------------------------------------------------


def test_eight_distinct_codes_stored_only_as_digests(user, committed):
    add_totp(user, key=KEY)
    with committed():
        codes = two_factor.generate_recovery_codes(user, request=make_request(user))

    assert len(codes) == 8 == len(set(codes))
    assert all(re.fullmatch(r"[0-9a-f]{16}", c) for c in codes)
    digests = list(RecoveryCode.objects.filter(device__user=user).values_list("digest", flat=True))
    assert len(digests) == 8
    for stored in digests:
        assert all(c not in stored for c in codes)
    assert events(user) == [(EventTag.RECOVERY_CODES_GENERATED, {})]
    [message] = mail.outbox
    assert message.subject == "Recovery codes generated for your Python Package Index account"
    assert all(c not in message.body for c in codes)


def test_each_code_works_once_whatever_its_spacing_and_case(user):
    codes = two_factor.generate_recovery_codes(user, request=make_request(user))
    device = RecoveryCodes.objects.get(user=user)
    spaced = " ".join([codes[0][:4].upper(), codes[0][4:8], codes[0][8:]])
    assert device.verify_token(spaced) is True
    assert device.verify_token(codes[0]) is False
    assert device.remaining() == 7


def test_regenerating_replaces_the_old_codes(user, committed):
    old = two_factor.generate_recovery_codes(user, request=make_request(user))
    with committed():
        new = two_factor.generate_recovery_codes(user, request=make_request(user))
    assert set(old).isdisjoint(new)
    device = RecoveryCodes.objects.get(user=user)
    assert device.verify_token(old[0]) is False
    device.throttle_reset()
    assert device.verify_token(new[0]) is True
    assert RecoveryCode.objects.filter(device__user=user).count() == 8
    assert events(user)[-1] == (EventTag.RECOVERY_CODES_REGENERATED, {})
    [message] = mail.outbox
    assert message.subject == "Recovery codes regenerated for your Python Package Index account"
    assert "The codes you had before no longer work." in message.body


@pytest.mark.parametrize(
    ("used", "few_left"), [(1, False), (5, False), (6, True), (8, True)], ids=["7", "3", "2", "0"]
)
def test_using_a_code_records_and_mails_what_is_left(user, committed, used, few_left):
    codes = two_factor.generate_recovery_codes(user, request=make_request(user))
    device = RecoveryCodes.objects.get(user=user)
    for c in codes[:used]:
        assert device.verify_token(c)
    mail.outbox.clear()
    with committed():
        two_factor.recovery_code_used(device, request=make_request(user))
    assert events(user)[-1] == (EventTag.RECOVERY_CODES_USED, {"remaining": 8 - used})
    [message] = mail.outbox
    assert ("Only a few codes are left" in message.body) is few_left
