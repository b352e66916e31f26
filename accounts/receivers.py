"""Security events for changes allauth makes to addresses and passwords.

allauth offers no adapter hook for these, only its signals; receivers are the documented
extension point. They record history and send the notices allauth does not send itself.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals
from django.dispatch import receiver

from . import events, mail
from .events import EventTag


@receiver(signals.email_added)
def email_added(request: Any, user: Any, email_address: Any, **kwargs: Any) -> None:
    events.record(user, EventTag.EMAIL_ADD, request=request, email=email_address.email)
    mail.send_notice(user, "new-email-added", {"new_email": email_address.email})


@receiver(signals.email_removed)
def email_removed(request: Any, user: Any, email_address: Any, **kwargs: Any) -> None:
    events.record(user, EventTag.EMAIL_REMOVE, request=request, email=email_address.email)


@receiver(signals.email_changed)
def primary_changed(
    request: Any, user: Any, from_email_address: Any, to_email_address: Any, **kwargs: Any
) -> None:
    events.record(
        user,
        EventTag.EMAIL_PRIMARY_CHANGE,
        request=request,
        old=from_email_address.email if from_email_address else None,
        new=to_email_address.email,
    )


@receiver(signals.email_confirmed)
def email_confirmed(request: Any, email_address: Any, **kwargs: Any) -> None:
    events.record(
        email_address.user, EventTag.EMAIL_VERIFIED, request=request, email=email_address.email
    )


@receiver(signals.password_changed)
@receiver(signals.password_set)
def password_changed(request: Any, user: Any, **kwargs: Any) -> None:
    events.record(user, EventTag.PASSWORD_CHANGE, request=request)


@receiver(signals.password_reset)
def password_reset(request: Any, user: Any, **kwargs: Any) -> None:
    events.record(user, EventTag.PASSWORD_RESET, request=request)
