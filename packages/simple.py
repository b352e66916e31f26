"""The Simple Repository API pages (PEP 503 HTML, PEP 691 JSON), rendered as bytes.

A project's page is built in one query and cached under the project's serial, which every
visible change bumps; so the first request after an upload renders it. That render is kept
cheap for projects of thousands of files (``bench/stack.py`` measures it): rows are plain
tuples of only the columns the format writes, read straight from the cursor and sorted in
Python (by version, then filename in code point order as the public index sorts them:
PostgreSQL's collation is not code point order, and its sort was a third of the query); the
upload time is written as text by the database (parsing a timestamp per row cost more than
writing the row); values that repeat (``Requires-Python``, yank reasons) are escaped once; the
cyclic garbage collector is paused while a page is built; and the page is stored in the cache
after the response has been sent, not before.

The index of every project is streamed from a database cursor, never built whole nor cached
here: memory stays the same whatever the number of projects, and the CDN in front caches it.

A file uploaded with verified PEP 740 attestations has provenance: the page names its Integrity
API address (``"provenance"`` in JSON, ``null`` for the others; ``data-provenance`` in HTML).
The provenance is stored in the upload's transaction, which moves the serial, and is read in
the same query as the files (whether the file has one, not the document).
"""

from __future__ import annotations

import gc
import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from html import escape
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished
from django.db import connection
from django.db.models import CharField, F, Func

from .encoding import dumps, iso_time
from .models import File, Project
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


# The columns of a page's rows, in this order (tuples, not dicts: a row costs less). The JSON
# columns come last: the annotation is selected after the fields, as the rows are read raw.
_COLUMNS = (
    "release__sort_key",
    "filename",
    "path",
    "sha256_digest",
    "requires_python",
    "metadata_file_sha256_digest",
    "release__yanked",
    "release__yanked_reason",
    "release__version",
    "provenance",  # the Provenance row's id, None without one (a left join)
)
_JSON_COLUMNS = ("size", "upload_time_text")
Row = tuple[Any, ...]


def file_rows(project: Project, *, json_fields: bool = False) -> list[Row]:
    """Every installable file of ``project`` in one query, by version then filename.

    Each row holds ``_COLUMNS`` (then ``_JSON_COLUMNS`` with ``json_fields``), as the database
    driver gives them (the ORM's per-row work cost a third of the query). Filenames of a
    release are in code point order, as the public index sorts them, on every database.
    """
    # Sorted here, not by the database: its sort of the wide rows was a third of its work, and
    # rows come back about in upload order, which is nearly version order (cheap to sort).
    query = File.objects.installable().filter(release__project=project).order_by()
    columns: tuple[str, ...] = _COLUMNS
    if json_fields:
        query = query.annotate(upload_time_text=_UploadTime(F("upload_time")))
        columns += _JSON_COLUMNS
    sql, params = query.values_list(*columns).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[Row] = cursor.fetchall()
    rows.sort()  # by (sort key, filename): filenames are unique, nothing after them counts
    return rows


def _some_path_quoted(rows: list[Row]) -> bool:
    """Whether any file's path has a character ``file_url`` quotes (one scan of them all; then
    only those rows are checked one by one). Stored paths are digests and filenames, which
    uploads restrict to characters URLs carry as they are."""
    paths = "/".join([row[2] for row in rows])
    return not paths.isascii() or bool(paths.encode().translate(None, _PLAIN_PATH_BYTES))


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


def detail_html(project: Project, rows: list[Row], base: str, site: str) -> bytes:
    name = escape(project.normalized_name)
    head = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f'    <meta name="pypi:project-status" content="{project.status}">\n'
        f"    <title>Links for {name}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {name}</h1>\n"
    )
    # Each line as bytes, joined once: one copy of the page, not a text then its bytes.
    parts = [head.encode()]
    append = parts.append
    plain = _PLAIN_PATH.fullmatch
    some_quoted = _some_path_quoted(rows)
    base = escape(base)
    requires_attrs = {"": ""}  # the attribute of each Requires-Python value, escaped once
    yanked_attrs: dict[str, str] = {}
    for _, filename, path, sha256, requires, metadata, yanked, reason, version, prov in rows:
        if some_quoted and not plain(path):
            href = escape(file_url(base, path))
        else:
            href = f"{base}/{path}"
        python = requires_attrs.get(requires)
        if python is None:
            python = requires_attrs[requires] = f' data-requires-python="{escape(requires)}"'
        if yanked:
            yank = yanked_attrs.get(reason)
            if yank is None:
                yank = yanked_attrs[reason] = f' data-yanked="{escape(reason)}"'
        else:
            yank = ""
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
        append(
            f'    <a href="{href}#sha256={sha256}"{python}{yank}{more}>'
            f"{escape(filename)}</a><br />\n".encode()
        )
    append(f"  </body>\n</html>\n<!--SERIAL {project.last_serial}-->\n".encode())
    return b"".join(parts)


def detail_json(project: Project, rows: list[Row], base: str, site: str) -> bytes:
    """PEP 691 JSON, byte for byte as ``dumps`` writes it (sorted keys, compact).

    The files are written entry by entry (keys in sorted order): building 4,000 dictionaries
    for ``dumps`` cost more than writing their text. Each entry is bytes (with the comma that
    precedes it), joined once.
    """
    parts = [b'{"files":[']
    append = parts.append
    comma = ""
    plain = _PLAIN_PATH.fullmatch
    some_quoted = _some_path_quoted(rows)
    base_text = _string(base)[1:-1]  # inside the quotes
    python_texts = {"": "null"}  # each Requires-Python value as JSON, written once
    for row in rows:
        _, filename, path, sha256, requires, metadata, yanked, reason, version, prov, size, at = row
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
        append(
            f'{comma}{{"core-metadata":{digest},"data-dist-info-metadata":{digest},'
            f'"filename":{_string(filename)},"hashes":{{"sha256":"{sha256}"}},'
            f'"provenance":{provenance},"requires-python":{python},"size":{size},'
            f'"upload-time":"{at}","url":{url},"yanked":{yank}}}'.encode()
        )
        comma = ","
    versions = list(dict.fromkeys(row[8] for row in rows))
    meta = {"api-version": API_VERSION, "_last-serial": project.last_serial}
    tail = dumps(
        {
            "meta": meta,
            "name": project.normalized_name,
            "project-status": {"status": project.status},
            "versions": versions,
        }
    )
    append(b"],")
    append(tail[1:])
    return b"".join(parts)


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
            if fmt == "json":
                page = detail_json(project, file_rows(project, json_fields=True), base, site)
            else:
                page = detail_html(project, file_rows(project), base, site)
        _store_after_response(key, page)
    return page


class _PagesToStore(threading.local):
    """This thread's pages waiting for the end of their response to be put in the cache."""

    def __init__(self) -> None:
        self.pages: list[tuple[str, bytes]] = []


_to_store = _PagesToStore()


def _store_after_response(key: str, page: bytes) -> None:
    """Cache ``page`` once the response carrying it is sent (``request_finished``, which the
    server sends from the thread that served the request): storing a 2 MB page in Redis took
    a sixth of the first request's time, and the client need not wait for it."""
    _to_store.pages.append((key, page))


def _store_pages(**kwargs: object) -> None:
    pages, _to_store.pages = _to_store.pages, []
    for key, page in pages:
        try:
            cache.set(key, page, timeout=PAGE_CACHE_SECONDS)
        except Exception:  # the page was served; the next request builds it again
            logger.exception("Simple page not cached")


request_finished.connect(_store_pages, dispatch_uid="packages.simple.store_pages")


# The index -------------------------------------------------------------------------------------

_INDEX_BATCH = 2000  # projects read from the cursor, and written, at a time
_HTML_SPECIAL = re.compile(r"[&<>\"']")
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
