"""The Simple Repository API pages (PEP 503 HTML, PEP 691 JSON), rendered as bytes.

Rendering is plain string building: a 6,000-file project renders in milliseconds, and the
result is cached under the project's serial, which every visible change bumps.

A file uploaded with verified PEP 740 attestations has provenance: the page names its Integrity
API address (``"provenance"`` in JSON, ``null`` for the others; ``data-provenance`` in HTML).
The provenance is stored in the upload's transaction, which moves the serial, and is read in
the same query as the files (whether the file has one, not the document).
"""

from __future__ import annotations

from html import escape

from django.core.cache import cache

from .encoding import dumps
from .file_dicts import FILE_FIELDS, Row, simple_file
from .models import File, Project
from .provenance import provenance_url
from .storage import file_url

API_VERSION = "1.4"
TEXT_HTML = "text/html"
V1_HTML = "application/vnd.pypi.simple.v1+html"
V1_JSON = "application/vnd.pypi.simple.v1+json"
CONTENT_TYPES = (TEXT_HTML, V1_HTML, V1_JSON)
_RELEASE_FIELDS = ("release__yanked", "release__yanked_reason", "release__version")
_PROVENANCE_FIELD = "provenance"  # the Provenance row's id, None without one (a left join)


def file_rows(project: Project) -> list[Row]:
    """Every installable file of ``project`` in one query, by version then filename."""
    return list(
        File.objects.installable()
        .filter(release__project=project)
        .order_by("release__sort_key", "filename")
        .values(*FILE_FIELDS, *_RELEASE_FIELDS, _PROVENANCE_FIELD)
    )


def _provenance(project: Project, row: Row, site: str) -> str | None:
    """The Integrity API address of the file's provenance, None when it has none."""
    if row[_PROVENANCE_FIELD] is None:
        return None
    return provenance_url(site, project.name, row["release__version"], row["filename"])


def _anchor(project: Project, row: Row, base: str, site: str) -> str:
    attrs = [f'href="{escape(file_url(base, row["path"]))}#sha256={row["sha256_digest"]}"']
    if row["requires_python"]:
        attrs.append(f'data-requires-python="{escape(row["requires_python"])}"')
    if row["release__yanked"]:
        attrs.append(f'data-yanked="{escape(row["release__yanked_reason"])}"')
    metadata = row["metadata_file_sha256_digest"]
    if metadata:
        attrs.append(f'data-dist-info-metadata="sha256={metadata}"')
        attrs.append(f'data-core-metadata="sha256={metadata}"')
    provenance = _provenance(project, row, site)
    if provenance:
        attrs.append(f'data-provenance="{escape(provenance)}"')
    return f"    <a {' '.join(attrs)}>{escape(row['filename'])}</a><br />\n"


def detail_html(project: Project, rows: list[Row], base: str, site: str) -> bytes:
    name = escape(project.normalized_name)
    head = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f'    <meta name="pypi:project-status" content="{project.status}">\n'
        f"    <title>Links for {name}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {name}</h1>\n"
    )
    body = "".join(_anchor(project, row, base, site) for row in rows)
    tail = f"  </body>\n</html>\n<!--SERIAL {project.last_serial}-->\n"
    return (head + body + tail).encode()


def detail_json(project: Project, rows: list[Row], base: str, site: str) -> bytes:
    versions = list(dict.fromkeys(row["release__version"] for row in rows))
    return dumps(
        {
            "meta": {"api-version": API_VERSION, "_last-serial": project.last_serial},
            "name": project.normalized_name,
            "project-status": {"status": project.status},
            "versions": versions,
            "files": [
                {
                    **simple_file(
                        row,
                        base,
                        yanked=row["release__yanked"],
                        yanked_reason=row["release__yanked_reason"],
                    ),
                    "provenance": _provenance(project, row, site),
                }
                for row in rows
            ],
        }
    )


def detail(project: Project, content_type: str, base: str, site: str) -> bytes:
    """The detail page in ``content_type``, from the cache when the serial is unchanged.

    ``base`` is where files are served from, ``site`` this site's origin (scheme and host, for
    the provenance addresses): both are part of the cache key.
    """
    fmt = "json" if content_type == V1_JSON else "html"
    key = f"simple:{project.pk}:{project.last_serial}:{fmt}:{base}:{site}"
    page = cache.get(key)
    if page is None:
        rows = file_rows(project)
        render = detail_json if fmt == "json" else detail_html
        page = render(project, rows, base, site)
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
