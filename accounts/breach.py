"""Breached passwords: the Have I Been Pwned range check, its validator and the login-time action.

Only the first five hex digits of the password's SHA-1 leave the machine (k-anonymity); the
service answers every hash with that prefix, padded with ``SUFFIX:0`` decoys, and the match
happens here. The check fails open: if the service cannot be asked, the password is allowed
and one warning is logged. With ``HIBP_ENABLED`` off nothing is sent at all.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from help.links import help_url

from . import events, mail, outbound
from .events import EventTag
from .models import User

logger = logging.getLogger(__name__)

PREFIX_LENGTH = 5
NOTICE = "password-compromised-hibp"

BREACHED_MESSAGE = _(
    "This password appears in a security breach or has been compromised and cannot be used. "
    'See <a href="{faq_url}">this FAQ entry</a> for more information.'
)


def breached_message() -> str:
    """The refusal shown for a breached password, as safe HTML linking to the Help entry."""
    return format_html(str(BREACHED_MESSAGE), faq_url=help_url("compromised-password"))


def is_breached(password: str) -> bool:
    """True only if the range service lists ``password`` with a non-zero count.

    False when the check is disabled or the service could not be asked (fail open).
    """
    if not settings.HIBP_ENABLED:
        return False
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    prefix, suffix = digest[:PREFIX_LENGTH], digest[PREFIX_LENGTH:]
    try:
        body = _fetch_range(prefix)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # Refused, timed out, non-2xx, truncated, undecodable, misconfigured URL: fail open.
        _warn(outbound.describe(exc).replace(prefix, "<prefix>"))
        return False
    return body is not None and _listed(body, suffix)


def _fetch_range(prefix: str) -> str | None:
    """The service's answer for ``prefix``; None (after a warning) for a non-200 answer."""
    request = urllib.request.Request(  # noqa: S310 - an operator-configured http(s) URL
        f"{settings.HIBP_RANGE_URL}{prefix}",
        headers={
            "Add-Padding": "true",
            "User-Agent": outbound.user_agent("breached-password check"),
        },
    )
    with urllib.request.urlopen(request, timeout=settings.HIBP_TIMEOUT) as response:  # noqa: S310
        if response.status != 200:
            _warn(f"HTTP {response.status}")
            return None
        return response.read().decode("utf-8")


def _listed(body: str, suffix: str) -> bool:
    for line in body.splitlines():
        candidate, _sep, count = line.partition(":")
        if candidate.strip().upper() == suffix:
            # Padding decoys carry a count of 0; a missing or odd count is still a listing.
            count = count.strip()
            return not count.isdecimal() or int(count) > 0
    return False


def _warn(reason: str) -> None:
    # Says where and what failed, never the password, its hash or the hash prefix.
    outbound.warn(
        logger,
        "Breached-password check (password allowed)",
        settings.HIBP_RANGE_URL,
        reason,
        setting="HIBP_RANGE_URL",
    )


class BreachedPasswordValidator:
    """``AUTH_PASSWORD_VALIDATORS`` entry refusing passwords listed by Have I Been Pwned."""

    def validate(self, password: str, user: User | None = None) -> None:
        if is_breached(password):
            raise ValidationError(breached_message(), code="password_breached")

    def get_help_text(self) -> str:
        return gettext("Your password can't be one that has appeared in a public data breach.")


@transaction.atomic
def disable_breached_password(user: User, *, request: HttpRequest | None = None) -> None:
    """Disable ``user``'s password, record why, and mail them how to set a new one.

    For a correct password found in a breach at login. The notice goes out (even to an
    unverified primary address) only if the transaction commits.
    """
    user.set_unusable_password()
    user.password_date = timezone.now()
    user.save(update_fields=["password", "password_date"])
    events.record(user, EventTag.PASSWORD_DISABLED, request=request, reason="breached")
    reset_url = f"{settings.SITE_URL}{reverse('account_reset_password')}"
    mail.send_notice(user, NOTICE, {"reset_url": reset_url}, allow_unverified=True)
