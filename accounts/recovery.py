"""Account recovery: staff let back in someone who lost their second factor.

Staff start it from the admin once the person has proved who they are out of band, choosing
the address to write to (one of the account's, or a new one). The mail carries a signed link,
valid ``VALID_FOR``, to ``/account/recovery/``. There the person chooses a new password (the
site's password validators apply, breached passwords included); then every second factor of
the account goes (authenticator apps, security keys, recovery codes), every session ends, the
address the link went to becomes the account's verified primary address, and the person logs
in with the new password, after which the site's gates make them set up 2FA again.

The account's security history is the state of a recovery: the link names its
``ACCOUNT_RECOVERY_INITIATED`` event and a fingerprint of the password hash, and works only
while that event is the account's latest recovery event (staff cancelling, a newer recovery
or the completion all end it) and the password is unchanged. So a link works once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp_webauthn.models import WebAuthnCredential

from . import events, mail, sessions
from .events import EventTag
from .models import AuthenticatorApp, RecoveryCodes, User, UserEvent
from .services import Refused

SALT = "accounts.recovery"
VALID_FOR = timedelta(hours=24)
NOTICE = "account-recovery-initiated"
STATES = (
    EventTag.ACCOUNT_RECOVERY_INITIATED,
    EventTag.ACCOUNT_RECOVERY_CANCELLED,
    EventTag.ACCOUNT_RECOVERY_COMPLETED,
)

EXPIRED = gettext_lazy(
    "This account recovery link has expired. Contact the administrators of this index for a "
    "new one."
)
INVALID = gettext_lazy(
    "This account recovery link is not valid: it has been used, cancelled or replaced by a "
    "newer one. Contact the administrators of this index if you still cannot log in."
)
ADDRESS_TAKEN = gettext_lazy(
    "This email address is already being used by another account. Use a different email."
)


class InvalidLink(Exception):
    """The link cannot recover the account; ``str()`` says why, for the person holding it."""


@dataclass(frozen=True)
class Recovery:
    """A recovery that a valid link may complete."""

    user: User
    started: UserEvent

    @property
    def address(self) -> str:
        return str(self.started.additional["to"])


def _fingerprint(user: User) -> str:
    return salted_hmac(SALT, user.password, algorithm="sha256").hexdigest()[:32]


def pending(user: User) -> UserEvent | None:
    """The event of ``user``'s recovery that a link may still complete, if any."""
    latest = user.events.filter(tag__in=STATES).first()
    if latest is None or latest.tag != EventTag.ACCOUNT_RECOVERY_INITIATED:
        return None
    return latest if latest.time > timezone.now() - VALID_FOR else None


def _address_taken(user: User, address: str) -> bool:
    return EmailAddress.objects.filter(email__iexact=address).exclude(user=user).exists()


@transaction.atomic
def initiate(user: User, *, address: str, by: User, reason: str = "") -> bool:
    """Mail ``address`` a link that lets ``user`` set a new password and drop its second
    factors; a recovery started before stops working. Refused for staff's own account and
    for an address another account uses."""
    if user.pk == by.pk:
        raise Refused(_("You cannot start the recovery of your own account."))
    address = address.strip()
    if _address_taken(user, address):
        raise Refused(str(ADDRESS_TAKEN))
    User.objects.select_for_update().filter(pk=user.pk).exists()  # one recovery at a time
    started = events.record(
        user, EventTag.ACCOUNT_RECOVERY_INITIATED, by=by.username, reason=reason, to=address
    )
    token = signing.TimestampSigner(salt=SALT).sign_object(
        {"user": user.pk, "event": started.pk, "password": _fingerprint(user)}
    )
    link = f"{settings.SITE_URL}{reverse('accounts:recovery')}?{urlencode({'token': token})}"
    hours = int(VALID_FOR.total_seconds() // 3600)
    mail.send_notice(user, NOTICE, {"recovery_url": link, "hours": hours}, to=[address])
    return True


@transaction.atomic
def cancel(user: User, *, by: User, reason: str = "") -> bool:
    """Make ``user``'s pending recovery link useless; False when none was pending."""
    User.objects.select_for_update().filter(pk=user.pk).exists()
    started = pending(user)
    if started is None:
        return False
    events.record(
        user,
        EventTag.ACCOUNT_RECOVERY_CANCELLED,
        by=by.username,
        reason=reason,
        started=started.time.isoformat(),
    )
    return True


def check(token: str) -> Recovery:
    """The recovery ``token`` may complete, or ``InvalidLink``."""
    try:
        data: dict[str, Any] = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=VALID_FOR
        )
    except signing.SignatureExpired:
        raise InvalidLink(str(EXPIRED)) from None
    except signing.BadSignature:
        raise InvalidLink(str(INVALID)) from None
    user_id = data.get("user")
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    started = pending(user) if user is not None else None
    if (
        user is None
        or started is None
        or started.pk != data.get("event")
        or not constant_time_compare(_fingerprint(user), str(data.get("password")))
    ):
        raise InvalidLink(str(INVALID))
    return Recovery(user, started)


@transaction.atomic
def complete(token: str, *, password: str, request: HttpRequest) -> User:
    """Give the account the (already validated) ``password``, remove its second factors, make
    the link's address its verified primary one and end its sessions. ``InvalidLink`` if the
    link no longer works (checked again under a lock: a link works once)."""
    user = check(token).user
    User.objects.select_for_update().filter(pk=user.pk).exists()
    recovery = check(token)
    user.set_password(password)
    user.password_date = timezone.now()
    user.save(update_fields=["password", "password_date"])
    events.record(user, EventTag.PASSWORD_RESET, request=request, by="account recovery")
    removed = _remove_second_factors(user, request)
    _make_primary(user, recovery.address, request)
    events.record(
        user,
        EventTag.ACCOUNT_RECOVERY_COMPLETED,
        request=request,
        started=recovery.started.time.isoformat(),
        removed=removed,
    )
    sessions.end_sessions(user)
    return user


def _remove_second_factors(user: User, request: HttpRequest) -> list[str]:
    """Delete every authenticator app, security key and set of recovery codes; what went."""
    removed = []
    for device in [
        *AuthenticatorApp.objects.filter(user=user),
        *WebAuthnCredential.objects.filter(user=user),
    ]:
        method = "totp" if isinstance(device, AuthenticatorApp) else "webauthn"
        if device.confirmed:
            events.record(
                user,
                EventTag.TWO_FACTOR_METHOD_REMOVED,
                request=request,
                method=method,
                by="account recovery",
            )
            removed.append(method)
        device.delete()
    codes, _count = RecoveryCodes.objects.filter(user=user).delete()
    if codes:
        removed.append("recovery codes")
    return removed


def _make_primary(user: User, address: str, request: HttpRequest) -> None:
    """The address the link reached is one the person controls: verified, and primary (so
    that every notice reaches them)."""
    row = EmailAddress.objects.filter(user=user, email__iexact=address).first()
    if row is None:
        if _address_taken(user, address):
            raise InvalidLink(str(ADDRESS_TAKEN))
        row = EmailAddress.objects.create(user=user, email=address, verified=False, primary=False)
        events.record(user, EventTag.EMAIL_ADD, request=request, email=address)
    if not row.verified:
        row.verified = True
        row.save(update_fields=["verified"])
        events.record(user, EventTag.EMAIL_VERIFIED, request=request, email=address)
    if not row.primary:
        old = EmailAddress.objects.filter(user=user, primary=True).first()
        row.set_as_primary()
        events.record(
            user,
            EventTag.EMAIL_PRIMARY_CHANGE,
            request=request,
            old=old.email if old else None,
            new=address,
        )
