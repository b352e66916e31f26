"""Name rules that belong to moderation: standard-library module names and the names
administrators prohibit (project names, usernames, mail domains).

Each ``*_refusal`` function returns the message that refuses its argument, or None; they are
plugged into ``packages.ports`` (new projects) and ``accounts.ports`` (new accounts and
addresses) from ``ModerationConfig.ready()``.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import chain

import stdlib_list
from django.utils.translation import gettext as _
from packaging.utils import canonicalize_name

from accounts.models import USERNAME_MAX_LENGTH, USERNAME_PATTERN
from help.links import help_url
from packages.names import normalize_name

from .models import ProhibitedEmailDomain, ProhibitedProjectName, ProhibitedUserName

_USERNAME_RE = re.compile(USERNAME_PATTERN)
# One or more dot-separated labels of letters, digits and inner hyphens (after IDNA encoding).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")


@cache
def stdlib_names() -> frozenset[str]:
    """Every module name of every Python version ``stdlib-list`` knows, normalised."""
    modules = chain.from_iterable(stdlib_list.stdlib_list(v) for v in stdlib_list.short_versions)
    return frozenset(canonicalize_name(m.strip("-_.")) for m in modules)


def stdlib_refusal(name: str) -> str | None:
    if canonicalize_name(name.strip("-_.")) in stdlib_names():
        return _(
            "The name '{name}' isn't allowed (conflict with Python Standard Library module "
            "name). See {url} for more information."
        ).format(name=name, url=help_url("project-name"))
    return None


def prohibited_refusal(name: str) -> str | None:
    if ProhibitedProjectName.objects.filter(name=normalize_name(name)).exists():
        return _("The name '{name}' isn't allowed. See {url} for more information.").format(
            name=name, url=help_url("project-name")
        )
    return None


def normalize_username(name: str) -> str:
    """Usernames compare case-insensitively: prohibitions are kept lower-case."""
    return name.strip().lower()


def is_valid_username(name: str) -> bool:
    """The pattern and length every account's username has."""
    return len(name) <= USERNAME_MAX_LENGTH and bool(_USERNAME_RE.fullmatch(name))


def normalize_email_domain(domain: str) -> str | None:
    """``domain`` as prohibitions keep it (lower-case ASCII, IDNA for international names, no
    leading "@" nor trailing dot), or None when it is not a domain with at least two labels."""
    domain = domain.strip().removeprefix("@").rstrip(".").lower()
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if len(ascii_domain) > 253 or not _DOMAIN_RE.fullmatch(ascii_domain):
        return None
    return ascii_domain


def username_refusal(username: str) -> str | None:
    if ProhibitedUserName.objects.filter(name=normalize_username(username)).exists():
        return _("This username isn't allowed. Choose a different username.")
    return None


def email_refusal(email: str) -> str | None:
    """Refuse an address at a prohibited domain or at any subdomain of one."""
    domain = normalize_email_domain(email.rpartition("@")[2])
    if domain is None:
        return None  # not an address: the address validator says what is wrong
    labels = domain.split(".")
    suffixes = [".".join(labels[i:]) for i in range(len(labels))]
    if ProhibitedEmailDomain.objects.filter(domain__in=suffixes).exists():
        return _("You can't use an email address from this domain. Use a different email.")
    return None
