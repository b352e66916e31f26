"""The home page: search, counts, newest projects, latest releases, how to use the index."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from packages.models import LifecycleStatus, Project, Release
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, ReleaseFactory

from .conftest import page

pytestmark = pytest.mark.django_db


def test_a_large_search_box_under_the_site_name(client, settings):
    settings.SITE_NAME = "Example Index"
    html = page(client, "/")

    assert '<h1 id="home-heading">Example Index</h1>' in html
    assert '<form class="home-search" method="get" action="/search/" role="search"' in html
    assert '<label for="home-search-q" class="visually-hidden">Search projects</label>' in html
    assert '<a href="/classifiers/">Browse by classifier</a>' in html


def test_commands_use_this_sites_address(client, settings):
    settings.SITE_URL = "https://index.example.test"
    html = page(client, "/")

    assert "pip install --index-url https://index.example.test/simple/ PROJECT" in html
    assert "uv pip install --index-url https://index.example.test/simple/ PROJECT" in html
    assert "twine upload --repository-url https://index.example.test/legacy/ dist/*" in html
    assert "uv publish --publish-url https://index.example.test/legacy/ dist/*" in html


def test_counts(client, make_project):
    UserFactory.create_batch(2)
    make_project("one")
    project = make_project("two")
    ReleaseFactory(project=project, version="2.0")

    html = page(client, "/")

    assert "<li><strong>2</strong> projects</li>" in html
    assert "<li><strong>3</strong> releases</li>" in html
    assert "<li><strong>2</strong> files</li>" in html
    assert "<li><strong>2</strong> users</li>" in html


def test_singular_counts(client, make_project):
    UserFactory()
    make_project("only")

    html = page(client, "/")

    assert "<li><strong>1</strong> project</li>" in html
    assert "<li><strong>1</strong> user</li>" in html


def test_newest_projects_by_creation_with_their_latest_release(client, make_project):
    now = timezone.now()
    for days, name in [(3, "oldest"), (1, "newest"), (2, "middle")]:
        project = make_project(name, summary=f"{name} summary")
        Project.objects.filter(pk=project.pk).update(created=now - datetime.timedelta(days=days))
    ReleaseFactory(project=Project.objects.get(name="middle"), version="2.0", summary="Now 2")
    ProjectFactory(name="no-release-yet")

    html = page(client, "/")
    projects = html[
        html.index('id="new-projects-heading"') : html.index('id="new-releases-heading"')
    ]

    assert projects.index("/project/newest/") < projects.index("/project/middle/")
    assert projects.index("/project/middle/") < projects.index("/project/oldest/")
    assert '<span class="version">2.0</span>' in projects
    assert "Now 2" in projects
    assert "no-release-yet" not in html


def test_latest_releases_link_to_the_release_page(client):
    older = ReleaseFactory(project__name="older", version="1.0", summary="The first one")
    Release.objects.filter(pk=older.pk).update(created=timezone.now() - datetime.timedelta(1))
    ReleaseFactory(project__name="newer", version="3.1b1")

    html = page(client, "/")
    releases = html[html.index('id="new-releases-heading"') :]

    assert releases.index('href="/project/newer/3.1b1/"') < releases.index(
        'href="/project/older/1.0/"'
    )
    assert "The first one" in releases
    assert '<span class="badge badge-prerelease">pre-release</span>' in releases


def test_at_most_ten_of_each(client):
    for n in range(12):
        ReleaseFactory(project__name=f"p{n}")

    html = page(client, "/")

    assert html.count('class="card package-card"') == 20


def test_archived_projects_are_listed_with_a_badge(client, make_project):
    make_project("old-thing", lifecycle_status=LifecycleStatus.ARCHIVED)

    html = page(client, "/")

    assert html.count('<span class="badge badge-archived">archived</span>') == 2


def test_quarantined_projects_and_releases_are_not_listed(client, make_project):
    make_project("held", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
    ReleaseFactory(
        project=make_project("partly"), version="9.9", lifecycle_status="quarantine-enter"
    )

    html = page(client, "/")

    assert "held" not in html
    assert '<span class="version">9.9</span>' not in html
    assert "/project/partly/9.9/" not in html
    assert '<span class="version">1.0</span>' in html
    assert "<li><strong>1</strong> project</li>" in html


def test_an_empty_index_says_so(client):
    html = page(client, "/")

    assert html.count("Nothing has been published yet.") == 2


@pytest.mark.parametrize("projects", [1, 30])
def test_query_count_does_not_grow(client, make_project, django_assert_max_num_queries, projects):
    for n in range(projects):
        make_project(f"p{n}")
    with django_assert_max_num_queries(6):
        page(client, "/")
