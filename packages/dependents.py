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

from django.db.models import F, FilteredRelation, Q, Window
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


def dependents(project: Project, limit: int = SHOWN) -> Dependents:
    """The projects whose latest installable release requires ``project``: their number and
    the first ``limit`` by name, in one query.

    The inner query is the read vocabulary's: every installable release of the projects that
    ever required ``project``, left-joined to its requirements of ``project`` and numbered per
    project in ``latest_first()`` order. The outer one keeps each project's first row if it has
    a requirement (a filter inside would pick the latest of the releases that require it
    instead), counts them and returns the first by name. Linear in the candidates' releases,
    on SQLite and PostgreSQL alike (a hash join; no per-row subquery, whose estimated cost
    would also make PostgreSQL compile the query with JIT first).
    """
    requires = Dependency.objects.filter(
        kind=DependencyKind.REQUIRES_DIST, name=project.normalized_name
    )
    candidates = requires.exclude(release__project=project).values("release__project_id")
    ordering = cast(list[str], list(Release.objects.latest_first().query.order_by))
    ranked = (
        Release.objects.installable()
        .filter(project__in=candidates)
        # A release that requires the project several times (extras, markers) is as many
        # rows, numbered one after the other: its first row is still its project's first.
        .alias(
            requirement=FilteredRelation(
                "dependencies",
                condition=Q(
                    dependencies__kind=DependencyKind.REQUIRES_DIST,
                    dependencies__name=project.normalized_name,
                ),
            )
        )
        .annotate(
            rank_in_project=Window(RowNumber(), partition_by=[F("project_id")], order_by=ordering),
            requires_it=F("requirement__id"),
            project_name=F("project__name"),
            project_key=F("project__normalized_name"),
            project_status=F("project__lifecycle_status"),
        )
        .values(
            "id",
            "version",
            "summary",
            "created",
            "is_prerelease",
            "rank_in_project",
            "requires_it",
            "project_name",
            "project_key",
            "project_status",
        )
    )
    inner, params = ranked.query.sql_with_params()
    # Only the ORM's own SQL is put in, its values stay parameters.
    sql = (
        "SELECT id, version, summary, created, is_prerelease, project_name, project_status, "  # noqa: S608
        f"COUNT(*) OVER () AS total FROM ({inner}) latest "
        "WHERE rank_in_project = 1 AND requires_it IS NOT NULL ORDER BY project_key LIMIT %s"
    )
    # Releases with the outer query's columns as attributes (the ORM converts their values).
    rows: list[Any] = list(Release.objects.raw(sql, (*params, limit)))
    shown = [
        Dependent(
            name=row.project_name,
            version=row.version,
            summary=row.summary,
            created=row.created,
            is_prerelease=row.is_prerelease,
            is_archived=Project(lifecycle_status=row.project_status).is_archived,
        )
        for row in rows
    ]
    return Dependents(total=rows[0].total if rows else 0, shown=shown)
