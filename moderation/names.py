"""Name rules that belong to moderation: standard-library modules and prohibited names."""

from __future__ import annotations

from functools import cache
from itertools import chain

import stdlib_list
from django.utils.translation import gettext as _
from packaging.utils import canonicalize_name

from help.links import help_url
from packages.names import normalize_name

from .models import ProhibitedProjectName


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
