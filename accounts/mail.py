"""Mail to account holders: one template set per notice, sent after commit through the outbox.

A notice ``<name>`` renders ``templates/email/<name>/subject.txt``, ``body.txt`` and
``body.html`` with the context given plus ``user``, ``SITE_NAME`` and ``SITE_URL``. It goes to
the user's verified primary address (or to the addresses given), is sent only if the
transaction commits, and is recorded in the user's security history.

This module owns the delivery too: everything that mails someone, here or in allauth's
adapter, goes through ``send_later``, which writes the mail to the outbox
(``pypi_site.outbox``) in the current transaction. After commit it is sent in the request
without a broker (so ``mail.outbox`` fills at once in tests), by a worker with one; a mail
that could not be sent then stays in the outbox and is sent again later, never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from allauth.account.models import EmailAddress
from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string

from pypi_site.outbox import delivery
from pypi_site.outbox.registry import work

from . import events
from .events import EventTag
from .models import User

SEND = "accounts.tasks.send_email"


@work(SEND)
def send_now(subject: str, text: str, html: str, to: list[str]) -> None:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


# Mail queued before the outbox existed, under the name it had in accounts.tasks: it survives
# deploys.
@shared_task(name=SEND, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(subject: str, text: str, html: str, to: list[str]) -> None:
    send_now(subject, text, html, to)


def send_later(subject: str, text: str, html: str, to: Sequence[str]) -> None:
    """Send this mail once the transaction commits (never if it rolls back), through the
    outbox: it is written now, in the transaction, and kept until it was sent."""
    arguments = {"subject": subject, "text": text, "html": html, "to": list(to)}
    delivery.after_commit(delivery.Call(SEND, arguments))


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
