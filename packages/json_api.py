"""The JSON API documents (``/pypi/<name>/json``, ``/pypi/<name>/<version>/json``).

A constant number of queries whatever the project's size; the project document is cached
under the project's serial.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.core.cache import cache

from .encoding import dumps
from .file_dicts import FILE_FIELDS, json_api_file
from .models import (
    DependencyKind,
    File,
    Project,
    Release,
    Role,
    RoleName,
)


def _label_key(label: str) -> str:
    """PEP 753 label normalisation: no punctuation or whitespace, lower case."""
    return re.sub(r"[\W_]+", "", label).lower()


def release_urls(release: Release) -> dict[str, str]:
    """Homepage and Download first, then the Project-URLs (without repeating those two)."""
    urls: dict[str, str] = {}
    if release.home_page:
        urls["Homepage"] = release.home_page
    if release.download_url:
        urls["Download"] = release.download_url
    for link in release.project_urls.all():
        key = _label_key(link.name)
        if key == "homepage" and release.home_page == link.url:
            continue
        if key == "downloadurl" and release.download_url == link.url:
            continue
        urls.setdefault(link.name, link.url)
    return urls


def _files_by_release(releases: list[Release], base: str) -> dict[int, list[dict[str, Any]]]:
    by_id = {r.pk: r for r in releases}
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = File.objects.filter(release__in=list(by_id)).order_by("filename").values(*FILE_FIELDS)
    for row in rows:
        release = by_id[row["release_id"]]
        grouped[release.pk].append(
            json_api_file(row, base, yanked=release.yanked, yanked_reason=release.yanked_reason)
        )
    return grouped


def _ownership(project: Project) -> dict[str, Any]:
    roles = Role.objects.filter(project=project).select_related("user").order_by("user__username")
    ordered = sorted(roles, key=lambda r: r.role_name != RoleName.OWNER)
    return {
        "roles": [{"role": r.role_name, "user": r.user.username} for r in ordered],
        "organization": None,
    }


def _info(project: Project, release: Release) -> dict[str, Any]:
    """The ``info`` block; ``release`` comes from ``Release.objects.with_details()``."""
    requires = [
        d.specifier for d in release.dependencies.all() if d.kind == DependencyKind.REQUIRES_DIST
    ]
    description = getattr(release, "description", None)
    page = f"/project/{project.normalized_name}/"
    urls = release_urls(release)
    return {
        "name": project.name,
        "version": release.version,
        "summary": release.summary or None,
        "description": description.raw if description else "",
        "description_content_type": (description.content_type if description else None) or None,
        "keywords": release.keywords or None,
        "license": release.license or None,
        "license_expression": release.license_expression or None,
        "license_files": release.license_files or None,
        "classifiers": sorted(c.classifier for c in release.classifiers.all()),
        "author": release.author or None,
        "author_email": release.author_email or None,
        "maintainer": release.maintainer or None,
        "maintainer_email": release.maintainer_email or None,
        "requires_python": release.requires_python or None,
        "platform": release.platform or None,
        "downloads": {"last_day": -1, "last_week": -1, "last_month": -1},
        "package_url": page,
        "project_url": page,
        "project_urls": urls or None,
        "release_url": f"{page}{release.version}/",
        "requires_dist": requires or None,
        "provides_extra": release.provides_extra or None,
        "docs_url": None,
        "bugtrack_url": None,
        "home_page": release.home_page or None,
        "download_url": release.download_url or None,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
        "dynamic": release.dynamic or None,
    }


def latest_release(project: Project) -> Release | None:
    return project.releases.installable().with_details().latest_first().first()


def project_document(project: Project, base: str) -> bytes | None:
    """The project document, or None when there is nothing to show (404)."""
    key = f"json:{project.pk}:{project.last_serial}:{base}"
    body = cache.get(key)
    if body is None:
        latest = latest_release(project)
        if latest is None:
            return None
        releases = list(project.releases.installable().order_by("sort_key"))
        files = _files_by_release(releases, base)
        body = dumps(
            {
                "info": _info(project, latest),
                "last_serial": project.last_serial,
                "releases": {r.version: files.get(r.pk, []) for r in releases},
                "urls": files.get(latest.pk, []),
                "vulnerabilities": [],
                "ownership": _ownership(project),
            }
        )
        cache.set(key, body, timeout=24 * 3600)
    return body


def release_document(project: Project, release: Release, base: str) -> bytes:
    files = _files_by_release([release], base)
    return dumps(
        {
            "info": _info(project, release),
            "last_serial": project.last_serial,
            "urls": files.get(release.pk, []),
            "vulnerabilities": [],
            "ownership": _ownership(project),
        }
    )
