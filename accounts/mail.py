"""Mail to account holders: one template set per notice, sent by a Celery task after commit.

A notice ``<name>`` renders ``templates/email/<name>/subject.txt``, ``body.txt`` and
``body.html`` with the context given plus ``user``, ``SITE_NAME`` and ``SITE_URL``. It goes to
the user's verified primary address (or to the addresses given), is sent only if the
transaction commits, and is recorded in the user's security history.

This module owns the delivery task (``send_email``) too: everything that mails someone, here
or in allauth's adapter, goes through ``send_later``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from allauth.account.models import EmailAddress
from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string

from . import events
from .events import EventTag
from .models import User


# Registered under the name it had when it lived in accounts.tasks: queued mail survives deploys.
@shared_task(
    name="accounts.tasks.send_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_email(subject: str, text: str, html: str, to: list[str]) -> None:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


def send_later(subject: str, text: str, html: str, to: Sequence[str]) -> None:
    """Send this mail from a Celery task once the transaction commits (never if it rolls back)."""
    addresses = list(to)
    transaction.on_commit(lambda: send_email.delay(subject, text, html, addresses))


def render(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of notice ``name``; only the HTML part is HTML-escaped."""
    full = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(_plain(f"email/{name}/subject.txt", full).split())
    text = _plain(f"email/{name}/body.txt", full)
    html = render_to_string(f"email/{name}/body.html", full)
    return subject, text, html


def _plain(template_name: str, context: dict[str, Any]) -> str:
    # A name like "O'Brien" must not reach a plain-text mail as "O&#x27;Brien".
    # The DjangoTemplates backend's wrapper; its .template (the engine's own) takes a Context.
    template = get_template(template_name).template  # type: ignore[attr-defined]
    return template.render(Context(context, autoescape=False))


def recipients(user: User, *, allow_unverified: bool = False) -> list[str]:
    """The user's primary address, if verified (or if ``allow_unverified``)."""
    address = EmailAddress.objects.filter(user=user, primary=True).first()
    if address is None or not (address.verified or allow_unverified):
        return []
    return [address.email]


def send_notice(
    user: User,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    to: Sequence[str] | None = None,
    allow_unverified: bool = False,
) -> bool:
    """Queue notice ``name`` for ``user``; False when there is no address to send it to."""
    addresses = list(to) if to is not None else recipients(user, allow_unverified=allow_unverified)
    if not addresses:
        return False
    subject, text, html = render(name, {"user": user, **(context or {})})
    send_later(subject, text, html, addresses)
    events.record(user, EventTag.EMAIL_SENT, notice=name, to=addresses)
    return True
