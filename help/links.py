"""Absolute links into the Help page, for messages that leave the site (API errors, mail)."""

from django.conf import settings
from django.urls import reverse


def help_url(anchor: str) -> str:
    return f"{settings.SITE_URL}{reverse('help:index')}#{anchor}"
