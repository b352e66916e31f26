"""The public pages: the home page, project and release pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from email.utils import getaddresses
from urllib.parse import unquote, urlencode, urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from help.html import accessible_code_blocks

from .. import selectors
from ..dependents import dependents
from ..json_api import release_urls
from ..models import (
    DependencyKind,
    File,
    LifecycleStatus,
    PackageType,
    Project,
    Provenance,
    Release,
    Role,
    RoleName,
)
from ..models.release import ReleaseQuerySet
from ..names import normalize_name
from ..storage import file_url, files_base_url

# What the release history needs of every release (a project may have thousands).
HISTORY_FIELDS = (
    "pk",
    "version",
    "sort_key",
    "created",
    "yanked",
    "yanked_reason",
    "is_prerelease",
    "lifecycle_status",
)

# Project-URL labels the public index recognises (PEP 753 normalised), and the icon each gets.
LINK_ICONS = {
    "homepage": "home",
    "source": "code",
    "sourcecode": "code",
    "repository": "code",
    "github": "code",
    "gitlab": "code",
    "documentation": "book",
    "docs": "book",
    "issues": "bug",
    "bugtracker": "bug",
    "tracker": "bug",
    "bugreports": "bug",
    "changelog": "list",
    "changes": "list",
    "releasenotes": "list",
    "whatsnew": "list",
    "history": "list",
    "download": "download",
    "funding": "heart",
    "sponsor": "heart",
    "donate": "heart",
}
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    icon: str
    verified: bool
    safe: bool  # http(s): shown as a link; anything else only as text


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Collaborator:
    username: str
    initials: str
    role: str


def _quarantined(status: str) -> bool:
    return status == LifecycleStatus.QUARANTINE_ENTER


def _hidden(project: Project, release: Release) -> bool:
    """Whether clients may not see the release's files (it or its project is quarantined)."""
    return project.is_quarantined or _quarantined(release.lifecycle_status)


def _natural_key(filename: str) -> list[tuple[int, int | str]]:
    """Numbers compare as numbers: cp39 before cp310."""
    return [(1, int(p)) if p.isdigit() else (0, p.lower()) for p in _DIGITS.split(filename)]


def _files(request: HttpRequest, release: Release) -> dict[str, list[tuple[File, str]]]:
    """The source distribution, then the built ones in natural order, with their URLs (each
    file knows whether it ``has_provenance``, in the same query)."""
    base = files_base_url(request)
    attested = Exists(Provenance.objects.filter(file=OuterRef("pk")))
    files = sorted(
        release.files.installable().annotate(has_provenance=attested),
        key=lambda f: _natural_key(f.filename),
    )
    sdists = [f for f in files if f.packagetype == PackageType.SDIST]
    built = [f for f in files if f.packagetype != PackageType.SDIST]
    return {
        "source": [(f, file_url(base, f.path)) for f in sdists],
        "built": [(f, file_url(base, f.path)) for f in built],
    }


def _verified(url: str, project: Project) -> bool:
    """A link is verified when it points to this project's own page on this site."""
    site, link = urlsplit(settings.SITE_URL), urlsplit(url)
    if (link.scheme, link.netloc.lower()) != (site.scheme, site.netloc.lower()):
        return False
    match = re.fullmatch(r"/project/([^/]+)/?", unquote(link.path))
    return match is not None and normalize_name(match[1]) == project.normalized_name


def _links(release: Release, project: Project) -> list[Link]:
    links = []
    for label, url in release_urls(release).items():
        key = re.sub(r"[\W_]+", "", label).lower()
        safe = urlsplit(url).scheme.lower() in ("http", "https")
        links.append(
            Link(
                label=label,
                url=url,
                icon=LINK_ICONS.get(key, "link"),
                verified=safe and _verified(url, project),
                safe=safe,
            )
        )
    return links


def _people(names: str, emails: str) -> list[Person]:
    """A name field and its e-mail field as people ("Jane", "jane@example.com"; or names in the
    e-mail field: "Jane <jane@example.com>, bob@example.com")."""
    addresses = [(n, a) for n, a in getaddresses([emails]) if "@" in a] if emails else []
    if not addresses:
        return [Person(names, "")] if names else []
    if len(addresses) == 1 and names and not addresses[0][0]:
        return [Person(names, addresses[0][1])]
    return [Person(name or address, address) for name, address in addresses]


def _license(release: Release, classifiers: list[str]) -> str:
    if release.license_expression:
        return release.license_expression
    licenses = [c.split(" :: ")[-1] for c in classifiers if c.startswith("License :: ")]
    if licenses:
        return ", ".join(licenses)
    text = release.license.strip()
    return text if len(text) <= 100 else text[:99].rstrip() + "…"


def _classifier_groups(classifiers: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Classifiers by their top-level category: the rest of each, and its search link."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for classifier in classifiers:
        top, _, rest = classifier.partition(" :: ")
        link = "/search/?" + urlencode({"c": classifier})
        groups.setdefault(top, []).append((rest or top, link))
    return groups


def _initials(username: str, full_name: str) -> str:
    words = [w for w in re.split(r"[\s._-]+", full_name or username) if w]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    return (words[0][:2] if words else "?").upper()


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the release history (a project may have thousands)."""

    pk: int
    version: str
    sort_key: str
    url: str
    iso: str
    date: str
    current: bool
    badges: tuple[tuple[str, str], ...]  # (tone, label)
    yanked_reason: str


def _history(project: Project, shown: Release) -> tuple[list[HistoryEntry], HistoryEntry | None]:
    """Every release, highest version first, and the latest installable one (if any)."""
    rows = list(project.releases.latest_first().values_list(*HISTORY_FIELDS))
    latest_pk = next(
        (pk for pk, *_, status in rows if not project.is_quarantined and not _quarantined(status)),
        None,
    )
    labels = {
        "latest": gettext("latest"),
        "current": gettext("this version"),
        "prerelease": gettext("pre-release"),
        "yanked": gettext("yanked"),
        "quarantined": gettext("quarantined"),
    }
    dates: dict[date, str] = {}
    entries = []
    for pk, version, sort_key, created, yanked, reason, prerelease, status in rows:
        local = timezone.localtime(created)
        day = local.date()
        if day not in dates:
            dates[day] = formats.date_format(day, "DATE_FORMAT")
        marks = (
            ("latest", pk == latest_pk),
            ("current", pk == shown.pk),
            ("prerelease", prerelease),
            ("yanked", yanked),
            ("quarantined", _quarantined(status)),
        )
        entries.append(
            HistoryEntry(
                pk=pk,
                version=version,
                sort_key=sort_key,
                url=f"/project/{project.name}/{version}/",  # as Release.get_absolute_url
                iso=local.isoformat(),
                date=dates[day],
                current=pk == shown.pk,
                badges=tuple((tone, labels[tone]) for tone, on in marks if on),
                yanked_reason=reason if yanked else "",
            )
        )
    latest = next((e for e in entries if e.pk == latest_pk), None)
    return sorted(entries, key=lambda e: e.sort_key, reverse=True), latest


def _history_lines(entries: list[HistoryEntry]) -> SafeString:
    """The history's ``<li>`` lines, written here rather than in the template: a project may
    have thousands of releases, and the template engine takes several times longer a line."""
    reason = gettext("Reason:")
    current = format_html(' aria-current="{}"', "page")
    return format_html_join(
        "\n",
        '<li class="release-entry{}"><span class="release-version"><a href="{}"{}>{}</a></span>'
        '{}<time class="release-date" datetime="{}">{}</time>{}</li>',
        (
            (
                " is-current" if e.current else "",
                e.url,
                current if e.current else "",
                e.version,
                format_html(
                    '<span class="release-badges">{}</span>',
                    format_html_join("", '<span class="badge badge-{}">{}</span>', e.badges),
                )
                if e.badges
                else "",
                e.iso,
                e.date,
                format_html('<p class="release-note">{} {}</p>', reason, e.yanked_reason)
                if e.yanked_reason
                else "",
            )
            for e in entries
        ),
    )


def _context(request: HttpRequest, release: Release) -> dict[str, object]:
    """The page's context: ``release`` comes from ``_releases(name)`` (its project joined)."""
    project = release.project
    hidden = _hidden(project, release)
    history, latest = _history(project, release)
    is_latest = latest is not None and latest.pk == release.pk
    roles = list(
        Role.objects.filter(project=project).select_related("user").order_by("user__username")
    )
    collaborators = [
        Collaborator(
            username=role.user.username,
            initials=_initials(role.user.username, role.user.get_full_name()),
            role=role.role_name,
        )
        for name in (RoleName.OWNER, RoleName.MAINTAINER)
        for role in roles
        if role.role_name == name
    ]
    classifiers = [c.classifier for c in release.classifiers.all()]
    install = f"pip install {project.name}"
    pinned = f"{install}=={release.version}"
    description = getattr(release, "description", None)
    return {
        "project": project,
        "release": release,
        "hidden": hidden,
        "description": description,
        # Sanitised at upload; code blocks made keyboard-scrollable for display.
        "description_html": mark_safe(  # noqa: S308
            accessible_code_blocks(description.html) if description else ""
        ),
        "files": None if hidden else _files(request, release),
        "history_lines": _history_lines(history),
        "latest": latest,
        "is_latest": is_latest,
        "newer": latest is not None and latest.sort_key > release.sort_key,
        "install_command": install if is_latest else pinned,
        "pinned_command": pinned,
        "owners": [r.user for r in roles if r.role_name == RoleName.OWNER],
        "maintainers": [r.user for r in roles if r.role_name == RoleName.MAINTAINER],
        "collaborators": collaborators,
        "links": _links(release, project),
        "license": _license(release, classifiers),
        "authors": _people(release.author, release.author_email),
        "metadata_maintainers": _people(release.maintainer, release.maintainer_email),
        "requires_dist": [
            d.specifier
            for d in release.dependencies.all()
            if d.kind == DependencyKind.REQUIRES_DIST
        ],
        "classifier_groups": _classifier_groups(classifiers),
        "dependents": dependents(project),
    }


def _releases(name: str) -> ReleaseQuerySet:
    """The releases of the project called ``name`` (any spelling), with their project and what
    the page shows of one release."""
    return (
        Release.objects.with_details()
        .select_related("project")
        .filter(project__normalized_name=normalize_name(name))
    )


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """``/``: a search box, what the index holds, its newest projects and latest releases, and
    how to install from it and publish to it. A constant number of queries."""
    return render(
        request,
        "packages/home.html",
        {
            "stats": selectors.site_statistics(),
            "new_projects": selectors.newest_projects(10),
            "newest": selectors.newest_releases(10),
        },
    )


@require_safe
def project_detail(request: HttpRequest, name: str) -> HttpResponse:
    """``/project/<name>/``: the latest release's page. Every project with a release has one,
    a quarantined project too (without files); without releases it is a 404."""
    # The latest installable release, else (everything quarantined) the latest: chosen by its
    # key alone, so that the database sorts thousands of small rows, not their descriptions.
    keys = Release.objects.filter(project__normalized_name=normalize_name(name))
    latest = Coalesce(
        Subquery(keys.installable().latest_first().values("pk")[:1]),
        Subquery(keys.latest_first().values("pk")[:1]),
    )
    release = _releases(name).filter(pk=latest).first()
    if release is None:
        raise Http404(name)
    if name != release.project.name:
        return HttpResponsePermanentRedirect(release.project.get_absolute_url())
    return render(request, "packages/project_detail.html", _context(request, release))


@require_safe
def release_detail(request: HttpRequest, name: str, version: str) -> HttpResponse:
    """``/project/<name>/<version>/``: one release; other spellings redirect to it."""
    release = _releases(name).find_by_version(version)
    if release is None:
        raise Http404(version)
    if name != release.project.name or version != release.version:
        return HttpResponsePermanentRedirect(release.get_absolute_url())
    return render(request, "packages/project_detail.html", _context(request, release))
