"""The Simple Repository API (PEP 503 HTML, PEP 691 JSON) through HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages import simple
from packages.models import File, LifecycleStatus, Project, Release
from packages.services import journal
from packages.services.events import Actor
from packages.services.projects import quarantine_project
from packages.services.releases import yank_release
from tests import uploads
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = [
    pytest.mark.django_db,
]

HTML = "text/html"
V1_HTML = "application/vnd.pypi.simple.v1+html"
V1_JSON = "application/vnd.pypi.simple.v1+json"
UV_ACCEPT = f"{V1_JSON}, {V1_HTML};q=0.2, text/html;q=0.01"
PIP_ACCEPT = f"{V1_JSON}, {V1_HTML}; q=0.1, text/html; q=0.01"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": (
        "Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since"
    ),
    "Access-Control-Allow-Methods": "GET",
    "Access-Control-Max-Age": "86400",
    "Access-Control-Expose-Headers": "X-PyPI-Last-Serial",
}
QUERY = urlencode({"format": V1_JSON})
UPLOAD_TIME = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def compact(data: object) -> bytes:
    return (json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n").encode()


def vary(response) -> list[str]:
    return [token.strip() for token in response["Vary"].split(",")]


def get(client, url: str, accept: str | None = None):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return client.get(url, **headers)


def yank(release: Release, reason: str = "") -> None:
    yank_release(release, actor=Actor(user=None), reason=reason)


def quarantine(project: Project) -> None:
    quarantine_project(project, actor=Actor(user=None))


def anchors(html: bytes) -> list[dict[str, str]]:
    """Each ``<a>`` of a page as its attributes plus ``text``."""
    found = []
    for attrs, text in re.findall(rb"<a ([^>]*)>([^<]*)</a>", html):
        entry = {k.decode(): v.decode() for k, v in re.findall(rb'([\w-]+)="([^"]*)"', attrs)}
        entry["text"] = text.decode()
        found.append(entry)
    return found


def metadata_of(wheel: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return archive.read(name)


def served(client, url: str) -> bytes:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


@pytest.fixture
def uploaded(client, token) -> tuple[bytes, bytes]:
    """Sample.Pkg 1.0 as a wheel and an sdist, both ``Requires-Python: >=3.8``."""
    meta = {"requires_python": ">=3.8"}
    sdist = uploads.sdist_upload("Sample.Pkg", "1.0", metadata=meta)
    wheel = uploads.wheel_upload("Sample.Pkg", "1.0", metadata=meta)
    for upload in (sdist, wheel):
        assert upload.post(client, token).status_code == 200
    File.objects.update(upload_time=UPLOAD_TIME)
    return wheel.files[0].content, sdist.files[0].content


# Content negotiation (PEP 691) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, HTML),
        ("text/plain", HTML),
        ("application/vnd.pypi.simple.latest+json", HTML),
        (f"text/html, {V1_HTML}, {V1_JSON}", HTML),
        (UV_ACCEPT, V1_JSON),
        (PIP_ACCEPT, V1_JSON),
        (V1_JSON, V1_JSON),
        (V1_HTML, V1_HTML),
        (f"{V1_JSON}, text/html", HTML),
        (f"{V1_JSON};q=0.9, text/html;q=0.5", V1_JSON),
        (f"{V1_HTML};q=0.5, {V1_JSON};q=0.5, text/html;q=0.4", V1_HTML),
        ("*/*", HTML),
        ("application/*", V1_HTML),
        ("text/html;q=0, */*", V1_HTML),
        ("text/html;q=0.1, */*", V1_HTML),
        (f"{V1_JSON};q=0, text/plain", HTML),
    ],
    ids=[
        "no-accept",
        "text-plain",
        "latest-json-unknown",
        "all-equal",
        "uv",
        "pip",
        "json-only",
        "v1-html-only",
        "tie-keeps-server-order",
        "q-values",
        "tie-below-one",
        "any",
        "application-any",
        "html-refused",
        "specific-range-sets-q",
        "json-refused",
    ],
)
def test_detail_content_negotiation(client, accept, expected):
    ProjectFactory(name="sample")

    response = get(client, "/simple/sample/", accept)

    assert response.status_code == 200
    assert response["Content-Type"] == expected
    assert vary(response) == ["Accept"]
    if expected == V1_JSON:
        assert json.loads(response.content)["name"] == "sample"
    else:
        assert response.content.startswith(b"<!DOCTYPE html>\n")


@pytest.mark.parametrize(
    ("fmt", "accept", "expected"),
    [
        (V1_JSON, HTML, V1_JSON),
        (V1_HTML, UV_ACCEPT, V1_HTML),
        ("text/html", UV_ACCEPT, HTML),
        ("json", UV_ACCEPT, V1_JSON),
        ("json", None, HTML),
    ],
    ids=[
        "json-over-accept",
        "v1-html-over-accept",
        "html-over-accept",
        "unknown-uses-accept",
        "unknown-default",
    ],
)
def test_format_parameter_overrides_accept(client, fmt, accept, expected):
    ProjectFactory(name="sample")

    for url in ("/simple/", "/simple/sample/"):
        response = get(client, f"{url}?{urlencode({'format': fmt})}", accept)
        assert response["Content-Type"] == expected
        assert vary(response) == ["Accept"]


def test_index_json_by_accept(client):
    response = get(client, "/simple/", UV_ACCEPT)

    assert response["Content-Type"] == V1_JSON
    assert vary(response) == ["Accept"]
    assert response.getvalue() == compact(
        {"meta": {"_last-serial": 0, "api-version": "1.4"}, "projects": []}
    )


# Headers and redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_detail_headers(client, accept):
    project = ProjectFactory(name="sample")
    serial = journal.record(project, journal.Entry("create"), by=None)

    response = get(client, "/simple/sample/", accept)

    assert response["X-PyPI-Last-Serial"] == str(serial)
    assert response["Cache-Control"] == "public, max-age=600"
    assert response["Surrogate-Key"] == "project/sample"
    assert {name: response[name] for name in CORS} == CORS


def test_index_headers_carry_the_global_serial(client):
    first = ProjectFactory(name="first")
    second = ProjectFactory(name="second")
    journal.record(first, journal.Entry("create"), by=None)
    serial = journal.record(second, journal.Entry("create"), by=None)
    journal.record(first, journal.Entry("new release", "1.0"), by=None)
    quarantine(first)
    last = journal.last_serial()

    response = client.get("/simple/")

    assert serial < last
    assert response["X-PyPI-Last-Serial"] == str(last)
    assert response["Cache-Control"] == "public, max-age=600"
    assert {name: response[name] for name in CORS} == CORS


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/simple/Sample.Pkg/", "/simple/sample-pkg/"),
        ("/simple/sample_pkg/", "/simple/sample-pkg/"),
        ("/simple/SAMPLE--pkg/", "/simple/sample-pkg/"),
        (f"/simple/Sample_Pkg/?{QUERY}", f"/simple/sample-pkg/?{QUERY}"),
    ],
    ids=["dot-and-case", "underscore", "run-of-separators", "keeps-query"],
)
def test_non_normalized_name_redirects_with_cors(client, url, location):
    ProjectFactory(name="Sample.Pkg")

    response = client.get(url)

    assert response.status_code == 301
    assert response["Location"] == location
    assert {name: response[name] for name in CORS} == CORS


def test_missing_trailing_slash_redirects(client):
    ProjectFactory(name="sample")

    response = client.get("/simple/sample")

    assert response.status_code == 301
    assert response["Location"] == "/simple/sample/"


def test_unknown_project_is_404(client):
    assert client.get("/simple/nothing-here/").status_code == 404
    assert client.get("/simple/nothing-here/", HTTP_ACCEPT=V1_JSON).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_safe_methods(client, method):
    ProjectFactory(name="sample")

    assert getattr(client, method)("/simple/sample/").status_code == 405
    assert getattr(client, method)("/simple/").status_code == 405


# Index -------------------------------------------------------------------------------------------


def test_index_lists_projects_by_normalized_name_without_quarantined(client):
    zeta, alpha, beta, hidden = (
        ProjectFactory(name=name) for name in ("Zeta", "alpha", "Beta.Pkg", "hidden")
    )
    ReleaseFactory(project=zeta)
    serials = {
        p.name: journal.record(p, journal.Entry("create"), by=None) for p in (zeta, alpha, beta)
    }
    quarantine(hidden)

    html = client.get("/simple/")
    data = client.get("/simple/", HTTP_ACCEPT=V1_JSON)

    assert html.getvalue() == (
        b"<!DOCTYPE html>\n<html>\n  <head>\n"
        b'    <meta name="pypi:repository-version" content="1.4">\n'
        b"    <title>Simple index</title>\n  </head>\n  <body>\n"
        b'    <a href="/simple/alpha/">alpha</a>\n'
        b'    <a href="/simple/beta-pkg/">Beta.Pkg</a>\n'
        b'    <a href="/simple/zeta/">Zeta</a>\n'
        b"  </body>\n</html>\n"
    )
    assert data.getvalue() == compact(
        {
            "meta": {"api-version": "1.4", "_last-serial": journal.last_serial()},
            "projects": [
                {"name": "alpha", "_last-serial": serials["alpha"]},
                {"name": "Beta.Pkg", "_last-serial": serials["Beta.Pkg"]},
                {"name": "Zeta", "_last-serial": serials["Zeta"]},
            ],
        }
    )


def test_index_is_streamed_and_not_cached_here(client):
    """Its memory must not grow with the number of projects: the CDN caches it, not the site."""
    journal.record(ProjectFactory(name="first"), journal.Entry("create"), by=None)
    response = client.get("/simple/")
    assert response.streaming
    assert b"/simple/first/" in response.getvalue()

    ProjectFactory(name="second")
    assert b"/simple/second/" in client.get("/simple/").getvalue()


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_index_in_many_chunks_is_one_document(client, accept):
    names = [f"project-{number:04d}" for number in range(2 * simple._INDEX_BATCH + 1)]
    Project.objects.bulk_create(
        Project(name=name, normalized_name=name, ultranormalized_name=name, last_serial=n)
        for n, name in enumerate(names)
    )

    response = get(client, "/simple/", accept)

    chunks = list(response.streaming_content)
    assert len(chunks) >= 4  # head, three batches (and the tail)
    body = b"".join(chunks)
    if accept:
        assert json.loads(body)["projects"] == [
            {"name": name, "_last-serial": n} for n, name in enumerate(names)
        ]
        assert body == compact(json.loads(body))
    else:
        assert [a["text"] for a in anchors(body)] == names
        assert body.endswith(b"</a>\n  </body>\n</html>\n")


def test_index_html_escapes_a_batch_that_needs_it():
    """Names the database refuses today, as an older row could hold them."""
    batches = [[("plain", "plain", 1)], [("A&B", "a&b", 2), ('q"t', 'q"t', 3)]]

    body = b"".join(simple.index_html(batches)).decode()

    assert '<a href="/simple/plain/">plain</a>' in body
    assert '<a href="/simple/a&amp;b/">A&amp;B</a>' in body
    assert '<a href="/simple/q&quot;t/">q&quot;t</a>' in body


def test_index_head_answers_the_headers_without_a_body(client):
    ProjectFactory(name="first")

    response = client.head("/simple/")

    assert response.status_code == 200
    assert response["X-PyPI-Last-Serial"] == "0"
    assert response.getvalue() == b""


# Detail ------------------------------------------------------------------------------------------


def test_detail_html_page(client, uploaded):
    wheel, sdist = uploaded
    project = Project.objects.get()
    wheel_file = File.objects.get(packagetype="bdist_wheel")
    sdist_file = File.objects.get(packagetype="sdist")
    metadata_sha = hashlib.sha256(metadata_of(wheel)).hexdigest()

    response = client.get("/simple/sample-pkg/")

    assert response["Content-Type"] == HTML
    assert response.content.decode() == (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta name="pypi:repository-version" content="1.4">\n'
        '    <meta name="pypi:project-status" content="active">\n'
        "    <title>Links for sample-pkg</title>\n  </head>\n  <body>\n"
        "    <h1>Links for sample-pkg</h1>\n"
        f'    <a href="http://testserver/packages/{wheel_file.path}'
        f'#sha256={hashlib.sha256(wheel).hexdigest()}" data-requires-python="&gt;=3.8"'
        f' data-dist-info-metadata="sha256={metadata_sha}"'
        f' data-core-metadata="sha256={metadata_sha}">sample_pkg-1.0-py3-none-any.whl</a><br />\n'
        f'    <a href="http://testserver/packages/{sdist_file.path}'
        f'#sha256={hashlib.sha256(sdist).hexdigest()}" data-requires-python="&gt;=3.8"'
        ">sample_pkg-1.0.tar.gz</a><br />\n"
        "  </body>\n</html>\n"
        f"<!--SERIAL {project.last_serial}-->\n"
    )


def test_detail_json_document(client, uploaded):
    wheel, sdist = uploaded
    project = Project.objects.get()
    wheel_file = File.objects.get(packagetype="bdist_wheel")
    sdist_file = File.objects.get(packagetype="sdist")
    metadata = {"sha256": hashlib.sha256(metadata_of(wheel)).hexdigest()}

    response = client.get("/simple/sample-pkg/", HTTP_ACCEPT=UV_ACCEPT)

    def entry(file: File, content: bytes, core: dict[str, str] | bool) -> dict[str, object]:
        return {
            "filename": file.filename,
            "url": f"http://testserver/packages/{file.path}",
            "hashes": {"sha256": hashlib.sha256(content).hexdigest()},
            "requires-python": ">=3.8",
            "size": len(content),
            "upload-time": "2024-05-06T07:08:09.123456Z",
            "yanked": False,
            "data-dist-info-metadata": core,
            "core-metadata": core,
            "provenance": None,
        }

    assert response["Content-Type"] == V1_JSON
    assert response.content == compact(
        {
            "meta": {"api-version": "1.4", "_last-serial": project.last_serial},
            "name": "sample-pkg",
            "project-status": {"status": "active"},
            "versions": ["1.0"],
            "files": [entry(wheel_file, wheel, metadata), entry(sdist_file, sdist, False)],
        }
    )


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), "2024-05-06T07:08:09.000000Z"),
        (datetime(2024, 5, 6, 7, 8, 9, 5, tzinfo=UTC), "2024-05-06T07:08:09.000005Z"),
    ],
    ids=["whole-second", "microseconds"],
)
def test_upload_time_is_written_with_six_fraction_digits(client, moment, written):
    """The database writes the time (PostgreSQL formats it, SQLite stores it as text)."""
    FileFactory(release=ReleaseFactory(project=ProjectFactory(name="sample"), version="1.0"))
    File.objects.update(upload_time=moment)

    (entry,) = client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).json()["files"]

    assert entry["upload-time"] == written


def test_files_of_a_release_in_code_point_order_and_paths_quoted(client):
    """As the public index sorts filenames (Python's order), whatever the database's collation;
    a path with characters a URL cannot carry is quoted, in both formats."""
    release = ReleaseFactory(project=ProjectFactory(name="x"), version="1.0")
    for filename in ("x-1.0.tar.gz", "x-1.0-zz-none-any.whl", "X-1.0-py3-none-any.whl"):
        FileFactory(release=release, filename=filename)
    File.objects.filter(filename="x-1.0.tar.gz").update(path="ab/cd/ef/x-1.0 &.tar.gz")

    html = client.get("/simple/x/").content.decode()
    files = client.get("/simple/x/", HTTP_ACCEPT=V1_JSON).json()["files"]

    expected = ["X-1.0-py3-none-any.whl", "x-1.0-zz-none-any.whl", "x-1.0.tar.gz"]
    assert [a["text"] for a in anchors(html.encode())] == expected
    assert [f["filename"] for f in files] == expected
    quoted = "http://testserver/packages/ab/cd/ef/x-1.0%20%26.tar.gz"
    assert f'href="{quoted}#sha256=' in html
    assert files[2]["url"] == quoted


def test_links_serve_the_advertised_bytes_and_metadata(client, uploaded):
    """What pip and uv verify: ``#sha256=`` of each file, ``core-metadata`` of its sidecar."""
    wheel, sdist = uploaded
    links = anchors(client.get("/simple/sample-pkg/").content)
    files = json.loads(client.get("/simple/sample-pkg/", HTTP_ACCEPT=V1_JSON).content)["files"]

    assert [link["text"] for link in links] == [f["filename"] for f in files]
    for link, file in zip(links, files, strict=True):
        url, _, fragment = link["href"].partition("#sha256=")
        content = served(client, url)
        assert url == file["url"]
        assert fragment == file["hashes"]["sha256"] == hashlib.sha256(content).hexdigest()
        assert content in (wheel, sdist)
        if file["core-metadata"]:
            sidecar = served(client, url + ".metadata")
            assert sidecar == metadata_of(wheel)
            digest = hashlib.sha256(sidecar).hexdigest()
            assert link["data-core-metadata"] == link["data-dist-info-metadata"]
            assert link["data-core-metadata"] == f"sha256={digest}"
            assert file["core-metadata"] == file["data-dist-info-metadata"] == {"sha256": digest}
        else:
            assert "data-core-metadata" not in link
    assert sum(1 for f in files if f["core-metadata"]) == 1


@pytest.mark.parametrize(
    ("reason", "html_attribute", "json_value"),
    [
        ("", 'data-yanked=""', True),
        (
            'broken "build" <1.0>',
            'data-yanked="broken &quot;build&quot; &lt;1.0&gt;"',
            'broken "build" <1.0>',
        ),
    ],
    ids=["without-reason", "with-reason"],
)
def test_yanked_files(client, reason, html_attribute, json_value):
    kept = FileFactory(release__project__name="sample", release__version="1.0")
    gone = FileFactory(release__project=kept.release.project, release__version="2.0")
    yank(gone.release, reason)

    html = client.get("/simple/sample/").content.decode()
    files = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)["files"]

    lines = [line for line in html.splitlines() if "<a " in line]
    assert "data-yanked" not in lines[0]
    assert f" {html_attribute}>{gone.filename}</a>" in lines[1]
    assert [(f["filename"], f["yanked"]) for f in files] == [
        (kept.filename, False),
        (gone.filename, json_value),
    ]


def test_requires_python_is_escaped_and_omitted_when_empty(client):
    release = ReleaseFactory(project__name="sample", version="1.0")
    FileFactory(release=release, requires_python='>=3.8,!=3.9.*,<"4"')
    FileFactory(release=release, filename="sample-1.0.tar.gz", packagetype="sdist")

    html = client.get("/simple/sample/").content.decode()
    files = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)["files"]

    wheel_line, sdist_line = (line for line in html.splitlines() if "<a " in line)
    assert ' data-requires-python="&gt;=3.8,!=3.9.*,&lt;&quot;4&quot;"' in wheel_line
    assert "data-requires-python" not in sdist_line
    assert [f["requires-python"] for f in files] == ['>=3.8,!=3.9.*,<"4"', None]


def test_files_sorted_by_version_then_filename(client):
    project = ProjectFactory(name="sample")
    for version in ("1.10", "1.9", "1.0rc1", "1.0", "1.0.post1"):
        release = ReleaseFactory(project=project, version=version)
        FileFactory(release=release, filename=f"sample-{version}.tar.gz", packagetype="sdist")
        FileFactory(release=release)
    ReleaseFactory(project=project, version="3.0")  # no files: not listed

    data = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)
    links = anchors(client.get("/simple/sample/").content)

    order = ["1.0rc1", "1.0", "1.0.post1", "1.9", "1.10"]
    expected = [
        name for v in order for name in (f"sample-{v}-py3-none-any.whl", f"sample-{v}.tar.gz")
    ]
    assert data["versions"] == order
    assert [f["filename"] for f in data["files"]] == expected
    assert [link["text"] for link in links] == expected


def test_quarantined_project_page_has_no_files(client):
    file = FileFactory(release__project__name="sample", release__version="1.0")
    quarantine(file.release.project)
    serial = Project.objects.get().last_serial

    html = client.get("/simple/sample/")
    data = client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON)

    assert html.status_code == 200
    assert b'<meta name="pypi:project-status" content="quarantined">' in html.content
    assert anchors(html.content) == []
    assert data.content == compact(
        {
            "meta": {"api-version": "1.4", "_last-serial": serial},
            "name": "sample",
            "project-status": {"status": "quarantined"},
            "versions": [],
            "files": [],
        }
    )


def test_quarantined_release_is_left_out(client):
    kept = FileFactory(release__project__name="sample", release__version="1.0")
    hidden = FileFactory(
        release__project=kept.release.project,
        release__version="2.0",
        release__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER,
    )

    data = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)
    html = client.get("/simple/sample/").content

    assert data["versions"] == ["1.0"]
    assert [f["filename"] for f in data["files"]] == [kept.filename]
    assert hidden.filename.encode() not in html


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (LifecycleStatus.ARCHIVED, "archived"),
        (LifecycleStatus.ARCHIVED_NOINDEX, "archived"),
        (LifecycleStatus.QUARANTINE_EXIT, "active"),
    ],
    ids=["archived", "archived-noindex", "quarantine-exit"],
)
def test_project_status(client, status, expected):
    FileFactory(release__project__name="sample", release__project__lifecycle_status=status)

    html = client.get("/simple/sample/").content
    data = json.loads(client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON).content)

    assert f'<meta name="pypi:project-status" content="{expected}">'.encode() in html
    assert data["project-status"] == {"status": expected}
    assert len(data["files"]) == 1


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_serial_bump_invalidates_the_cached_page(client, accept):
    file = FileFactory(release__project__name="sample", release__version="1.0")
    project = file.release.project
    before = get(client, "/simple/sample/", accept).content

    Release.objects.update(yanked=True, yanked_reason="bad")
    assert get(client, "/simple/sample/", accept).content == before  # same serial: cached

    serial = journal.record(project, journal.Entry("yank release", "1.0"), by=None)
    response = get(client, "/simple/sample/", accept)

    assert response["X-PyPI-Last-Serial"] == str(serial)
    assert response.content != before
    if accept == V1_JSON:
        data = json.loads(response.content)
        assert (data["meta"]["_last-serial"], data["files"][0]["yanked"]) == (serial, "bad")
    else:
        assert b'data-yanked="bad"' in response.content
        assert response.content.endswith(f"<!--SERIAL {serial}-->\n".encode())


# Query counts ------------------------------------------------------------------------------------

FILE_TAGS = ("py3-none-any", "cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-win_amd64")


def bulk_project(name: str, releases: int, files: int) -> Project:
    """``releases`` releases of ``files`` files each (a third of them sdists), two roles."""
    project = ProjectFactory(name=name)
    for number in range(releases):
        release = ReleaseFactory(project=project, version=f"{number}.0")
        for tag in FILE_TAGS[:files]:
            FileFactory(
                release=release,
                filename=f"{name}-{number}.0-{tag}.whl",
                requires_python=">=3.8",
                metadata_file_sha256_digest="a" * 64,
            )
    RoleFactory.create_batch(2, project=project)
    journal.record(project, journal.Entry("create"), by=None)
    return project


def count_queries(client, url: str, accept: str | None) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = get(client, url, accept)
        response.getvalue()  # a streamed response reads the database while it is sent
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_detail_query_count_is_constant(client, django_assert_num_queries, accept):
    bulk_project("small", 1, 1)
    bulk_project("big", 40, 3)

    small = count_queries(client, "/simple/small/", accept)
    cache.clear()
    with django_assert_num_queries(small):
        response = get(client, "/simple/big/", accept)
    with django_assert_num_queries(1):  # the project; the page comes from the cache
        cached = get(client, "/simple/big/", accept)

    assert small == 3  # the project, its releases, their files
    assert response.content.count(b"big-") >= 120
    assert cached.content == response.content


def test_a_page_is_cached_once_its_response_has_been_sent(client, django_assert_num_queries):
    """The client does not wait for the cache: the page is stored when the response ends."""
    project = bulk_project("sample", 2, 2)
    cache.clear()

    simple.detail(project, simple.TEXT_HTML, "http://testserver/packages", "http://testserver")
    with django_assert_num_queries(3):  # not stored yet (no response ended): built again
        first = client.get("/simple/sample/")
    with django_assert_num_queries(1):  # stored when that response ended
        second = client.get("/simple/sample/")

    assert second.content == first.content


def rebuilt_from_nothing(client, url: str, accept: str | None) -> bytes:
    """The page as built with nothing cached (neither it nor its releases' parts)."""
    cache.clear()
    return get(client, url, accept).content


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_the_first_request_after_an_upload_gives_the_page_built_from_nothing(client, token, accept):
    for version in ("1.0", "2.0", "3.0"):
        assert uploads.wheel_upload("sample", version).post(client, token).status_code == 200
    get(client, "/simple/sample/", accept)  # the page and its parts cached

    assert uploads.sdist_upload("sample", "2.0").post(client, token).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        after = get(client, "/simple/sample/", accept).content

    assert len(queries) == 3  # the project, its releases, the changed releases' files
    assert b"sample-2.0.tar.gz" in after
    assert after == rebuilt_from_nothing(client, "/simple/sample/", accept)


def release_ids_read(queries: CaptureQueriesContext) -> set[int]:
    (files_query,) = [q["sql"] for q in queries if '"packages_file"' in q["sql"]]
    found = re.search(r'"release_id" IN \(([^)]*)\)', files_query)
    assert found, files_query
    return {int(number) for number in found.group(1).split(",")}


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_after_a_change_only_the_run_of_its_release_is_read_again(client, accept):
    """A page is cached in parts, one per run of releases: a new file is read with the
    releases of its run only, and the page is the one a build from nothing gives."""
    project = bulk_project("sample", 200, 1)
    get(client, "/simple/sample/", accept)  # the page and each run's part cached
    release = Release.objects.get(project=project, version="50.0")
    FileFactory(release=release, filename="sample-50.0.tar.gz", packagetype="sdist")
    journal.record(project, journal.Entry("add source file", "50.0"), by=None)

    with CaptureQueriesContext(connection) as queries:
        after = get(client, "/simple/sample/", accept).content

    runs = simple._runs(simple.release_rows(project))
    (run,) = [run for run in runs if release.pk in {r[0] for r in run}]
    assert release_ids_read(queries) == {r[0] for r in run}
    assert len(runs) > 5 and len(run) < 50
    assert b"sample-50.0.tar.gz" in after
    assert after == rebuilt_from_nothing(client, "/simple/sample/", accept)


def test_a_new_release_leaves_where_the_other_runs_begin():
    """Runs begin at releases chosen by their own id, so a release added in the middle of
    the versions changes one run: every other run keeps its releases."""
    project = bulk_project("sample", 300, 1)
    before = [{r[0] for r in run} for run in simple._runs(simple.release_rows(project))]
    new = ReleaseFactory(project=project, version="150.5")
    runs = simple._runs(simple.release_rows(project))
    after = [{r[0] for r in run} for run in runs]

    changed = [run for run in after if run not in before]  # one, or two if it begins a run
    (old,) = [run for run in before if run not in after]
    assert set().union(*changed) == old | {new.pk}
    assert len(changed) in (1, 2) and len(before) > 10
    assert max(len(run) for run in runs) <= simple._RUN_LIMIT


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_a_page_of_cached_parts_reads_no_files(client, django_assert_num_queries, accept):
    """A project change that touches no release (a new serial) rebuilds the page from the
    releases' cached parts alone."""
    project = bulk_project("sample", 3, 2)
    before = get(client, "/simple/sample/", accept).content
    journal.record(project, journal.Entry("add Owner someone"), by=None)

    with django_assert_num_queries(2):  # the project, its releases
        after = get(client, "/simple/sample/", accept).content

    assert after != before  # the serial it carries moved
    assert after == rebuilt_from_nothing(client, "/simple/sample/", accept)


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_each_change_to_a_release_through_its_service_renews_its_part(client, token, accept):
    """Yank, un-yank, a file removed, a release removed: the page built on cached parts
    shows each change, as a build from nothing does."""
    from packages.services.releases import delete_file, delete_release, unyank_release

    for version in ("1.0", "2.0"):
        for upload in (uploads.sdist_upload, uploads.wheel_upload):
            assert upload("sample", version).post(client, token).status_code == 200
    actor = Actor(user=None)
    first, second = Release.objects.order_by("version")
    changes = [
        lambda: yank(first, "broken"),
        lambda: unyank_release(first, actor=actor),
        lambda: delete_file(second.files.get(packagetype="sdist"), actor=actor),
        lambda: delete_release(first, actor=actor),
    ]
    for change in changes:
        get(client, "/simple/sample/", accept)  # every part cached
        change()
        built = get(client, "/simple/sample/", accept).content
        assert built == rebuilt_from_nothing(client, "/simple/sample/", accept)
    assert b"sample-2.0-py3-none-any.whl" in built
    assert b"sample-1.0" not in built and b".tar.gz" not in built


def test_parts_are_kept_apart_by_format_and_base(client):
    """A release's part is written for one format and one files' address: a page for the
    other format or another address never reuses it."""
    project = bulk_project("sample", 2, 1)
    combos = [
        (fmt, base, "http://testserver")
        for fmt in (simple.TEXT_HTML, simple.V1_JSON)
        for base in ("http://one/packages", "http://two/packages")
    ]
    for combo in combos:
        simple.detail(project, *combo)
    simple._store_pages()  # every combination's parts cached
    project.last_serial += 1  # no page cached under this serial: each is put together again
    together = {combo: simple.detail(project, *combo) for combo in combos}
    simple._store_pages()

    for combo in combos:
        cache.clear()
        assert simple.detail(project, *combo) == together[combo]
        simple._to_store.pages.clear()
    assert len(set(together.values())) == len(combos)


def test_journal_entry_naming_a_version_bumps_that_release_only():
    """Found by its canonical version (1.0.0 is release 1.0); a project entry bumps none."""
    project = bulk_project("sample", 2, 1)
    zero, one = Release.objects.order_by("version")

    serial = journal.record(project, journal.Entry("yank release", "1.0.0"), by=None)
    journal.record(project, journal.Entry("add Owner someone"), by=None)

    zero.refresh_from_db()
    one.refresh_from_db()
    assert (zero.last_serial, one.last_serial) == (0, serial)


@pytest.mark.parametrize("accept", [None, V1_JSON], ids=["html", "json"])
def test_index_query_count_is_constant(client, django_assert_num_queries, accept):
    bulk_project("small", 1, 1)
    one = count_queries(client, "/simple/", accept)
    for number in range(30):
        ProjectFactory(name=f"more-{number}")

    cache.clear()
    with django_assert_num_queries(one):
        get(client, "/simple/", accept).getvalue()
    assert one == 2
