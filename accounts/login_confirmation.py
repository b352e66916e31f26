"""Logins from a network address the account has not used before ("unrecognized login").

After a second factor that can be phished (an authentication-app code or a recovery code) from
an address not yet confirmed for the account, the login waits: the user is mailed a link that
must be opened from the same address within ``LOGIN_CONFIRMATION_WINDOW_SECONDS`` (no second
mail within that window). A security key cannot be phished: its login confirms the address.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device

from . import events, mail
from .client import client_ip, user_agent
from .events import EventTag
from .models import AuthenticatorApp, LoginStatus, RecoveryCodes, UniqueLogin, User

SALT = "accounts.login-confirmation"
# The device that passed the second factor of the waiting login, to finish it once confirmed.
SESSION_DEVICE_KEY = "accounts.login_confirmation_device"
PHISHABLE = (AuthenticatorApp, RecoveryCodes)


class InvalidConfirmation(Exception):
    """The link cannot confirm a login; the message says why."""


def needed(user: User, request: HttpRequest, device: Device) -> bool:
    """Whether this login must wait for the mailed link."""
    if not settings.LOGIN_CONFIRMATION_ENABLED or not isinstance(device, PHISHABLE):
        return False
    ip = client_ip(request)
    confirmed = UniqueLogin.objects.filter(
        user=user, ip_address=ip, status=LoginStatus.CONFIRMED
    ).exists()
    return ip is not None and not confirmed


def must_wait(user: User, request: HttpRequest, device: Device) -> bool:
    """Whether this login waits for the mailed link (mailing it unless a valid one was sent);
    a login that cannot be asked to wait (no address to mail) does not."""
    return needed(user, request, device) and _ask(user, request, device)


@transaction.atomic
def _ask(user: User, request: HttpRequest, device: Device) -> bool:
    """Mail the confirmation link (unless one still valid was sent); False if the account has
    no address to write to, in which case the login cannot wait for one."""
    ip = client_ip(request)
    now = timezone.now()
    row, _created = UniqueLogin.objects.select_for_update().get_or_create(
        user=user,
        ip_address=ip,
        defaults={"status": LoginStatus.PENDING, "device_information": _device(request)},
    )
    if row.expires is None or row.expires <= now:
        row.expires = now + timedelta(seconds=settings.LOGIN_CONFIRMATION_WINDOW_SECONDS)
        row.device_information = _device(request)
        row.save(update_fields=["expires", "device_information"])
        token = signing.dumps({"user": user.pk, "login": row.pk, "ip": ip}, salt=SALT)
        link = f"{settings.SITE_URL}{reverse('accounts:confirm-login')}?token={token}"
        context = {"link": link, "ip_address": ip, "user_agent": user_agent(request)}
        if not mail.send_notice(user, "unrecognized-login", context, allow_unverified=True):
            transaction.set_rollback(True)
            return False
    request.session[SESSION_DEVICE_KEY] = device.persistent_id
    return True


def remember(user: User, request: HttpRequest) -> None:
    """A login from the request's address completed: it is confirmed from now on."""
    ip = client_ip(request)
    if ip is None:
        return
    UniqueLogin.objects.update_or_create(
        user=user,
        ip_address=ip,
        defaults={"status": LoginStatus.CONFIRMED, "last_used": timezone.now(), "expires": None},
        create_defaults={
            "status": LoginStatus.CONFIRMED,
            "last_used": timezone.now(),
            "device_information": _device(request),
        },
    )


@transaction.atomic
def confirm(request: HttpRequest, token: str) -> User:
    """Confirm the address a mailed link was made for; it must be opened from there."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.LOGIN_CONFIRMATION_WINDOW_SECONDS)
    except signing.SignatureExpired as error:
        raise InvalidConfirmation(_("This link has expired: log in again.")) from error
    except signing.BadSignature as error:
        raise InvalidConfirmation(_("This link is not valid: log in again.")) from error
    row = (
        UniqueLogin.objects.select_for_update()
        .select_related("user")
        .filter(pk=data["login"], user_id=data["user"], ip_address=data["ip"])
        .first()
    )
    if row is None or not row.user.is_active:
        raise InvalidConfirmation(_("This link is not valid: log in again."))
    if client_ip(request) != row.ip_address:
        raise InvalidConfirmation(
            _("Open this link on the device, and from the network, you were logging in from.")
        )
    if row.status != LoginStatus.CONFIRMED:
        row.status = LoginStatus.CONFIRMED
        row.expires = None
        row.save(update_fields=["status", "expires"])
        events.record(row.user, EventTag.LOGIN_DEVICE_CONFIRMED, request=request)
    return row.user


def _device(request: HttpRequest) -> dict[str, Any]:
    return {"user_agent": user_agent(request)}
