"""The site map: ``/sitemap/`` for people, ``/sitemap.xml`` for search engines."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as ET

from packages import sitemaps
from packages.models import LifecycleStatus
from packages.views import discovery
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

from .conftest import page

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(content: bytes, tag: str = "url") -> list[str]:
    root = ET.fromstring(content)
    return [loc.text or "" for loc in root.findall(f"s:{tag}/s:loc", NS)]


def test_page_links_the_main_pages(client):
    html = page(client, "/sitemap/")

    for href in ["/", "/search/", "/classifiers/", "/stats/", "/help/", "/security/"]:
        assert f'<li><a href="{href}">' in html
    assert '<a href="/sitemap.xml">' in html
    assert "Nothing has been published yet." in html


def test_page_lists_projects_alphabetically_by_letter(client, make_project):
    for name in ["zeta", "Alpha", "beta", "2fast", "apple"]:
        make_project(name)
    ProjectFactory(name="no-release")
    make_project("held", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    html = page(client, "/sitemap/")

    order = [
        html.index(f'href="/project/{n}/"') for n in ["2fast", "Alpha", "apple", "beta", "zeta"]
    ]
    assert order == sorted(order)
    assert '<h3 id="letter-a" class="letter-heading">A</h3>' in html
    assert '<h3 id="letter-digits" class="letter-heading">0-9</h3>' in html
    assert '<a href="#letter-z">Z</a>' in html
    assert "5 projects" in html
    assert "no-release" not in html
    assert "held" not in html


def test_page_is_paginated(client, make_project, monkeypatch):
    monkeypatch.setattr(discovery, "SITEMAP_PAGE_SIZE", 2)
    for name in ["a1", "a2", "b1", "c1", "d1"]:
        make_project(name)

    first = page(client, "/sitemap/")
    last = page(client, "/sitemap/?page=3")

    assert "/project/a2/" in first
    assert "/project/b1/" not in first
    assert '<a href="?page=2" rel="next">Next</a>' in first
    assert '<span aria-current="page">1</span>' in first
    assert "/project/d1/" in last
    assert "5 projects" in last
    page(client, "/sitemap/?page=4", status=404)
    page(client, "/sitemap/?page=x", status=404)


def test_xml_lists_projects_and_their_owners_profiles(client, settings, make_project):
    settings.SITE_URL = "https://index.example.test"
    owner = UserFactory(username="ann")
    make_project("Proj", owner=owner)
    make_project("other")
    make_project(
        "held", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER, owner=UserFactory(username="hid")
    )
    RoleFactory(user=UserFactory(username="lazy"), project=ProjectFactory(name="empty"))
    UserFactory(username="nobody")
    gone = UserFactory(username="gone", is_active=False)
    RoleFactory(user=gone, project=ProjectFactory(name="gone-proj"))

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert "Accept-Language" not in response.get("Vary", "")
    assert locations(response.content) == [
        "https://index.example.test/project/other/",
        "https://index.example.test/project/Proj/",
        "https://index.example.test/user/ann/",
    ]
    root = ET.fromstring(response.content)
    assert root.find("s:url/s:lastmod", NS) is not None


def test_xml_of_an_empty_index_is_valid(client):
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert locations(response.content) == []


def test_past_the_limit_the_xml_is_an_index_of_files(client, monkeypatch, make_project):
    monkeypatch.setattr(sitemaps, "URLS_PER_FILE", 2)
    owner = UserFactory(username="ann")
    for name in ["a", "b", "c", "d", "e"]:
        make_project(name, owner=owner)

    index = client.get("/sitemap.xml")

    assert index.status_code == 200
    files = locations(index.content, "sitemap")
    assert files == [
        "http://testserver/sitemap-projects.xml",
        "http://testserver/sitemap-projects.xml?p=2",
        "http://testserver/sitemap-projects.xml?p=3",
        "http://testserver/sitemap-users.xml",
    ]
    pages = [locations(client.get(url.removeprefix("http://testserver")).content) for url in files]
    assert pages == [
        ["http://testserver/project/a/", "http://testserver/project/b/"],
        ["http://testserver/project/c/", "http://testserver/project/d/"],
        ["http://testserver/project/e/"],
        ["http://testserver/user/ann/"],
    ]
    assert client.get("/sitemap-projects.xml?p=4").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


@pytest.mark.parametrize("projects", [1, 30])
def test_query_counts_are_constant(client, make_project, django_assert_max_num_queries, projects):
    for n in range(projects):
        make_project(f"p{n}", owner=UserFactory())
    with django_assert_max_num_queries(2):
        page(client, "/sitemap/")
    # Counts, the rows of each section, and Django's Site (which the addresses do not use).
    with django_assert_max_num_queries(7):
        assert client.get("/sitemap.xml").status_code == 200
