"""The header's search box and the footer's links, on every page."""

from __future__ import annotations

import re

import pytest

from tests.accounts.factories import UserFactory

from .conftest import page

pytestmark = pytest.mark.django_db

SEARCH_FORM = re.compile(
    r'<form class="site-search" method="get" action="/search/" role="search"'
    r' aria-label="Search projects">'
)


@pytest.mark.parametrize(
    "url",
    ["/", "/stats/", "/classifiers/", "/sitemap/", "/security/", "/help/", "/account/login/"],
)
def test_every_page_has_the_search_box_and_the_footer(client, url):
    html = page(client, url)

    assert SEARCH_FORM.search(html)
    assert '<label for="site-search-q" class="visually-hidden">Search projects</label>' in html
    assert 'name="q"' in html
    assert '<span class="visually-hidden">Search</span>' in html
    footer = html[html.index('<footer class="site-footer">') :]
    for href, text in [
        ("/help/", "Help"),
        ("/stats/", "Statistics"),
        ("/sitemap/", "Site map"),
        ("/security/", "Security"),
    ]:
        assert f'<a href="{href}">{text}</a>' in footer
    assert (
        '<link rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml"'
        in html
    )


def test_the_404_page_has_the_search_box_too(client):
    assert SEARCH_FORM.search(page(client, "/no/such/page/", status=404))


def test_the_search_box_keeps_the_query_on_the_search_page_only(client):
    search = client.get("/search/", {"q": "requests <b>"})
    other = page(client, "/stats/?q=requests")

    if search.status_code == 200:  # the search page is someone else's, and may be unfinished
        assert 'value="requests &lt;b&gt;"' in search.content.decode()
    assert 'id="site-search-q" type="search" name="q" value=""' in other


def test_the_header_keeps_the_account_links(client):
    anonymous = page(client, "/")
    assert "Log in" in anonymous
    assert "Register" in anonymous

    client.force_login(UserFactory(username="ann"))
    html = page(client, "/")
    assert "Your projects" in html
    assert 'Account settings <span class="account-name">(ann)</span>' in html
    assert "Log out" in html
