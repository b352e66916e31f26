"""The home page ``/`` and the error pages every other page falls back on."""

from __future__ import annotations

import pytest

from packages.models import LifecycleStatus
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def test_home_page_says_how_to_install_from_this_index(client, settings):
    settings.SITE_URL = "https://index.example.test"
    html = client.get("/").content.decode()

    assert "pip install --index-url https://index.example.test/simple/ PROJECT" in html
    assert "Nothing has been published yet." in html
    assert 'href="/help/"' in html


def test_home_page_counts_what_clients_can_install(client):
    UserFactory.create_batch(2)
    shown = ReleaseFactory(project__name="visible")
    FileFactory(release=shown)
    FileFactory(release=shown, filename="visible-1.0.tar.gz", packagetype="sdist")
    ReleaseFactory(project=shown.project, version="2.0")
    hidden = ReleaseFactory(project__name="held", project__lifecycle_status="quarantine-enter")
    FileFactory(release=hidden)
    ProjectFactory(name="empty")  # no release: nothing to count

    html = client.get("/").content.decode()

    assert "<li><strong>1</strong> project</li>" in html
    assert "<li><strong>2</strong> releases</li>" in html
    assert "<li><strong>2</strong> files</li>" in html
    assert "<li><strong>2</strong> users</li>" in html


def test_home_page_lists_the_newest_releases_but_not_quarantined_ones(client):
    ReleaseFactory(project__name="older", version="1.0", summary="The first one")
    ReleaseFactory(project__name="newer", version="3.1")
    ReleaseFactory(project__name="held", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    html = client.get("/").content.decode()

    assert html.index('href="/project/newer/3.1/"') < html.index('href="/project/older/1.0/"')
    assert "The first one" in html
    assert "/project/held/" not in html


def test_home_page_query_count_does_not_grow_with_releases(client, django_assert_max_num_queries):
    for n in range(15):
        ReleaseFactory(project__name=f"p{n}")
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200


def test_unknown_page_gets_the_sites_not_found_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert '<a href="/">Go to the home page</a>' in html
