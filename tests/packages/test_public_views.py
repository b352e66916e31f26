"""The public project and release pages (``/project/<name>/``, ``/project/<name>/<version>/``)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages.models import File, LifecycleStatus, Project
from packages.services import journal
from tests import uploads
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = [
    pytest.mark.django_db,
]

DESCRIPTION = (
    "# Sample heading\n\n"
    "Some *emphasis* and <b>bold</b>.\n\n"
    '<script>alert("pwned")</script>\n\n'
    '<a href="javascript:alert(1)" onclick="steal()">link</a>\n'
)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def uploaded(client, token) -> tuple[bytes, bytes]:
    """Sample-Pkg 1.0 with a Markdown description, as a wheel and an sdist."""
    meta = {"description": DESCRIPTION, "description_content_type": "text/markdown"}
    wheel = uploads.wheel_upload("Sample-Pkg", "1.0", metadata=meta)
    sdist = uploads.sdist_upload("Sample-Pkg", "1.0", metadata=meta)
    for upload in (wheel, sdist):
        assert upload.post(client, token).status_code == 200
    return wheel.files[0].content, sdist.files[0].content


def test_description_is_rendered_and_sanitised(client, uploaded):
    html = page(client, "/project/Sample-Pkg/")

    assert '<h1 id="user-content-sample-heading">Sample heading<a' in html
    assert "<em>emphasis</em>" in html
    assert "<b>bold</b>" in html
    assert "<script>alert" not in html
    assert '&lt;script&gt;alert("pwned")&lt;/script&gt;' in html  # shown as text, inert
    assert "javascript:" not in html
    assert "onclick" not in html
    assert "steal()" not in html


def test_files_are_listed_with_their_hashes(client, uploaded):
    html = page(client, "/project/Sample-Pkg/")

    for content in uploaded:
        file = File.objects.get(sha256_digest=hashlib.sha256(content).hexdigest())
        assert f'<a href="http://testserver/packages/{file.path}">{file.filename}</a>' in html
        assert f"<dd>{hashlib.sha256(content).hexdigest()}</dd>" in html
        assert f"<dd>{hashlib.md5(content, usedforsecurity=False).hexdigest()}</dd>" in html
        assert f"<dd>{hashlib.blake2b(content, digest_size=32).hexdigest()}</dd>" in html
    assert "pip install Sample-Pkg==1.0" in html


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/project/sample-pkg/", "/project/Sample-Pkg/"),
        ("/project/sample_pkg/", "/project/Sample-Pkg/"),
        ("/project/SAMPLE.PKG/", "/project/Sample-Pkg/"),
        ("/project/sample-pkg/1.0/", "/project/Sample-Pkg/1.0/"),
        ("/project/Sample-Pkg/1.0.0/", "/project/Sample-Pkg/1.0/"),
        ("/project/Sample-Pkg/1/", "/project/Sample-Pkg/1.0/"),
        ("/project/sample_pkg/01.0.0/", "/project/Sample-Pkg/1.0/"),
    ],
    ids=[
        "normalized",
        "underscore",
        "upper-dots",
        "release-name",
        "release-version",
        "release-short-version",
        "release-both",
    ],
)
def test_redirects_to_the_display_name_and_exact_version(client, url, location):
    ReleaseFactory(project__name="Sample-Pkg", version="1.0")

    response = client.get(url)

    assert response.status_code == 301
    assert response["Location"] == location


@pytest.mark.parametrize(
    ("releases", "shown"),
    [
        ([("1.0", ""), ("2.0", "")], "2.0"),
        ([("1.0", ""), ("2.0b1", "")], "1.0"),
        ([("1.0", ""), ("2.0", "yanked")], "1.0"),
        ([("1.0", "yanked"), ("2.0", "quarantined")], "1.0"),
        ([("1.0", "quarantined")], "1.0"),
    ],
    ids=["highest", "final-first", "not-yanked", "quarantined-last", "only-quarantined"],
)
def test_project_page_shows_the_latest_release(client, releases, shown):
    project = ProjectFactory(name="sample")
    for version, state in releases:
        ReleaseFactory(
            project=project,
            version=version,
            yanked=state == "yanked",
            lifecycle_status=(
                LifecycleStatus.QUARANTINE_ENTER
                if state == "quarantined"
                else LifecycleStatus.ACTIVE
            ),
        )

    html = page(client, "/project/sample/")

    assert f"<h1>sample {shown}</h1>" in html


def test_release_page_shows_that_release(client):
    project = ProjectFactory(name="sample")
    old = ReleaseFactory(project=project, version="1.0", summary="The old one")
    FileFactory(release=old)
    ReleaseFactory(project=project, version="2.0", summary="The new one")

    html = page(client, "/project/sample/1.0/")

    assert "<h1>sample 1.0</h1>" in html
    assert "The old one" in html
    assert "sample-1.0-py3-none-any.whl" in html
    assert '<a href="/project/sample/2.0/">2.0</a>' in html


def test_yanked_release_has_a_banner(client):
    ReleaseFactory(project__name="sample", version="1.0", yanked=True, yanked_reason="Broken <b>")

    html = page(client, "/project/sample/1.0/")

    assert "This release has been yanked. Reason: Broken &lt;b&gt;" in html


@pytest.mark.parametrize(
    "url",
    ["/project/sample/", "/project/sample/1.0/", "/project/nothing/", "/project/sample/nope/"],
    ids=["no-releases", "no-such-release", "unknown-project", "invalid-version"],
)
def test_not_found(client, url):
    ProjectFactory(name="sample")

    assert client.get(url).status_code == 404


def test_quarantined_project_has_a_banner_and_no_files(client, uploaded):
    project = Project.objects.get()
    Project.objects.filter(pk=project.pk).update(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    for url in ("/project/Sample-Pkg/", "/project/Sample-Pkg/1.0/"):
        html = page(client, url)
        assert "This project has been quarantined" in html
        assert "Download files" not in html
        assert "/packages/" not in html
        assert "pip install" not in html
        for content in uploaded:
            assert hashlib.sha256(content).hexdigest() not in html


def test_quarantined_release_has_no_files(client):
    project = ProjectFactory(name="sample")
    FileFactory(release__project=project, release__version="1.0")
    hidden = FileFactory(
        release__project=project,
        release__version="2.0",
        release__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER,
    )

    html = page(client, "/project/sample/2.0/")

    assert "<h1>sample 2.0</h1>" in html
    assert hidden.filename not in html
    assert hidden.sha256_digest not in html


def test_archived_project_has_a_banner(client):
    FileFactory(release__project__name="sample", release__project__lifecycle_status="archived")

    html = page(client, "/project/sample/")

    assert "This project has been archived." in html
    assert "sample-" in html


def test_maintainers_owners_first(client):
    project = ProjectFactory(name="sample")
    ReleaseFactory(project=project)
    for username, role in [("aaron", "Maintainer"), ("zed", "Owner"), ("bob", "Owner")]:
        RoleFactory(project=project, user=UserFactory(username=username), role_name=role)

    html = page(client, "/project/sample/")

    assert html.index('href="/user/bob/"') < html.index('href="/user/zed/"')
    assert html.index('href="/user/zed/"') < html.index('href="/user/aaron/"')


# Query counts -------------------------------------------------------------------------------------

FILE_TAGS = ("py3-none-any", "cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-win_amd64")


def bulk_project(name: str, releases: int, files: int) -> Project:
    """``releases`` releases of ``files`` wheels each, with roles, URLs and dependencies."""
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


# With an empty cache: 8 for the page, 1 for the switches' banners (kept a few seconds after).
@pytest.mark.parametrize(("path", "expected"), [("", 9), ("0.0/", 9)], ids=["project", "release"])
def test_query_count_is_constant(client, django_assert_num_queries, path, expected):
    bulk_project("small", 1, 1)
    bulk_project("big", 40, 3)

    small = count_queries(client, f"/project/small/{path}")
    cache.clear()
    with django_assert_num_queries(small):
        response = client.get(f"/project/big/{path}")

    assert small == expected
    assert response.content.decode().count("big-") >= 3
