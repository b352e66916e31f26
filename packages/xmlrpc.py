"""The XML-RPC API mirrors use (``/pypi``, ``/RPC2``).

Requests are parsed with DTDs and entities forbidden (no entity-expansion bombs, no external
references); parameters are type-checked; answers use only the methods and shapes
bandersnatch and older tools rely on.
"""

from __future__ import annotations

import reprlib
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from defusedxml.common import DefusedXmlException
from defusedxml.xmlrpc import DefusedExpatParser
from django.db.models import Count, Q

from .encoding import xml_safe
from .file_dicts import FILE_FIELDS, xmlrpc_file
from .models import File, JournalEntry, Project, Release, Role
from .services import journal

CHANGELOG_LIMIT = 50_000
MAX_DEPTH = 16  # no method takes more than a list of strings
INT_RANGE = range(-(2**63), 2**63)  # what a database integer can be compared with


class ClientError(Exception):
    """A bad call: answered as an XML-RPC fault."""


@dataclass(frozen=True)
class ListOf:
    """A parameter that must be a list whose every item is of type ``item``."""

    item: type

    @property
    def __name__(self) -> str:
        return f"list of {self.item.__name__}"


def _check_depth(params: tuple[Any, ...]) -> None:
    """Refuse structures nested deeper than any method takes (without recursing)."""
    stack: list[tuple[Any, int]] = [(params, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ClientError("client error; parameters nested too deeply")
        if isinstance(value, list | tuple):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())


def parse_call(body: bytes) -> tuple[str, tuple[Any, ...]]:
    unmarshaller = xmlrpc.client.Unmarshaller()
    parser = DefusedExpatParser(unmarshaller, forbid_dtd=True)
    try:
        parser.feed(body)
        parser.close()
        params = unmarshaller.close()
    except (DefusedXmlException, xmlrpc.client.ResponseError, ValueError, TypeError) as exc:
        raise ClientError(f"client error; invalid XML-RPC request: {exc}") from None
    except Exception as exc:
        raise ClientError(f"client error; unparsable request: {exc}") from None
    method = unmarshaller.getmethodname()
    if not method:
        raise ClientError("client error; no method name")
    _check_depth(params)
    return method, params


def _is_a(value: Any, kind: type | ListOf) -> bool:
    if isinstance(kind, ListOf):
        return isinstance(value, list) and all(_is_a(item, kind.item) for item in value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and value in INT_RANGE
    return isinstance(value, kind)


def _expect(params: tuple[Any, ...], *types: type | ListOf, optional: int = 0) -> None:
    if not len(types) - optional <= len(params) <= len(types):
        raise ClientError(f"client error; expected {len(types)} parameters, got {len(params)}")
    for value, kind in zip(params, types, strict=False):
        if not _is_a(value, kind):
            shown = reprlib.repr(value)
            raise ClientError(f"client error; {shown} is not of type {kind.__name__}")


def changelog_last_serial() -> int:
    return journal.last_serial()


def changelog_since_serial(serial: int) -> list[tuple[Any, ...]]:
    entries = (
        JournalEntry.objects.filter(id__gt=serial)
        .order_by("id")
        .values_list("name", "version", "submitted_date", "action", "id")[:CHANGELOG_LIMIT]
    )
    return [(n, v, int(d.timestamp()), a, i) for n, v, d, a, i in entries]


def list_packages_with_serial() -> dict[str, int]:
    return dict(Project.objects.installable().values_list("name", "last_serial"))


def list_packages() -> list[str]:
    return list(Project.objects.installable().values_list("name", flat=True))


def _project(name: str) -> Project | None:
    return Project.objects.installable().find_by_name(name)


def package_releases(name: str, show_hidden: bool = False) -> list[str]:
    """As Warehouse answered it: every version when ``show_hidden``, else only the latest
    (not yanked, final before pre-release)."""
    project = _project(name)
    if project is None:
        return []
    releases = Release.objects.installable().filter(project=project)
    if show_hidden:
        return list(releases.order_by("-sort_key").values_list("version", flat=True))
    return list(releases.filter(yanked=False).latest_first().values_list("version", flat=True)[:1])


def release_urls(name: str, version: str, *, base: str) -> list[dict[str, Any]]:
    project = _project(name)
    if project is None:
        return []
    files = File.objects.installable().filter(release__project=project, release__version=version)
    return [xmlrpc_file(row, base) for row in files.order_by("filename").values(*FILE_FIELDS)]


def package_roles(name: str) -> list[tuple[str, str]]:
    project = _project(name)
    if project is None:
        return []
    roles = Role.objects.filter(project=project)
    rows = roles.order_by("-role_name", "user__username").values_list("role_name", "user__username")
    return list(rows)


def user_packages(username: str) -> list[tuple[str, str]]:
    rows = Role.objects.filter(
        user__username__iexact=username, project__in=Project.objects.installable()
    ).order_by("-role_name", "project__name")
    return list(rows.values_list("role_name", "project__name"))


def browse(classifiers: list[str]) -> list[tuple[str, str]]:
    """``(project, version)`` of the releases carrying every one of ``classifiers``."""
    wanted = set(classifiers)
    if not wanted:
        return []
    releases = (
        Release.objects.installable()
        .annotate(
            hits=Count("classifiers", filter=Q(classifiers__classifier__in=wanted), distinct=True)
        )
        .filter(hits=len(wanted))
        .order_by("project__name", "version")
    )
    return list(releases.values_list("project__name", "version"))


METHODS: dict[str, tuple[Callable[..., Any], tuple[type | ListOf, ...], int]] = {
    "changelog_last_serial": (changelog_last_serial, (), 0),
    "changelog_since_serial": (changelog_since_serial, (int,), 0),
    "list_packages_with_serial": (list_packages_with_serial, (), 0),
    "list_packages": (list_packages, (), 0),
    "package_releases": (package_releases, (str, bool), 1),
    "release_urls": (release_urls, (str, str), 0),
    "package_roles": (package_roles, (str,), 0),
    "user_packages": (user_packages, (str,), 0),
    "browse": (browse, (ListOf(str),), 0),
}

REFUSED = {
    "system.multicall": "MultiCall requests have been deprecated, use individual requests instead.",
    "search": (
        "XML-RPC API search is not supported: use the web search at /search/ instead. "
        "('pip search' cannot be served.)"
    ),
}


NEEDS_FILES_BASE = {"release_urls"}


def dispatch(method: str, params: tuple[Any, ...], *, files_base: str) -> Any:
    """Call ``method``; raise ``xmlrpc.client.Fault`` for anything that is not answered."""
    if method in REFUSED:
        raise xmlrpc.client.Fault(-32500, f"RuntimeError: {REFUSED[method]}")
    if method not in METHODS:
        raise xmlrpc.client.Fault(
            -32601, f"server error; requested method {method!r} is not supported"
        )
    func, types, optional = METHODS[method]
    try:
        _expect(params, *types, optional=optional)
    except ClientError as exc:
        raise xmlrpc.client.Fault(-32602, str(exc)) from None
    kwargs = {"base": files_base} if method in NEEDS_FILES_BASE else {}
    return xml_safe(func(*params, **kwargs))
