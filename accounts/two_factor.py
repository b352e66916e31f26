"""Second factors: adding and removing them, recovery codes, and what each change records.

Every change writes a security event and mails the account holder. An account never loses its
last authenticator app or security key through these functions; recovery codes are not a
method of their own (they only stand in for one).
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum

from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp_webauthn.models import WebAuthnCredential

from . import events, mail
from .events import EventTag
from .models import AuthenticatorApp, RecoveryCode, RecoveryCodes, User, recovery_code_digest

RECOVERY_CODE_COUNT = 8
RECOVERY_CODE_BYTES = 8
FEW_RECOVERY_CODES = 2


class Method(StrEnum):
    TOTP = "totp"
    WEBAUTHN = "webauthn"


class LastMethod(Exception):
    """Removing this method would leave the account without a second factor."""


def method_count(user: User) -> int:
    return (
        AuthenticatorApp.objects.filter(user=user, confirmed=True).count()
        + WebAuthnCredential.objects.filter(user=user, confirmed=True).count()
    )


def confirmed_app(user: User) -> AuthenticatorApp | None:
    return AuthenticatorApp.objects.filter(user=user, confirmed=True).first()


def pending_app(user: User) -> AuthenticatorApp:
    """The app being set up (unconfirmed), created with a fresh 160-bit secret if needed."""
    device = AuthenticatorApp.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = AuthenticatorApp(user=user, name="Authentication application", confirmed=False)
        device.set_key(os.urandom(20))
        device.save()
    return device


def _added(user: User, request: HttpRequest, method: Method, **details: str) -> None:
    events.record(user, EventTag.TWO_FACTOR_METHOD_ADDED, request=request, method=method, **details)
    mail.send_notice(user, "two-factor-added", {"method": method.value, **details})


@transaction.atomic
def confirm_app(device: AuthenticatorApp, code: str, *, request: HttpRequest) -> bool:
    """Confirm a pending app with its first code; the session counts as 2FA-verified."""
    if not device.verify_token(code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _added(device.user, request, Method.TOTP)
    otp_login(request, device)
    return True


def security_key_added(device: WebAuthnCredential, *, request: HttpRequest) -> None:
    _added(device.user, request, Method.WEBAUTHN, name=device.name)


@transaction.atomic
def remove_method(device: AuthenticatorApp | WebAuthnCredential, *, request: HttpRequest) -> None:
    """Remove an app or a key; ``LastMethod`` if it is the account's last one."""
    user = device.user
    User.objects.select_for_update().get(pk=user.pk)  # serialise concurrent removals
    if device.confirmed and method_count(user) <= 1:
        raise LastMethod()
    method = Method.TOTP if isinstance(device, AuthenticatorApp) else Method.WEBAUTHN
    device.delete()
    events.record(user, EventTag.TWO_FACTOR_METHOD_REMOVED, request=request, method=method)
    mail.send_notice(user, "two-factor-removed", {"method": method.value})


@transaction.atomic
def generate_recovery_codes(user: User, *, request: HttpRequest) -> list[str]:
    """Replace the account's recovery codes with 8 new ones, returned once and never stored."""
    existing = RecoveryCodes.objects.filter(user=user).first()
    if existing is not None:
        existing.delete()
    device = RecoveryCodes.objects.create(user=user, name="Recovery codes")
    codes = [secrets.token_hex(RECOVERY_CODE_BYTES) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=recovery_code_digest(code)) for code in codes
    )
    tag = EventTag.RECOVERY_CODES_REGENERATED if existing else EventTag.RECOVERY_CODES_GENERATED
    events.record(user, tag, request=request)
    mail.send_notice(user, "recovery-codes-generated", {"regenerated": existing is not None})
    return codes


def app_code_used(user: User) -> None:
    """An app code passed the login: remind an account with no recovery codes left to make
    some (without them a lost phone locks the account)."""
    codes = RecoveryCodes.objects.filter(user=user).first()
    if codes is None or codes.remaining() == 0:
        mail.send_notice(user, "recovery-code-reminder")


def recovery_code_used(device: RecoveryCodes, *, request: HttpRequest) -> None:
    remaining = device.remaining()
    events.record(device.user, EventTag.RECOVERY_CODES_USED, request=request, remaining=remaining)
    mail.send_notice(
        device.user,
        "recovery-code-used",
        {"remaining": remaining, "few_left": remaining <= FEW_RECOVERY_CODES},
    )
