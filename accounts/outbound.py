"""Requests this site sends to other services (the breached-password range API, leak
reporters' keys documents): the User-Agent they carry, and how a failure is put in words and
logged."""

from __future__ import annotations

import logging
import urllib.error
from urllib.parse import urlsplit

from django.conf import settings


def user_agent(purpose: str) -> str:
    """The User-Agent of a request made for ``purpose``, naming this site."""
    agent = f"{settings.SITE_NAME} {purpose} ({settings.SITE_URL})"
    # Header values go out as Latin-1; a site name outside ASCII must not break the request.
    return agent.encode("ascii", "replace").decode("ascii")


def describe(exc: Exception) -> str:
    """A failed request's error in a few words: "HTTP 500", "timed out", the exception."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def warn(logger: logging.Logger, what: str, url: str, reason: str, *, setting: str) -> None:
    """Log that ``what`` failed: the host ``url`` names (or the ``setting`` it comes from) and
    the reason; never the rest of the URL, nor what the request was about."""
    host = urlsplit(url).hostname or setting
    logger.warning("%s failed (%s: %s)", what, host, reason)
