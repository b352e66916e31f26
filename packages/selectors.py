"""Reads about users' projects that other apps ask for (see ``accounts.projects``)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from accounts.models import User

from .models import File, Project, Release, Role, RoleName


def projects_of(user: User) -> list[Project]:
    return list(Project.objects.filter(roles__user=user).order_by("normalized_name").distinct())


def sole_owned_projects(user: User) -> list[Project]:
    # A subquery: filtering and counting through one join would count only this user's role.
    owned = Role.objects.filter(user=user, role_name=RoleName.OWNER).values("project_id")
    return list(
        Project.objects.filter(pk__in=owned)
        .annotate(owners=Count("roles", filter=Q(roles__role_name=RoleName.OWNER), distinct=True))
        .filter(owners=1)
        .order_by("normalized_name")
    )


def site_statistics() -> dict[str, int]:
    """What the home page counts: projects and releases clients can install, their files, users."""
    releases = Release.objects.installable()
    return {
        "projects": Project.objects.installable().filter(releases__isnull=False).distinct().count(),
        "releases": releases.count(),
        "files": File.objects.filter(release__in=releases).count(),
        "users": User.objects.filter(is_active=True).count(),
    }


def newest_releases(limit: int = 10) -> list[Release]:
    """The latest releases clients can install, newest first, with their projects."""
    return list(
        Release.objects.installable().select_related("project").order_by("-created")[:limit]
    )


def with_latest_release(projects: QuerySet[Project]) -> QuerySet[Project]:
    """``projects`` that have an installable release, each annotated with its latest one
    (``latest_first``): ``latest_version``, ``latest_summary``, ``latest_created`` and
    ``latest_prerelease``. One query, whatever the number of projects."""
    latest = Release.objects.installable().filter(project=OuterRef("pk")).latest_first()
    return projects.annotate(
        latest_version=Subquery(latest.values("version")[:1]),
        latest_summary=Subquery(latest.values("summary")[:1]),
        latest_created=Subquery(latest.values("created")[:1]),
        latest_prerelease=Subquery(latest.values("is_prerelease")[:1]),
    ).filter(latest_version__isnull=False)


def listed_projects() -> QuerySet[Project]:
    """The projects the visitor pages list (home, profiles, statistics, site maps): installable
    ones with an installable release, so that each has a page to link to."""
    has_release = Exists(Release.objects.installable().filter(project=OuterRef("pk")))
    return Project.objects.installable().filter(has_release)


def newest_projects(limit: int = 10) -> list[Project]:
    """The most recently created listed projects, with their latest release
    (``with_latest_release``)."""
    return list(
        with_latest_release(Project.objects.installable()).order_by("-created", "-pk")[:limit]
    )


def total_packages_size() -> int:
    """The bytes held by the files of every installable project."""
    total = Project.objects.installable().aggregate(total=Sum("total_size"))["total"]
    return int(total or 0)


def largest_projects(limit: int = 100) -> list[Project]:
    """The installable projects that hold the most bytes, largest first (``name`` and
    ``total_size`` only)."""
    return list(
        Project.objects.installable()
        .filter(total_size__gt=0)
        .order_by("-total_size", "normalized_name")
        .only("name", "total_size")[:limit]
    )


def users_with_projects() -> QuerySet[User]:
    """Active users with a role on a listed project: the profiles worth a link in site maps."""
    roles = Role.objects.filter(project__in=listed_projects()).values("user_id")
    return User.objects.filter(is_active=True, pk__in=roles).order_by("username")
