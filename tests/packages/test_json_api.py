"""The JSON API (``/pypi/<name>/json``, ``/pypi/<name>/<version>/json``) through HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages.models import File, LifecycleStatus, Project, Release, RoleName
from packages.services import journal
from packages.services.events import Actor
from packages.services.releases import yank_release
from tests import uploads
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = [
    pytest.mark.django_db,
]

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": (
        "Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since"
    ),
    "Access-Control-Allow-Methods": "GET",
    "Access-Control-Max-Age": "86400",
    "Access-Control-Expose-Headers": "X-PyPI-Last-Serial",
}
UPLOAD_TIME = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
DESCRIPTION = "# Sample\n\nA *sample* project.\n"


def compact(data: object) -> bytes:
    return (json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n").encode()


def document(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def yank(release: Release, reason: str = "") -> None:
    yank_release(release, actor=Actor(user=None), reason=reason)


def metadata_sha256(wheel: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return hashlib.sha256(archive.read(name)).hexdigest()


@pytest.fixture
def wheel(client, token) -> bytes:
    """Sample-Pkg 1.0 uploaded as a wheel with a full set of metadata."""
    upload = uploads.wheel_upload(
        "Sample-Pkg",
        "1.0",
        metadata={
            "description": DESCRIPTION,
            "description_content_type": "text/markdown",
            "requires_python": ">=3.8",
            "requires_dist": ["requests>=2", 'rich; extra == "cli"'],
            "provides_extra": "cli",
            "classifiers": ["Programming Language :: Python :: 3", "Framework :: Django"],
            "project_urls": ["Source, https://example.com/src", "Docs, https://example.com/doc"],
            "home_page": "https://example.com",
            "author": "Ada",
            "author_email": "ada@example.com",
            "keywords": "sample,test",
            "license": "MIT",
        },
    )
    assert upload.post(client, token).status_code == 200
    File.objects.update(upload_time=UPLOAD_TIME)
    return upload.files[0].content


# The project document ----------------------------------------------------------------------------


def test_project_document(client, wheel):
    project = Project.objects.get()
    file = File.objects.get()
    digests = {
        "md5": hashlib.md5(wheel, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(wheel).hexdigest(),
        "blake2b_256": hashlib.blake2b(wheel, digest_size=32).hexdigest(),
    }
    core = {"sha256": metadata_sha256(wheel)}
    file_dict = {
        "filename": "sample_pkg-1.0-py3-none-any.whl",
        "packagetype": "bdist_wheel",
        "python_version": "py3",
        "has_sig": False,
        "comment_text": "",
        "md5_digest": digests["md5"],
        "digests": digests,
        "core-metadata": core,
        "data-dist-info-metadata": core,
        "size": len(wheel),
        "downloads": -1,
        "upload_time": "2024-05-06T07:08:09",
        "upload_time_iso_8601": "2024-05-06T07:08:09.123456Z",
        "url": f"http://testserver/packages/{file.path}",
        "requires_python": ">=3.8",
        "yanked": False,
        "yanked_reason": None,
    }

    response = client.get("/pypi/sample-pkg/json")

    assert response.status_code == 200
    assert response["X-PyPI-Last-Serial"] == str(project.last_serial)
    assert response["Cache-Control"] == "public, max-age=900"
    assert {name: response[name] for name in CORS} == CORS
    assert response.content == compact(
        {
            "info": {
                "name": "Sample-Pkg",
                "version": "1.0",
                "summary": "Sample-Pkg for tests",
                "description": DESCRIPTION,
                "description_content_type": "text/markdown",
                "keywords": "sample,test",
                "license": "MIT",
                "license_expression": None,
                "license_files": None,
                "classifiers": ["Framework :: Django", "Programming Language :: Python :: 3"],
                "author": "Ada",
                "author_email": "ada@example.com",
                "maintainer": None,
                "maintainer_email": None,
                "requires_python": ">=3.8",
                "platform": None,
                "downloads": {"last_day": -1, "last_week": -1, "last_month": -1},
                "package_url": "/project/sample-pkg/",
                "project_url": "/project/sample-pkg/",
                "project_urls": {
                    "Homepage": "https://example.com",
                    "Source": "https://example.com/src",
                    "Docs": "https://example.com/doc",
                },
                "release_url": "/project/sample-pkg/1.0/",
                "requires_dist": ["requests>=2", 'rich; extra == "cli"'],
                "provides_extra": ["cli"],
                "docs_url": None,
                "bugtrack_url": None,
                "home_page": "https://example.com",
                "download_url": None,
                "yanked": False,
                "yanked_reason": None,
                "dynamic": None,
            },
            "last_serial": project.last_serial,
            "releases": {"1.0": [file_dict]},
            "urls": [file_dict],
            "vulnerabilities": [],
            "ownership": {"roles": [{"role": "Owner", "user": "alice"}], "organization": None},
        }
    )


def test_release_document_has_no_releases_key(client, wheel):
    project = Project.objects.get()
    whole = document(client, "/pypi/sample-pkg/json")

    response = client.get("/pypi/sample-pkg/1.0/json")

    assert response["X-PyPI-Last-Serial"] == str(project.last_serial)
    assert {name: response[name] for name in CORS} == CORS
    data = json.loads(response.content)
    assert sorted(data) == ["info", "last_serial", "ownership", "urls", "vulnerabilities"]
    assert data["info"] == whole["info"]
    assert data["urls"] == whole["urls"]


@pytest.mark.parametrize(
    ("microsecond", "iso"),
    [(0, "2024-05-06T07:08:09Z"), (5, "2024-05-06T07:08:09.000005Z")],
    ids=["whole-second", "fraction"],
)
def test_upload_time_formats(client, microsecond, iso):
    FileFactory(release__project__name="sample")
    File.objects.update(upload_time=UPLOAD_TIME.replace(microsecond=microsecond))

    (file,) = document(client, "/pypi/sample/json")["urls"]

    assert file["upload_time"] == "2024-05-06T07:08:09"
    assert file["upload_time_iso_8601"] == iso


def test_releases_include_releases_without_files(client):
    project = ProjectFactory(name="sample")
    with_files = ReleaseFactory(project=project, version="1.0")
    FileFactory(release=with_files, filename="sample-1.0.tar.gz", packagetype="sdist")
    FileFactory(release=with_files)
    ReleaseFactory(project=project, version="2.0")

    data = document(client, "/pypi/sample/json")

    assert {v: [f["filename"] for f in files] for v, files in data["releases"].items()} == {
        "1.0": ["sample-1.0-py3-none-any.whl", "sample-1.0.tar.gz"],
        "2.0": [],
    }
    assert data["info"]["version"] == "2.0"
    assert data["urls"] == []


def test_yanked_files_carry_the_reason(client):
    file = FileFactory(release__project__name="sample", release__version="1.0")
    FileFactory(release__project=file.release.project, release__version="2.0")
    yank(file.release, "broken")

    data = document(client, "/pypi/sample/json")

    assert [(f["yanked"], f["yanked_reason"]) for f in data["releases"]["1.0"]] == [
        (True, "broken")
    ]
    assert [(f["yanked"], f["yanked_reason"]) for f in data["releases"]["2.0"]] == [(False, None)]


def test_quarantined_release_is_left_out(client):
    project = ProjectFactory(name="sample")
    ReleaseFactory(project=project, version="1.0")
    ReleaseFactory(
        project=project, version="2.0", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER
    )

    data = document(client, "/pypi/sample/json")

    assert list(data["releases"]) == ["1.0"]
    assert data["info"]["version"] == "1.0"


@pytest.mark.parametrize(
    ("releases", "latest"),
    [
        ([("1.0", ""), ("2.0", "")], "2.0"),
        ([("1.9", ""), ("1.10", "")], "1.10"),
        ([("1.0", ""), ("2.0b1", "")], "1.0"),
        ([("2.0a1", ""), ("2.0b1", "")], "2.0b1"),
        ([("1.0", ""), ("2.0", "yanked")], "1.0"),
        ([("1.0", ""), ("1.1b1", ""), ("2.0", "yanked")], "1.0"),
        ([("1.0b1", ""), ("2.0", "yanked")], "1.0b1"),
        ([("1.0", "yanked"), ("2.0", "yanked")], "2.0"),
        ([("1.0", "yanked"), ("2.0b1", "yanked")], "1.0"),
    ],
    ids=[
        "highest",
        "pep440-not-lexical",
        "final-before-prerelease",
        "only-prereleases",
        "skips-yanked",
        "skips-yanked-then-prerelease",
        "prerelease-before-yanked",
        "all-yanked",
        "all-yanked-final-first",
    ],
)
def test_latest_release(client, releases, latest):
    project = ProjectFactory(name="sample")
    for version, state in releases:
        ReleaseFactory(project=project, version=version, yanked=state == "yanked")

    data = document(client, "/pypi/sample/json")

    assert data["info"]["version"] == latest
    assert data["info"]["release_url"] == f"/project/sample/{latest}/"


@pytest.mark.parametrize("asked", ["1.0", "1.0.0", "1", "01.0", "1.0.0.0"])
def test_version_url_finds_the_canonical_version(client, asked):
    release = ReleaseFactory(project__name="sample", version="1.0")
    FileFactory(release=release)

    data = document(client, f"/pypi/sample/{asked}/json")

    assert data["info"]["version"] == "1.0"
    assert [f["filename"] for f in data["urls"]] == ["sample-1.0-py3-none-any.whl"]


def test_version_url_returns_a_yanked_release(client):
    project = ProjectFactory(name="sample")
    ReleaseFactory(project=project, version="1.0")
    yank(ReleaseFactory(project=project, version="2.0"), "oops")

    info = document(client, "/pypi/sample/2.0/json")["info"]

    assert (info["version"], info["yanked"], info["yanked_reason"]) == ("2.0", True, "oops")
    assert document(client, "/pypi/sample/json")["info"]["version"] == "1.0"


def test_ownership_lists_owners_first_then_by_username(client):
    project = ProjectFactory(name="sample")
    ReleaseFactory(project=project)
    for username, role in [("aaron", "Maintainer"), ("zed", "Owner"), ("bob", "Owner")]:
        RoleFactory(project=project, user=UserFactory(username=username), role_name=role)

    data = document(client, "/pypi/sample/json")

    assert data["ownership"] == {
        "roles": [
            {"role": RoleName.OWNER, "user": "bob"},
            {"role": RoleName.OWNER, "user": "zed"},
            {"role": RoleName.MAINTAINER, "user": "aaron"},
        ],
        "organization": None,
    }


def test_serial_bump_refreshes_the_cached_document(client):
    project = ProjectFactory(name="sample")
    ReleaseFactory(project=project, version="1.0")
    newest = ReleaseFactory(project=project, version="2.0")
    journal.record(project, journal.Entry("new release", "2.0"), by=None)
    assert document(client, "/pypi/sample/json")["info"]["version"] == "2.0"

    Release.objects.filter(pk=newest.pk).update(yanked=True)
    assert document(client, "/pypi/sample/json")["info"]["version"] == "2.0"  # cached

    journal.record(project, journal.Entry("yank release", "2.0"), by=None)
    response = client.get("/pypi/sample/json")

    assert json.loads(response.content)["info"]["version"] == "1.0"
    assert json.loads(response.content)["last_serial"] == project.last_serial
    assert response["X-PyPI-Last-Serial"] == str(project.last_serial)


# Not found and redirects -------------------------------------------------------------------------


def _no_releases() -> None:
    ProjectFactory(name="sample")


def _quarantined_project() -> None:
    ReleaseFactory(
        project__name="sample",
        project__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER,
        version="1.0",
    )


def _quarantined_release() -> None:
    ReleaseFactory(
        project__name="sample", version="1.0", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER
    )


@pytest.mark.parametrize(
    ("state", "url"),
    [
        (lambda: None, "/pypi/sample/json"),
        (_no_releases, "/pypi/sample/json"),
        (_quarantined_project, "/pypi/sample/json"),
        (_quarantined_project, "/pypi/sample/1.0/json"),
        (_quarantined_release, "/pypi/sample/json"),
        (_quarantined_release, "/pypi/sample/1.0/json"),
        (lambda: ReleaseFactory(project__name="sample", version="1.0"), "/pypi/sample/2.0/json"),
        (lambda: ReleaseFactory(project__name="sample", version="1.0"), "/pypi/sample/nope/json"),
    ],
    ids=[
        "unknown",
        "no-releases",
        "quarantined-project",
        "quarantined-project-version",
        "quarantined-release",
        "quarantined-release-version",
        "unknown-version",
        "invalid-version",
    ],
)
def test_not_found_with_cors(client, state, url):
    state()

    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"message": "Not Found"}
    assert {name: response[name] for name in CORS} == CORS


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/pypi/Sample_Pkg/json", "/pypi/sample-pkg/json"),
        ("/pypi/Sample.Pkg/json/", "/pypi/sample-pkg/json"),
        ("/pypi/SAMPLE-PKG/1.0/json", "/pypi/sample-pkg/1.0/json"),
    ],
    ids=["project", "project-slash", "release"],
)
def test_non_normalized_name_redirects_with_cors(client, url, location):
    ReleaseFactory(project__name="Sample-Pkg", version="1.0")

    response = client.get(url)

    assert response.status_code == 301
    assert response["Location"] == location
    assert {name: response[name] for name in CORS} == CORS


def test_trailing_slash_variants_answer(client):
    ReleaseFactory(project__name="sample", version="1.0")

    assert document(client, "/pypi/sample/json/")["info"]["version"] == "1.0"
    assert document(client, "/pypi/sample/1.0/json/")["info"]["version"] == "1.0"


# Query counts ------------------------------------------------------------------------------------

FILE_TAGS = ("py3-none-any", "cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-win_amd64")


def bulk_project(name: str, releases: int, files: int) -> Project:
    """``releases`` releases of ``files`` wheels each, with roles, classifiers and URLs."""
    project = ProjectFactory(name=name)
    for number in range(releases):
        release = ReleaseFactory(project=project, version=f"{number}.0")
        for tag in FILE_TAGS[:files]:
            FileFactory(release=release, filename=f"{name}-{number}.0-{tag}.whl")
        release.project_urls.create(name="Source", url="https://example.com")
        release.dependencies.create(kind=4, specifier="requests")
    RoleFactory.create_batch(3, project=project)
    journal.record(project, journal.Entry("create"), by=None)
    return project


def count_queries(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("path", "expected"), [("json", 8), ("0.0/json", 7)], ids=["project", "release"]
)
def test_query_count_is_constant(client, django_assert_num_queries, path, expected):
    bulk_project("small", 1, 1)
    bulk_project("big", 40, 3)

    small = count_queries(client, f"/pypi/small/{path}")
    cache.clear()
    with django_assert_num_queries(small):
        response = client.get(f"/pypi/big/{path}")

    assert small == expected
    assert response.status_code == 200
