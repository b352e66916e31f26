"""The public pages: the home page, project and release pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import selectors
from ..json_api import release_urls
from ..models import DependencyKind, Project, Release, Role, RoleName
from ..storage import file_url, files_base_url


def _project(name: str) -> Project:
    # Every project has a page, a quarantined one too (with no files to download).
    project = Project.objects.find_by_name(name)
    if project is None:
        raise Http404(name)
    return project


def _context(request: HttpRequest, project: Project, release: Release) -> dict[str, object]:
    """The page's context; ``release`` comes from ``Release.objects.with_details()``."""
    base = files_base_url(request)
    files = [
        (f, file_url(base, f.path))
        for f in release.files.installable().order_by("packagetype", "filename")
    ]
    roles = Role.objects.filter(project=project).select_related("user").order_by("user__username")
    return {
        "project": project,
        "release": release,
        "description": getattr(release, "description", None),
        "files": files,
        "history": project.releases.order_by("-sort_key").only(
            "version", "created", "yanked", "is_prerelease", "project_id"
        ),
        "owners": [r.user for r in roles if r.role_name == RoleName.OWNER],
        "maintainers": [r.user for r in roles if r.role_name == RoleName.MAINTAINER],
        "urls": release_urls(release),
        "requires_dist": [
            d.specifier
            for d in release.dependencies.all()
            if d.kind == DependencyKind.REQUIRES_DIST
        ],
        "classifiers": sorted(c.classifier for c in release.classifiers.all()),
    }


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
    project = _project(name)
    if name != project.name:
        return HttpResponsePermanentRedirect(project.get_absolute_url())
    releases = project.releases.with_details().latest_first()
    release = releases.installable().first() or releases.first()
    if release is None:
        raise Http404(name)
    return render(request, "packages/project_detail.html", _context(request, project, release))


@require_safe
def release_detail(request: HttpRequest, name: str, version: str) -> HttpResponse:
    project = _project(name)
    release = project.releases.with_details().find_by_version(version)
    if release is None:
        raise Http404(version)
    if name != project.name or version != release.version:
        return HttpResponsePermanentRedirect(release.get_absolute_url())
    return render(request, "packages/project_detail.html", _context(request, project, release))
