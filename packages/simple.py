"""The Simple Repository API pages (PEP 503 HTML, PEP 691 JSON), rendered as bytes.

A project's page is cached under the project's serial, which every visible change bumps; so
the first request after an upload builds it. It is put together from parts, each the lines of
a run of releases (some 16, in version order), cached under its releases' own serials, which
the journal bumps with every change to a release's files or yank state: so the first request
after an upload reads the project's releases (one query), takes the unchanged runs' parts from
the cache (one round trip) and renders only the run of the changed release (one more query,
for its files). A page of thousands of files is then about as cheap as a small one;
``bench/stack.py`` measures both, and the big page with nothing cached.

Rendering is kept cheap for when nothing is cached: rows are plain tuples of only the columns
the format writes, read straight from the cursor and sorted in Python (by version, then
filename in code point order as the public index sorts them: PostgreSQL's collation is not
code point order, and its sort was a third of the query); the upload time is written as text
by the database (parsing a timestamp per row cost more than writing the row); values that
repeat (``Requires-Python``) are escaped once, and filenames and paths only when one of them
needs it; the cyclic garbage collector is paused while a page is built; and the page and its
new parts are stored in the cache after the response has been sent, not before.

The index of every project is streamed from a database cursor, never built whole nor cached
here: memory stays the same whatever the number of projects, and the CDN in front caches it.

A file uploaded with verified PEP 740 attestations has provenance: the page names its Integrity
API address (``"provenance"`` in JSON, ``null`` for the others; ``data-provenance`` in HTML).
The provenance is stored in the upload's transaction, which moves the serial, and is read in
the same query as the files (whether the file has one, not the document).
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from html import escape
from operator import itemgetter
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished
from django.db import connection
from django.db.models import CharField, F, Func

from .encoding import dumps, iso_time
from .models import File, Project, Release
from .provenance import provenance_url
from .storage import file_url

logger = logging.getLogger(__name__)

API_VERSION = "1.4"
PAGE_CACHE_SECONDS = 24 * 3600
TEXT_HTML = "text/html"
V1_HTML = "application/vnd.pypi.simple.v1+html"
V1_JSON = "application/vnd.pypi.simple.v1+json"
CONTENT_TYPES = (TEXT_HTML, V1_HTML, V1_JSON)

# Characters a quoted path keeps as they are (``file_url`` quotes with safe="/!+"): a path made
# only of these is its own URL and needs no HTML escaping either.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.\-~/!+]*")
_PLAIN_PATH_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/!+"
_HTML_SPECIAL = re.compile(r"[&<>\"']")  # what ``html.escape`` changes
_string = json.encoder.encode_basestring  # a JSON string, as dumps writes it


class _UploadTime(Func):
    """PEP 700 ``upload-time`` text (``iso_time``'s format), written by the database.

    PostgreSQL formats the timestamp; SQLite stores it as text already (``YYYY-MM-DD
    HH:MM:SS[.ffffff]`` in UTC) and only needs the separators. Elsewhere the value comes back
    as a datetime and Python formats it.
    """

    output_field = CharField()
    template = "%(expressions)s"

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = (
            "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        )
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = (
            "CASE WHEN length(%(expressions)s) = 19"
            " THEN replace(%(expressions)s, ' ', 'T') || '.000000Z'"
            " ELSE replace(%(expressions)s, ' ', 'T') || 'Z' END"
        )
        return super().as_sql(compiler, connection, template=template, **extra)


# The columns of the rows a page is built from, in this order (tuples, not dicts: a row costs
# less). A file's JSON columns come last: the annotation is selected after the fields, as the
# rows are read raw.
_RELEASE_COLUMNS = ("id", "sort_key", "version", "yanked", "yanked_reason", "last_serial")
_FILE_COLUMNS = (
    "release_id",
    "filename",
    "path",
    "sha256_digest",
    "requires_python",
    "metadata_file_sha256_digest",
    "provenance",  # the Provenance row's id, None without one (a left join)
)
_JSON_COLUMNS = ("size", "upload_time_text")
Row = tuple[Any, ...]

# Bump when a release's lines are written differently: the parts cached by an older version
# of this code are then never read again.
_PART_FORMAT = 1
# A page's parts are runs of releases in version order; a release begins a new run when the
# top bits of a hash of its id are zero (one release in 2**_RUN_BITS, whatever the others): so
# a new release changes the run it falls in, not where the others begin. No run is longer
# than _RUN_LIMIT releases.
_RUN_BITS = 4
_RUN_LIMIT = 64
# Up to this many releases to render, their files are read by release; more, by project.
_FEW_RELEASES = 4 * _RUN_LIMIT


def _fetch(query: Any) -> list[Row]:
    """The rows of a ``values_list`` query as the database driver gives them (the ORM's
    per-row work cost a third of the query)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def release_rows(project: Project) -> list[Row]:
    """``_RELEASE_COLUMNS`` of every installable release of ``project``, in version order
    (the sort key is unique in a project: it orders canonical versions, which are)."""
    query = Release.objects.installable().filter(project=project).order_by()
    rows = _fetch(query.values_list(*_RELEASE_COLUMNS))
    rows.sort(key=itemgetter(1))
    return rows


def file_rows(
    project: Project, release_ids: list[int] | None = None, *, json_fields: bool = False
) -> list[Row]:
    """``_FILE_COLUMNS`` (then ``_JSON_COLUMNS`` with ``json_fields``) of the installable
    files of ``project``, or of only the releases ``release_ids``; by release, then filename
    in code point order as the public index sorts them (on every database: sorted here, the
    database's collation is not code point order and its sort of wide rows was costly)."""
    query = File.objects.installable().filter(release__project=project).order_by()
    if release_ids is not None:
        query = query.filter(release_id__in=release_ids)
    columns: tuple[str, ...] = _FILE_COLUMNS
    if json_fields:
        query = query.annotate(upload_time_text=_UploadTime(F("upload_time")))
        columns += _JSON_COLUMNS
    rows = _fetch(query.values_list(*columns))
    rows.sort()  # by (release, filename): filenames are unique, nothing after them counts
    return rows


def _some_path_quoted(rows: list[Row]) -> bool:
    """Whether any file's path has a character ``file_url`` quotes (one scan of them all; then
    only those rows are checked one by one). Stored paths are digests and filenames, which
    uploads restrict to characters URLs carry as they are."""
    paths = "/".join([row[2] for row in rows])
    return not paths.isascii() or bool(paths.encode().translate(None, _PLAIN_PATH_BYTES))


def _some_filename_escaped(rows: list[Row]) -> bool:
    """Whether any filename has a character HTML escapes (uploads allow none)."""
    return bool(_HTML_SPECIAL.search("/".join([row[1] for row in rows])))


class _CollectorPause:
    """No cyclic garbage collection while a page is built.

    A 4,000-file page makes some 50,000 tuples and strings that hold no reference cycles; the
    collector walked them again and again as they were made (a sixth of the page's time).
    Reference counting frees them as always. The collector runs again as soon as no thread of
    the process is building a page (and only if it was on before the first one began).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.builders = 0
        self.was_enabled = False

    def __enter__(self) -> None:
        with self.lock:
            if self.builders == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.builders += 1

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.builders -= 1
            if self.builders == 0 and self.was_enabled:
                gc.enable()


_collector_paused = _CollectorPause()


def html_lines(
    project: Project, releases: list[Row], files: list[Row], base: str, site: str
) -> dict[int, list[bytes]]:
    """The lines of each release of ``releases`` (by id; none without files), from its
    ``files`` (``file_rows``)."""
    plain = _PLAIN_PATH.fullmatch
    some_quoted = _some_path_quoted(files)
    escape_names = _some_filename_escaped(files)
    base = escape(base)
    requires_attrs = {"": ""}  # the attribute of each Requires-Python value, escaped once
    by_id = {release[0]: release for release in releases}
    lines: dict[int, list[bytes]] = {release_id: [] for release_id in by_id}
    for release_id, filename, path, sha256, requires, metadata, prov in files:
        _, _, version, yanked, reason, _ = by_id[release_id]
        if some_quoted and not plain(path):
            href = escape(file_url(base, path))
        else:
            href = f"{base}/{path}"
        python = requires_attrs.get(requires)
        if python is None:
            python = requires_attrs[requires] = f' data-requires-python="{escape(requires)}"'
        yank = f' data-yanked="{escape(reason)}"' if yanked else ""
        if metadata:
            more = (
                f' data-dist-info-metadata="sha256={metadata}"'
                f' data-core-metadata="sha256={metadata}"'
            )
        else:
            more = ""
        if prov is not None:
            url = provenance_url(site, project.name, version, filename)
            more += f' data-provenance="{escape(url)}"'
        name = escape(filename) if escape_names else filename
        lines[release_id].append(
            f'    <a href="{href}#sha256={sha256}"{python}{yank}{more}>{name}</a><br />\n'.encode()
        )
    return lines


def html_page(project: Project, parts: Iterable[bytes]) -> bytes:
    name = escape(project.normalized_name)
    head = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f'    <meta name="pypi:project-status" content="{project.status}">\n'
        f"    <title>Links for {name}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {name}</h1>\n"
    )
    tail = f"  </body>\n</html>\n<!--SERIAL {project.last_serial}-->\n"
    return b"".join([head.encode(), *parts, tail.encode()])


def json_lines(
    project: Project, releases: list[Row], files: list[Row], base: str, site: str
) -> dict[int, list[bytes]]:
    """The file entries of each release of ``releases`` (by id; none without files), from
    its ``files`` (``file_rows`` with the JSON columns), byte for byte as ``dumps`` writes
    them (sorted keys, compact): building 4,000 dictionaries for ``dumps`` cost more than
    writing their text."""
    plain = _PLAIN_PATH.fullmatch
    some_quoted = _some_path_quoted(files)
    base_text = _string(base)[1:-1]  # inside the quotes
    python_texts = {"": "null"}  # each Requires-Python value as JSON, written once
    by_id = {release[0]: release for release in releases}
    entries: dict[int, list[bytes]] = {release_id: [] for release_id in by_id}
    for row in files:
        release_id, filename, path, sha256, requires, metadata, prov, size, at = row
        _, _, version, yanked, reason, _ = by_id[release_id]
        digest = f'{{"sha256":"{metadata}"}}' if metadata else "false"
        python = python_texts.get(requires)
        if python is None:
            python = python_texts[requires] = _string(requires)
        if some_quoted and not plain(path):
            url = _string(file_url(base, path))
        else:
            url = f'"{base_text}/{path}"'
        if yanked:
            yank = _string(reason) if reason else "true"
        else:
            yank = "false"
        if prov is None:
            provenance = "null"
        else:
            provenance = _string(provenance_url(site, project.name, version, filename))
        if not isinstance(at, str):  # a database that gave the datetime itself
            at = iso_time(at)
        entries[release_id].append(
            f'{{"core-metadata":{digest},"data-dist-info-metadata":{digest},'
            f'"filename":{_string(filename)},"hashes":{{"sha256":"{sha256}"}},'
            f'"provenance":{provenance},"requires-python":{python},"size":{size},'
            f'"upload-time":"{at}","url":{url},"yanked":{yank}}}'.encode()
        )
    return entries


def json_page(project: Project, parts: list[bytes], versions: list[str]) -> bytes:
    """PEP 691 JSON: ``parts`` are the runs' file entries (the empty ones are left out),
    ``versions`` the versions that have files."""
    meta = {"api-version": API_VERSION, "_last-serial": project.last_serial}
    tail = dumps(
        {
            "meta": meta,
            "name": project.normalized_name,
            "project-status": {"status": project.status},
            "versions": versions,
        }
    )
    return b"".join([b'{"files":[', b",".join([part for part in parts if part]), b"],", tail[1:]])


def _runs(releases: list[Row]) -> list[list[Row]]:
    """``releases`` (in version order) cut into the runs whose parts the cache keeps."""
    runs: list[list[Row]] = []
    for release in releases:
        starts = (release[0] * 0x9E3779B1 & 0xFFFFFFFF) >> (32 - _RUN_BITS) == 0
        if not runs or starts or len(runs[-1]) >= _RUN_LIMIT:
            runs.append([])
        runs[-1].append(release)
    return runs


def _part_keys(
    project: Project, runs: list[list[Row]], fmt: str, base: str, site: str
) -> list[str]:
    """The cache key of each run's part of the page. It changes with each release's id,
    serial (every change to a release's files or yank state records one) and yank state,
    and holds what else the lines are written from (the format, the project's name for
    provenance addresses, ``base`` and ``site``), digested."""
    shared = f"{_PART_FORMAT}\n{fmt}\n{project.name}\n{base}\n{site}"
    return [
        "simple-part:"
        + hashlib.blake2b(
            f"{shared}\n{[(r[0], r[5], r[3]) for r in run]}".encode(), digest_size=16
        ).hexdigest()
        for run in runs
    ]


# A run's part: its files' lines, and the versions of its releases that have files.
Part = tuple[bytes, tuple[str, ...]]


def build(project: Project, fmt: str, base: str, site: str) -> tuple[bytes, dict[str, Part]]:
    """The page in ``fmt`` ("html" or "json"), and the parts it had to render (by cache key,
    to store).

    A page is put together from the parts of runs of releases (``_runs``): the parts cached
    since their releases last changed are reused, and only the files of the other runs are
    read and written. So the first request after an upload renders the new file's run (some
    16 releases), not the project's thousands of files.
    """
    releases = release_rows(project)
    runs = _runs(releases)
    keys = _part_keys(project, runs, fmt, base, site)
    cached: dict[str, Part] = cache.get_many(keys) if runs else {}
    missing = [(run, key) for run, key in zip(runs, keys, strict=True) if key not in cached]
    rendered: dict[str, Part] = {}
    if missing:
        todo = [release for run, _ in missing for release in run]
        ids = [release[0] for release in todo] if len(todo) <= _FEW_RELEASES else None
        files = file_rows(project, ids, json_fields=fmt == "json")
        render = json_lines if fmt == "json" else html_lines
        lines = render(project, todo, files, base, site)
        joiner = b"," if fmt == "json" else b""
        for run, key in missing:
            filled = [release for release in run if lines[release[0]]]
            run_lines = [line for release in filled for line in lines[release[0]]]
            rendered[key] = (joiner.join(run_lines), tuple(release[2] for release in filled))
    parts = [cached[key] if key in cached else rendered[key] for key in keys]
    if fmt == "json":
        versions = [version for _, run_versions in parts for version in run_versions]
        return json_page(project, [text for text, _ in parts], versions), rendered
    return html_page(project, [text for text, _ in parts]), rendered


def detail(project: Project, content_type: str, base: str, site: str) -> bytes:
    """The detail page in ``content_type``, from the cache when the serial is unchanged.

    ``base`` is where files are served from, ``site`` this site's origin (scheme and host, for
    the provenance addresses): both are part of the cache key.
    """
    fmt = "json" if content_type == V1_JSON else "html"
    key = f"simple:{project.pk}:{project.last_serial}:{fmt}:{base}:{site}"
    page = cache.get(key)
    if page is None:
        with _collector_paused:
            page, parts = build(project, fmt, base, site)
        _store_after_response({**parts, key: page})
    return page


class _PagesToStore(threading.local):
    """This thread's pages waiting for the end of their response to be put in the cache."""

    def __init__(self) -> None:
        self.pages: list[dict[str, object]] = []


_to_store = _PagesToStore()


def _store_after_response(items: dict[str, object]) -> None:
    """Cache ``items`` once the response carrying them is sent (``request_finished``, which
    the server sends from the thread that served the request): storing a 2 MB page in Redis
    took a sixth of the first request's time, and the client need not wait for it."""
    _to_store.pages.append(items)


def _store_pages(**kwargs: object) -> None:
    pending, _to_store.pages = _to_store.pages, []
    for items in pending:
        try:
            cache.set_many(items, timeout=PAGE_CACHE_SECONDS)
        except Exception:  # the page was served; the next request builds it again
            logger.exception("Simple page not cached")


request_finished.connect(_store_pages, dispatch_uid="packages.simple.store_pages")


# The index -------------------------------------------------------------------------------------

_INDEX_BATCH = 2000  # projects read from the cursor, and written, at a time
_Project = tuple[str, str, int]  # name, normalized name, last serial


def index_batches() -> Iterator[list[_Project]]:
    """``(name, normalized name, last serial)`` of every installable project, by normalized
    name, a batch at a time from one cursor (server-side on PostgreSQL), as the driver gives
    them."""
    query = (
        Project.objects.installable()
        .order_by("normalized_name")
        .values_list("name", "normalized_name", "last_serial")
    )
    sql, params = query.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(_INDEX_BATCH):
            yield batch


def index_html(batches: Iterable[list[_Project]]) -> Iterator[bytes]:
    """The PEP 503 index, in chunks of a batch of projects each."""
    yield (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
    ).encode()
    for batch in batches:
        # Project names never hold a character HTML escapes; a batch that does is escaped.
        if _HTML_SPECIAL.search("".join(name + normalized for name, normalized, _ in batch)):
            batch = [
                (escape(name), escape(normalized), serial) for name, normalized, serial in batch
            ]
        yield "".join(
            f'    <a href="/simple/{normalized}/">{name}</a>\n' for name, normalized, _ in batch
        ).encode()
    yield b"  </body>\n</html>\n"


def index_json(batches: Iterable[list[_Project]], serial: int) -> Iterator[bytes]:
    """The PEP 691 index, in chunks, byte for byte as ``dumps`` writes the whole document."""
    meta = dumps({"api-version": API_VERSION, "_last-serial": serial}).rstrip(b"\n")
    yield b'{"meta":' + meta + b',"projects":['
    separator = ""
    for batch in batches:
        yield (
            separator
            + ",".join(
                f'{{"_last-serial":{last},"name":{_string(name)}}}' for name, _, last in batch
            )
        ).encode()
        separator = ","
    yield b"]}\n"


def index(content_type: str, serial: int) -> Iterator[bytes]:
    """The list of every installable project, as chunks to stream."""
    if content_type == V1_JSON:
        return index_json(index_batches(), serial)
    return index_html(index_batches())
