"""Background work of the accounts app (inline unless a Celery broker is configured)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(subject: str, text: str, html: str, to: list[str]) -> None:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


@shared_task
def revoke_leaked_token(token: str, public_url: str, reporter: str) -> bool:
    """Revoke a token a secret scanner found in public (see accounts.disclosure)."""
    from .disclosure import revoke_leaked_token as revoke  # disclosure imports this module

    return revoke(token, public_url=public_url, reporter=reporter)
