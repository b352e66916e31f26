"""What an account must have before it may publish: a verified primary e-mail and 2FA."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django_otp_webauthn.models import WebAuthnCredential

from .models import AuthenticatorApp, User


def has_verified_primary_email(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, primary=True, verified=True).exists()


def has_two_factor(user: User) -> bool:
    """True with a confirmed authenticator app or security key (recovery codes don't count)."""
    return (
        AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )
