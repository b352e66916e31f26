"""The CI platforms whose OIDC tokens this index accepts, and the audience those tokens name.

Each provider's issuer URL is a setting (``OIDC_GITHUB_ISSUER``, ``OIDC_GITLAB_ISSUER``,
``OIDC_GOOGLE_ISSUER``, ``OIDC_ACTIVESTATE_ISSUER``), so an index can trust a self-hosted
GitLab or a test issuer; settings refuse at start-up a plain-http issuer that is not on a
loopback address, and an empty one turns its provider off. A token's ``iss`` claim must equal
one of them exactly.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

GITHUB = "github"
GITLAB = "gitlab"
GOOGLE = "google"
ACTIVESTATE = "activestate"

# Provider → the setting holding its issuer URL.
ISSUER_SETTINGS = {
    GITHUB: "OIDC_GITHUB_ISSUER",
    GITLAB: "OIDC_GITLAB_ISSUER",
    GOOGLE: "OIDC_GOOGLE_ISSUER",
    ACTIVESTATE: "OIDC_ACTIVESTATE_ISSUER",
}

# The providers whose tokens always carry a ``jti`` (a unique token id): theirs is required,
# and each is usable once. Google's ID tokens and ActiveState's carry none (the public index
# requires none of them either); they are refused only once expired.
JTI_REQUIRED = frozenset({GITHUB, GITLAB})


def issuer_url(provider: str) -> str:
    """The issuer URL configured for ``provider`` ("" when the provider is turned off)."""
    return str(getattr(settings, ISSUER_SETTINGS[provider]))


def provider_for(iss: str) -> str | None:
    """The provider whose configured issuer is exactly ``iss``, or None for any other issuer."""
    if not iss:
        return None
    for provider in ISSUER_SETTINGS:
        if issuer_url(provider) == iss:
            return provider
    return None


def audience() -> str:
    """The one audience (``aud``) a token presented to this index must name."""
    return str(settings.OIDC_AUDIENCE)


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1): this machine only."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
