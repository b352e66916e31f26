"""The search page: a GET form, results, pagination, errors and the rate limit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages.models import LifecycleStatus
from packages.views import search as search_view

pytestmark = pytest.mark.django_db

URL = "/search/"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
TOO_MANY = (
    "Your search query could not be performed because there were too many requests by the "
    "client. Limit may reset in 1 second."
)


def text(response) -> str:
    return unescape(response.content.decode())


def result_names(response) -> list[str]:
    return re.findall(r'<span class="package-name">([^<]+)</span>', response.content.decode())


def fill(indexed, count: int, summary: str = "bulk") -> None:
    for n in range(count):
        indexed(f"bulk-{n:03}", summary=summary, created=NOW - timedelta(minutes=n))


def test_the_page_is_a_get_form_that_needs_no_javascript(client, indexed):
    indexed("one", summary="x", classifiers=["Topic :: Internet"])

    response = client.get(URL, {"q": "x"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html
    form = re.search(r"<form [^>]*>", html)
    assert form and 'method="get"' in form.group(0) and f'action="{URL}"' in form.group(0)
    assert re.search(r'<input type="search" id="search-q" name="q" value="x"', html)
    assert '<label for="search-q">' in html
    assert 'type="checkbox" name="c" value="Topic :: Internet"' in html
    assert '<select id="search-o" name="o">' in html
    assert html.count('type="submit"') >= 2  # search, and apply the filters / sort


def test_results_show_a_card_per_project(client, indexed):
    indexed("stable", summary="Result summary", created=NOW)
    indexed("beta", summary="Result pre", version="2.0b1")
    indexed("old", summary="Result archived", status=LifecycleStatus.ARCHIVED)
    indexed("hidden", summary="Result", status=LifecycleStatus.QUARANTINE_ENTER)

    response = client.get(URL, {"q": "result"})

    page = text(response)
    assert "3 projects for “result”" in page
    assert sorted(result_names(response)) == ["beta", "old", "stable"]
    assert '<a href="/project/stable/"><span class="package-name">stable</span> ' in page
    assert '<span class="version">1.0</span>' in page
    assert '<time datetime="2025-06-01T00:00:00+00:00">' in page
    assert "Result summary" in page
    assert page.count('class="badge badge-prerelease"') == 1
    assert page.count('class="badge badge-archived"') == 1
    assert "hidden" not in result_names(response)


def test_the_query_keeps_its_value_and_is_escaped(client, indexed):
    response = client.get(URL, {"q": '<b>"x"</b>'})

    assert response.status_code == 200
    assert 'value="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in response.content.decode()
    assert "<b>" not in response.content.decode()


def test_one_project_is_counted_in_the_singular(client, indexed):
    indexed("one", summary="single")

    assert "1 project for “single”" in text(client.get(URL, {"q": "single"}))


def test_pagination_keeps_the_query_filters_and_order(client, indexed):
    for n in range(45):
        indexed(f"p-{n:03}", summary="paged", classifiers=["Topic :: Internet"])
    params = {"q": "paged", "c": "Topic :: Internet", "o": "name"}

    first = client.get(URL, params)
    second = client.get(URL, {**params, "page": "2"})
    third = client.get(URL, {**params, "page": "3"})

    assert result_names(first) == [f"p-{n:03}" for n in range(20)]
    assert result_names(second) == [f"p-{n:03}" for n in range(20, 40)]
    assert result_names(third) == [f"p-{n:03}" for n in range(40, 45)]
    links = re.findall(r'href="(\?[^"]*)"', second.content.decode())
    query = "q=paged&amp;c=Topic+%3A%3A+Internet&amp;o=name"
    assert f"?{query}" in links  # page 1 (and "Previous")
    assert f"?{query}&amp;page=3" in links
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' in second.content.decode()
    assert '<span aria-current="page">2</span>' in second.content.decode()


def test_a_page_past_the_end_is_a_friendly_404(client, indexed):
    fill(indexed, 21)

    response = client.get(URL, {"q": "bulk", "page": "3"})

    assert response.status_code == 404
    assert "There is no page 3 of these results." in text(response)
    assert 'href="?q=bulk&amp;page=2"' in response.content.decode()
    assert 'id="search-q" name="q" value="bulk"' in response.content.decode()
    assert client.get(URL, {"q": "bulk", "page": "0"}).status_code == 404


@pytest.mark.parametrize("page", ["x", "1.5", ""])
def test_a_page_that_is_not_an_integer_is_a_400(client, page):
    response = client.get(URL, {"q": "x", "page": page})

    assert response.status_code == 400
    assert "'page' must be an integer." in text(response)


def test_a_query_longer_than_1000_characters_is_a_413(client):
    assert client.get(URL, {"q": "x" * 1000}).status_code == 200

    response = client.get(URL, {"q": "x" * 1001, "c": "Topic :: Internet"})

    assert response.status_code == 413
    assert "Query string too long." in text(response)
    # The filters survive the error, for the next submit.
    assert '<input type="hidden" name="c" value="Topic :: Internet">' in response.content.decode()


def test_the_rate_limit_writes_nothing_to_the_database(client):
    with CaptureQueriesContext(connection) as captured:
        client.get(URL, {"q": "x", "page": "x"})  # a 400: nothing searched

    assert captured.captured_queries == []


def test_more_than_5_searches_a_second_are_a_429(client, monkeypatch):
    # A long window, so the test cannot straddle two windows.
    monkeypatch.setattr(search_view, "RATE_LIMITS", [(5, 3600)])

    statuses = [client.get(URL, {"q": "x"}).status_code for _ in range(5)]
    refused = client.get(URL, {"q": "x"})
    elsewhere = client.get(URL, {"q": "x"}, REMOTE_ADDR="192.0.2.99")

    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert TOO_MANY in text(refused)
    assert elsewhere.status_code == 200


def test_an_empty_search_shows_tips_and_popular_classifiers(client, indexed):
    indexed("a", classifiers=["Topic :: Internet", "Framework :: Django"])
    indexed("b", classifiers=["Topic :: Internet"])

    response = client.get(URL)

    page = text(response)
    assert response.status_code == 200
    assert "Put a phrase in quotes" in page
    assert "Popular classifiers" in page
    assert '<a href="?c=Topic%20%3A%3A%20Internet">Topic :: Internet</a>' in page
    assert result_names(response) == []


def test_no_results_suggests_what_to_try(client, indexed):
    indexed("one", summary="something", classifiers=["Topic :: Internet"])

    response = client.get(URL, {"q": "nothing-matches-this", "c": "Topic :: Internet"})

    page = text(response)
    assert response.status_code == 200
    assert "0 projects for “nothing-matches-this”" in page
    assert "No project matches your search." in page
    assert "Uncheck some classifiers" in page


def test_filters_alone_list_the_projects_with_those_classifiers(client, indexed):
    indexed("a", classifiers=["Framework :: Django :: 5.0"])
    indexed("b", classifiers=["Framework :: Flask"])

    response = client.get(URL, {"c": "Framework :: Django"})

    assert result_names(response) == ["a"]
    assert "1 project" in text(response)


def test_the_sidebar_groups_classifiers_in_details_with_counts(client, indexed):
    indexed("a", summary="s", classifiers=["Topic :: Internet", "Framework :: Django"])
    indexed("b", summary="s", classifiers=["Topic :: Internet"])

    html = client.get(URL, {"q": "s", "c": "Topic :: Internet"}).content.decode()

    groups = re.findall(r'<details class="facet-group"( open)?>\s*<summary>(\w+)', html)
    assert groups == [("", "Framework"), (" open", "Topic")]
    assert re.search(
        r'value="Topic :: Internet" checked> <span>Internet <span class="muted">\(2\)</span>',
        html,
    )
    assert re.search(r'value="Framework :: Django"> <span>Django <span class="muted">\(1\)', html)


def test_the_cached_sidebar_follows_the_index_and_the_selection(client, indexed):
    indexed("a", summary="s", classifiers=["Topic :: Internet"])
    assert "Topic :: Games" not in client.get(URL, {"q": "s"}).content.decode()

    indexed("b", summary="s", classifiers=["Topic :: Games"])
    html = client.get(URL, {"q": "s"}).content.decode()
    assert 'value="Topic :: Games">' in html

    html = client.get(URL, {"q": "s", "c": "Topic :: Games"}).content.decode()
    assert 'value="Topic :: Games" checked>' in html


def test_the_ordering_select_keeps_the_choice(client, indexed):
    indexed("one", summary="s")

    html = client.get(URL, {"q": "s", "o": "-created"}).content.decode()

    assert '<option value="-created" selected>' in html


def test_the_number_of_queries_does_not_depend_on_the_results(client, indexed):
    indexed("warm", summary="other", classifiers=["Topic :: Internet"])
    client.get(URL, {"q": "other"})  # process-wide first-use work, classifier counts cached

    def queries(params: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured.captured_queries)

    one = queries({"q": "warm"})
    fill(indexed, 30, summary="many")
    client.get(URL)  # the classifier counts of the new index, cached
    many = queries({"q": "many"})
    second_page = queries({"q": "many", "page": "2"})
    filtered = queries({"q": "warm", "c": "Topic :: Internet", "o": "name"})
    nothing = queries({"q": "nothing-at-all"})

    # Index state, count, page; on PostgreSQL also SET LOCAL before and after, in a
    # savepoint here (a transaction of its own in production: no statement for it).
    base = 3 + (4 if connection.vendor == "postgresql" else 0)
    assert one == many == second_page == base
    assert filtered == base + 1  # the selected classifiers' ids
    assert nothing == base - 1  # no rows to fetch after counting none


def test_the_page_runs_a_bounded_number_of_queries(client, indexed, django_assert_max_num_queries):
    fill(indexed, 25, summary="bounded")

    # Index state, classifier counts (not cached yet), number of results, the page; on
    # PostgreSQL a savepoint and SET LOCAL around the last two.
    with django_assert_max_num_queries(8 if connection.vendor == "postgresql" else 4):
        response = client.get(URL, {"q": "bounded", "page": "2"})
    assert len(result_names(response)) == 5


def test_only_get_and_head_are_answered(client):
    assert client.post(URL, {"q": "x"}).status_code == 405
    assert client.head(URL, {"q": "x"}).status_code == 200
