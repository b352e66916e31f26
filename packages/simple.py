"""The Simple Repository API pages (PEP 503 HTML, PEP 691 JSON), rendered as bytes.

Rendering is plain string building: a 6,000-file project renders in milliseconds, and the
result is cached under the project's serial, which every visible change bumps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.core.cache import cache

from .models import File, LifecycleStatus, Project
from .storage import file_url

API_VERSION = "1.4"
TEXT_HTML = "text/html"
V1_HTML = "application/vnd.pypi.simple.v1+html"
V1_JSON = "application/vnd.pypi.simple.v1+json"
CONTENT_TYPES = (TEXT_HTML, V1_HTML, V1_JSON)


@dataclass(frozen=True)
class FileRow:
    filename: str
    path: str
    sha256: str
    requires_python: str
    size: int
    upload_time: datetime
    yanked: bool
    yanked_reason: str
    metadata_sha256: str
    version: str


def dumps(data: object) -> bytes:
    """JSON as Warehouse writes it: sorted keys, compact, UTF-8, trailing newline."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode()


def iso_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def file_rows(project: Project) -> list[FileRow]:
    """Every installable file of ``project`` in one query, by version then filename."""
    if project.lifecycle_status == LifecycleStatus.QUARANTINE_ENTER:
        return []
    rows = (
        File.objects.filter(release__project=project)
        .exclude(release__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
        .order_by("release__sort_key", "filename")
        .values_list(
            "filename",
            "path",
            "sha256_digest",
            "requires_python",
            "size",
            "upload_time",
            "release__yanked",
            "release__yanked_reason",
            "metadata_file_sha256_digest",
            "release__version",
        )
    )
    return [FileRow(*row) for row in rows]


def _anchor(row: FileRow, base: str) -> str:
    attrs = [f'href="{escape(file_url(base, row.path))}#sha256={row.sha256}"']
    if row.requires_python:
        attrs.append(f'data-requires-python="{escape(row.requires_python)}"')
    if row.yanked:
        attrs.append(f'data-yanked="{escape(row.yanked_reason)}"')
    if row.metadata_sha256:
        attrs.append(f'data-dist-info-metadata="sha256={row.metadata_sha256}"')
        attrs.append(f'data-core-metadata="sha256={row.metadata_sha256}"')
    return f"    <a {' '.join(attrs)}>{escape(row.filename)}</a><br />\n"


def detail_html(project: Project, rows: list[FileRow], base: str) -> bytes:
    name = escape(project.normalized_name)
    head = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f'    <meta name="pypi:project-status" content="{project.status}">\n'
        f"    <title>Links for {name}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {name}</h1>\n"
    )
    body = "".join(_anchor(row, base) for row in rows)
    tail = f"  </body>\n</html>\n<!--SERIAL {project.last_serial}-->\n"
    return (head + body + tail).encode()


def _file_json(row: FileRow, base: str) -> dict[str, object]:
    metadata: dict[str, str] | bool = (
        {"sha256": row.metadata_sha256} if row.metadata_sha256 else False
    )
    return {
        "filename": row.filename,
        "url": file_url(base, row.path),
        "hashes": {"sha256": row.sha256},
        "requires-python": row.requires_python or None,
        "size": row.size,
        "upload-time": iso_time(row.upload_time),
        "yanked": (row.yanked_reason or True) if row.yanked else False,
        "data-dist-info-metadata": metadata,
        "core-metadata": metadata,
        "provenance": None,
    }


def detail_json(project: Project, rows: list[FileRow], base: str) -> bytes:
    versions = list(dict.fromkeys(row.version for row in rows))
    return dumps(
        {
            "meta": {"api-version": API_VERSION, "_last-serial": project.last_serial},
            "name": project.normalized_name,
            "project-status": {"status": project.status},
            "versions": versions,
            "files": [_file_json(row, base) for row in rows],
        }
    )


def detail(project: Project, content_type: str, base: str) -> bytes:
    """The detail page in ``content_type``, from the cache when the serial is unchanged."""
    fmt = "json" if content_type == V1_JSON else "html"
    key = f"simple:{project.pk}:{project.last_serial}:{fmt}:{base}"
    page = cache.get(key)
    if page is None:
        rows = file_rows(project)
        render = detail_json if fmt == "json" else detail_html
        page = render(project, rows, base)
        cache.set(key, page, timeout=24 * 3600)
    return page


def index(content_type: str, serial: int) -> bytes:
    """The list of every installable project, cached under the index's last serial."""
    fmt = "json" if content_type == V1_JSON else "html"
    key = f"simple-index:{serial}:{fmt}"
    page = cache.get(key)
    if page is None:
        projects = (
            Project.objects.installable()
            .order_by("normalized_name")
            .values_list("name", "normalized_name", "last_serial")
        )
        page = index_json(projects, serial) if fmt == "json" else index_html(projects)
        cache.set(key, page, timeout=3600)
    return page


def index_html(projects) -> bytes:
    lines = "".join(
        f'    <a href="/simple/{escape(normalized)}/">{escape(name)}</a>\n'
        for name, normalized, _ in projects
    )
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
        f"{lines}  </body>\n</html>\n"
    ).encode()


def index_json(projects, serial: int) -> bytes:
    return dumps(
        {
            "meta": {"api-version": API_VERSION, "_last-serial": serial},
            "projects": [{"name": name, "_last-serial": last} for name, _, last in projects],
        }
    )
