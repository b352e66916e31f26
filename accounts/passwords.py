"""Passwords disabled by staff, and what logging in says about a disabled password.

Staff disable a password in two ways: an administrator's reset, and marking it compromised.
Either way the password stops working at once: it becomes unusable, which changes what every
session of the account must carry, and the sessions are also deleted from the store. The
account's API tokens keep working, as on the public index, which disables only the password
(staff delete tokens in the admin when they must go too). The account holder is mailed, at the
primary address even if it is unverified and at every verified address, to choose a new
password with "Forgot password?"; until then the login form says why the password is refused.

A password found in a breach at login is disabled the same way by
``breach.disable_breached_password`` (reason ``breached``).
"""

from __future__ import annotations

from enum import StrEnum

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import breach, events, mail, sessions
from .events import EventTag
from .models import User
from .services import Refused


class Disabled(StrEnum):
    """Why a password was disabled: the ``reason`` of its ``PASSWORD_DISABLED`` event."""

    BREACHED = "breached"
    COMPROMISED = "password compromised"
    ADMIN = "admin initiated"


NOTICES = {Disabled.ADMIN: "password-reset-by-admin", Disabled.COMPROMISED: "password-compromised"}

RESET_BY_ADMIN_MESSAGE = _(
    "Your password has been reset by the administrators of this index and can no longer be "
    'used. Choose a new one with <a href="{reset_url}">Forgot password?</a>'
)


def reset_url() -> str:
    """The "Forgot password?" page, as a link on ``SITE_URL``."""
    return f"{settings.SITE_URL}{reverse('account_reset_password')}"


@transaction.atomic
def reset_password_by_admin(user: User, *, by: User, reason: str = "") -> bool:
    """Disable ``user``'s password at the request of the staff member ``by``."""
    return _disable(user, Disabled.ADMIN, by=by, reason=reason)


@transaction.atomic
def mark_password_compromised(user: User, *, by: User, reason: str = "") -> bool:
    """Disable ``user``'s password, known to staff as compromised: a reset is the only way in."""
    return _disable(user, Disabled.COMPROMISED, by=by, reason=reason)


def _disable(user: User, why: Disabled, *, by: User, reason: str) -> bool:
    if user.pk == by.pk:
        raise Refused(
            _("You cannot disable your own password here: change it in your account settings.")
        )
    User.objects.select_for_update().filter(pk=user.pk).exists()  # one change at a time
    user.set_unusable_password()
    user.password_date = timezone.now()
    user.save(update_fields=["password", "password_date"])
    events.record(user, EventTag.PASSWORD_DISABLED, reason=why.value, by=by.username, note=reason)
    sessions.end_sessions(user)
    mail.send_notice(user, NOTICES[why], {"reset_url": reset_url()}, to=_addresses(user))
    return True


def _addresses(user: User) -> list[str]:
    """The primary address (verified or not: it may be the only way back in) and every
    verified one."""
    rows = EmailAddress.objects.filter(user=user).filter(Q(primary=True) | Q(verified=True))
    return list(rows.order_by("-primary", "email").values_list("email", flat=True))


def login_refusal(user: User) -> ValidationError | None:
    """What the login form says to ``user`` whose password is disabled (whatever password was
    typed); None while its password is usable."""
    if user.has_usable_password():
        return None
    last = user.events.filter(tag=EventTag.PASSWORD_DISABLED).first()
    if last is not None and last.additional.get("reason") == Disabled.ADMIN:
        message = format_html(str(RESET_BY_ADMIN_MESSAGE), reset_url=reset_url())
        return ValidationError(message, code="password_reset_by_admin")
    return ValidationError(breach.breached_message(), code="password_breached")
