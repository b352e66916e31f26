""" "Used by": the projects on this index whose latest installable release requires a project.

A dependency row keeps its requirement's normalised project name (``Dependency.name``, filled by
``services.releases.create_release`` with ``requirement_name``), so finding a project's
dependents is an indexed lookup, not a parse of every specifier. A dependent counts when the
release that ``latest_first()`` picks among its installable releases (not yanked, final before
pre-release, highest version) has a ``Requires-Dist`` on the project, whatever its extras and
environment markers. Older releases that required it, quarantined projects and releases, and
the project itself do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import RowNumber
from packaging.requirements import InvalidRequirement, Requirement

from .models import Dependency, DependencyKind, Project, Release
from .names import normalize_name

# Dependents shown on a project page; the rest are counted.
SHOWN = 20


def requirement_name(specifier: str) -> str:
    """The PEP 503 name of the project a PEP 508 requirement names ("" when it does not parse)."""
    try:
        return normalize_name(Requirement(specifier).name)
    except InvalidRequirement:
        return ""


@dataclass(frozen=True)
class Dependent:
    """A project that requires another, as its latest installable release says."""

    name: str
    version: str
    summary: str
    created: datetime
    is_prerelease: bool
    is_archived: bool


@dataclass(frozen=True)
class Dependents:
    total: int
    shown: list[Dependent]

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def _latest_releases(candidates: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
    """The primary key of the latest installable release of each project in ``candidates`` (a
    query of project ids): the first per project in ``latest_first()`` order."""
    ordering = cast(list[str], list(Release.objects.latest_first().query.order_by))
    return (
        Release.objects.installable()
        .filter(project__in=candidates)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("project_id")],
                order_by=ordering,
            )
        )
        .filter(rank=1)
        .values("pk")
    )


def dependents(project: Project, limit: int = SHOWN) -> Dependents:
    """The projects whose latest installable release requires ``project``: their number and
    the first ``limit`` by name, in one query."""
    requires = Dependency.objects.filter(
        kind=DependencyKind.REQUIRES_DIST, name=project.normalized_name
    )
    candidates = requires.exclude(release__project=project).values("release__project_id")
    rows = list(
        Release.objects.filter(pk__in=_latest_releases(candidates))
        .filter(Exists(requires.filter(release=OuterRef("pk"))))
        .annotate(total=Window(Count("pk")))
        .order_by("project__normalized_name")
        .values(
            "project__name",
            "project__lifecycle_status",
            "version",
            "summary",
            "created",
            "is_prerelease",
            "total",
        )[:limit]
    )
    shown = [
        Dependent(
            name=row["project__name"],
            version=row["version"],
            summary=row["summary"],
            created=row["created"],
            is_prerelease=row["is_prerelease"],
            is_archived=Project(lifecycle_status=row["project__lifecycle_status"]).is_archived,
        )
        for row in rows
    ]
    return Dependents(total=rows[0]["total"] if rows else 0, shown=shown)
