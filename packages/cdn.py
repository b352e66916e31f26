"""Purging a CDN in front of the site when what it caches changes.

Pages carry ``Surrogate-Key`` headers (``project/<name>``, ``simple-index``); after a change
commits, one ``POST`` to ``CDN_PURGE_URL`` with the keys in a ``Surrogate-Key`` header asks the
CDN to drop them (the shape Fastly and Varnish xkey setups accept). Without the setting,
nothing is sent.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings

logger = logging.getLogger(__name__)


def project_keys(normalized_name: str) -> list[str]:
    return [f"project/{normalized_name}", "simple-index"]


def purge(keys: Iterable[str]) -> bool:
    """Ask the CDN to drop ``keys`` now; False (and a log line) if it could not be asked."""
    url = settings.CDN_PURGE_URL
    if not url:
        return True
    request = urllib.request.Request(  # noqa: S310 - an operator-configured http(s) URL
        url, method="POST", headers={"Surrogate-Key": " ".join(keys)}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as exc:
        logger.warning("CDN purge of %s failed: %s", " ".join(keys), exc)
        return False
