"""``/stats/``: the total size and the largest projects, as a page and as JSON."""

from __future__ import annotations

import json
import re

import pytest

from packages.models import LifecycleStatus
from packages.views import discovery

from .conftest import page

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def test_json_document_has_the_public_indexs_shape(client, make_project):
    make_project("small", size=10)
    make_project("big", size=3000)
    make_project("middle", size=200)

    response = client.get("/stats/", **JSON)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data == {
        "total_packages_size": 3210,
        "top_packages": {"big": {"size": 3000}, "middle": {"size": 200}, "small": {"size": 10}},
    }
    assert list(data["top_packages"]) == ["big", "middle", "small"]  # largest first


def test_json_caching_and_vary(client):
    response = client.get("/stats/", **JSON)

    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["Surrogate-Control"].startswith("max-age=86400")
    assert response["Surrogate-Key"] == "stats"
    assert response["Access-Control-Allow-Origin"] == "*"
    vary = [v.strip() for v in response["Vary"].split(",")]
    assert "Accept" in vary
    assert "Accept-Language" not in vary


def test_the_page_varies_on_accept_too(client):
    response = client.get("/stats/")

    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in [v.strip() for v in response["Vary"].split(",")]


@pytest.mark.parametrize(
    "accept", ["text/html", "*/*", "", "text/html,application/json;q=0.9", "image/png"]
)
def test_browsers_get_the_page(client, accept):
    response = client.get("/stats/", HTTP_ACCEPT=accept)

    assert response["Content-Type"].startswith("text/html")


def test_only_the_hundred_largest(client, make_project):
    for n in range(discovery.TOP_PROJECTS + 2):
        make_project(f"p{n:03}", size=n + 1)

    data = json.loads(client.get("/stats/", **JSON).content)

    assert len(data["top_packages"]) == discovery.TOP_PROJECTS
    assert "p000" not in data["top_packages"]
    assert "p001" not in data["top_packages"]
    assert data["total_packages_size"] == sum(range(1, discovery.TOP_PROJECTS + 3))


def test_quarantined_projects_count_nowhere(client, make_project):
    make_project("shown", size=100)
    make_project("held", size=5000, lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    data = json.loads(client.get("/stats/", **JSON).content)
    html = page(client, "/stats/")

    assert data == {"total_packages_size": 100, "top_packages": {"shown": {"size": 100}}}
    assert "held" not in html


def test_the_page_has_a_chart_and_a_table(client, make_project):
    make_project("big", size=4 * 1024**2)
    make_project("half", size=2 * 1024**2)

    html = page(client, "/stats/")

    assert "<strong>6.0\xa0MB</strong>" in html
    assert "(6,291,456 bytes)" in html
    start = html.index("<svg role=")
    svg = html[start : html.index("</svg>", start)]
    assert 'role="img" aria-labelledby="size-chart-title size-chart-desc"' in svg
    assert '<title id="size-chart-title">The 2 largest projects by size</title>' in svg
    assert re.search(r'<rect x="0" y="\d+" width="100.00%"', svg)
    assert re.search(r'<rect x="0" y="\d+" width="50.00%"', svg)
    table = html[html.index("<table") : html.index("</table>")]
    assert "<caption>The 2 largest projects</caption>" in table
    assert '<th scope="row"><a href="/project/big/">big</a></th>' in table
    assert '<data value="4194304">4.0\xa0MB</data>' in table


def test_the_chart_shows_the_largest_few_the_table_all(client, make_project):
    for n in range(discovery.CHART_BARS + 5):
        make_project(f"p{n}", size=1000 + n)

    html = page(client, "/stats/")

    assert html.count('class="chart-bar"') == discovery.CHART_BARS
    assert html.count('<th scope="row">') == discovery.CHART_BARS + 5


def test_an_empty_index(client):
    html = page(client, "/stats/")

    assert "No project holds any file yet." in html
    assert "<svg role" not in html


@pytest.mark.parametrize("projects", [1, 30])
def test_query_count_is_constant(client, make_project, django_assert_max_num_queries, projects):
    for n in range(projects):
        make_project(f"p{n}")
    with django_assert_max_num_queries(2):
        page(client, "/stats/")
    with django_assert_max_num_queries(2):
        client.get("/stats/", **JSON)
