"""What the admin's front page shows about the index: a few aggregate queries, no logic.

It lives here, beside the admin site, because it reads every app (accounts, packages,
moderation) and no app may import one above it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from accounts.models import User
from accounts.services import DELETED_USER
from moderation.models import AdminFlag, MalwareReport
from packages.models import File, LifecycleStatus, Project, Release

NEWEST_PROJECTS = 10
NEWEST_REPORTS = 5


@dataclass(frozen=True)
class Dashboard:
    users: int
    active_users: int
    frozen_users: int
    projects: int
    quarantined_projects: int
    archived_projects: int
    releases: int
    files: int
    stored_bytes: int
    newest_projects: list[Project]
    open_reports: int
    newest_open_reports: list[MalwareReport]
    switches_on: list[AdminFlag]


def dashboard() -> Dashboard:
    """The index in figures: accounts, projects by state, releases, files and the bytes they
    take in storage (wheels' ``.metadata`` files included), the newest projects, the malware
    reports still waiting for a verdict and the switches that are on."""
    # The placeholder that deleted accounts' entries point to is nobody's account.
    users = User.objects.exclude(username=DELETED_USER).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(is_active=True, is_frozen=False)),
        frozen=Count("pk", filter=Q(is_frozen=True)),
    )
    projects = Project.objects.aggregate(
        total=Count("pk"),
        quarantined=Count("pk", filter=Q(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)),
        archived=Count(
            "pk",
            filter=Q(
                lifecycle_status__in=[LifecycleStatus.ARCHIVED, LifecycleStatus.ARCHIVED_NOINDEX]
            ),
        ),
    )
    files = File.objects.aggregate(
        total=Count("pk"), size=Sum("size"), metadata=Sum("metadata_file_size")
    )
    open_reports = MalwareReport.objects.open()
    return Dashboard(
        users=users["total"],
        active_users=users["active"],
        frozen_users=users["frozen"],
        projects=projects["total"],
        quarantined_projects=projects["quarantined"],
        archived_projects=projects["archived"],
        releases=Release.objects.count(),
        files=files["total"],
        stored_bytes=(files["size"] or 0) + (files["metadata"] or 0),
        newest_projects=list(Project.objects.order_by("-created", "-pk")[:NEWEST_PROJECTS]),
        open_reports=open_reports.count(),
        newest_open_reports=list(open_reports.order_by("-created", "-pk")[:NEWEST_REPORTS]),
        switches_on=list(AdminFlag.objects.filter(enabled=True).order_by("id")),
    )
