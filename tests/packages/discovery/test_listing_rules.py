"""What every visitor page here has in common: quarantined projects are never listed, and the
number of queries does not grow with the number of projects."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages.models import LifecycleStatus
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/stats/", "/sitemap/", "/sitemap.xml", "/user/ann/"]


@pytest.mark.parametrize("url", PAGES)
def test_quarantined_projects_are_never_listed(client, make_project, url):
    ann = UserFactory(username="ann")
    make_project("visible-project", owner=ann, size=10)
    make_project(
        "quarantined-project",
        owner=ann,
        size=10_000,
        lifecycle_status=LifecycleStatus.QUARANTINE_ENTER,
    )

    content = client.get(url).content.decode()

    assert "visible-project" in content
    assert "quarantined-project" not in content


def test_quarantined_projects_are_not_in_the_json_statistics(client, make_project):
    make_project("quarantined-project", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    response = client.get("/stats/", HTTP_ACCEPT="application/json")

    assert "quarantined-project" not in response.content.decode()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_one_project_or_thirty_cost_the_same_queries(client, make_project, url):
    ann = UserFactory(username="ann")
    make_project("first", owner=ann)
    _queries(client, url)  # warm up what is fetched once per process (Django's Site)
    one = _queries(client, url)
    for n in range(29):
        make_project(f"p{n}", owner=ann if n % 2 else UserFactory())

    assert _queries(client, url) == one
