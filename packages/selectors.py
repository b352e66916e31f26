"""Reads about users' projects that other apps ask for (see ``accounts.projects``)."""

from __future__ import annotations

from django.db.models import Count, Q

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
