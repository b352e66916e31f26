"""The RSS feeds: newest releases, newest projects, one project's releases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from defusedxml import ElementTree as ET

from packages.models import LifecycleStatus, Project, Release
from tests.packages.factories import ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": (
        "Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since"
    ),
    "Access-Control-Allow-Methods": "GET",
    "Access-Control-Max-Age": "86400",
    "Access-Control-Expose-Headers": "X-PyPI-Last-Serial",
}
ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
START = datetime(2024, 1, 1, tzinfo=UTC)


def feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert {name: response[name] for name in CORS} == CORS
    root = ET.fromstring(response.content)
    assert root.tag == "rss"
    return root.find("channel")


def items(channel: ET.Element) -> list[dict[str, str]]:
    return [{child.tag: child.text for child in item} for item in channel.findall("item")]


def release(project: Project, version: str, minutes: int, **kwargs: object) -> Release:
    """A release created ``minutes`` after START."""
    made = ReleaseFactory(project=project, version=version, **kwargs)
    Release.objects.filter(pk=made.pk).update(created=START + timedelta(minutes=minutes))
    return made


def created(project: Project, minutes: int) -> Project:
    Project.objects.filter(pk=project.pk).update(created=START + timedelta(minutes=minutes))
    return project


def test_updates_feed_lists_newest_releases_first(client):
    alpha, beta = ProjectFactory(name="Alpha"), ProjectFactory(name="beta")
    release(alpha, "1.0", 1, summary="First alpha")
    release(beta, "0.1", 2, summary="Only beta")
    release(alpha, "2.0", 3, summary="Second alpha")

    channel = feed(client, "/rss/updates.xml")

    assert channel.findtext("title") == "Python Package Index recent updates"
    assert channel.findtext("link") == "http://testserver/"
    assert channel.find(ATOM_LINK).get("href") == "http://testserver/rss/updates.xml"
    assert [(i["title"], i["link"], i["description"], i["pubDate"]) for i in items(channel)] == [
        (
            "Alpha 2.0",
            "http://testserver/project/Alpha/2.0/",
            "Second alpha",
            "Mon, 01 Jan 2024 00:03:00 +0000",
        ),
        (
            "beta 0.1",
            "http://testserver/project/beta/0.1/",
            "Only beta",
            "Mon, 01 Jan 2024 00:02:00 +0000",
        ),
        (
            "Alpha 1.0",
            "http://testserver/project/Alpha/1.0/",
            "First alpha",
            "Mon, 01 Jan 2024 00:01:00 +0000",
        ),
    ]


def test_updates_feed_leaves_out_quarantine(client):
    shown = ProjectFactory(name="shown")
    hidden = ProjectFactory(name="hidden", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
    release(shown, "1.0", 1)
    release(shown, "2.0", 2, lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
    release(hidden, "1.0", 3)

    assert [i["title"] for i in items(feed(client, "/rss/updates.xml"))] == ["shown 1.0"]


def test_updates_feed_keeps_the_newest_hundred(client):
    project = ProjectFactory(name="many")
    for number in range(101):
        release(project, f"{number}.0", number)

    titles = [i["title"] for i in items(feed(client, "/rss/updates.xml"))]

    assert len(titles) == 100
    assert (titles[0], titles[-1]) == ("many 100.0", "many 1.0")


def test_summaries_lose_characters_xml_cannot_carry(client):
    release(ProjectFactory(name="sample"), "1.0", 1, summary="bad\x0bsum\x1fmary")

    (item,) = items(feed(client, "/rss/updates.xml"))

    assert item["description"] == "badsummary"


def test_packages_feed_lists_newest_projects_with_releases(client):
    old = created(ProjectFactory(name="Old"), 1)
    new = created(ProjectFactory(name="new"), 2)
    created(ProjectFactory(name="empty"), 3)
    hidden = created(
        ProjectFactory(name="hidden", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER), 4
    )
    release(old, "1.0", 1, summary="Old one")
    release(old, "2.0", 5, summary="Old two")
    release(old, "3.0b1", 6, summary="Old pre")
    release(new, "1.0", 2, summary="New one")
    release(hidden, "1.0", 4)

    channel = feed(client, "/rss/packages.xml")

    assert channel.findtext("title") == "Python Package Index newest packages"
    assert channel.find(ATOM_LINK).get("href") == "http://testserver/rss/packages.xml"
    assert [(i["title"], i["link"], i["description"]) for i in items(channel)] == [
        ("new added to Python Package Index", "http://testserver/project/new/", "New one"),
        ("Old added to Python Package Index", "http://testserver/project/Old/", "Old two"),
    ]
    assert [i["guid"] for i in items(channel)] == [
        "http://testserver/project/new/",
        "http://testserver/project/Old/",
    ]


def test_packages_feed_keeps_the_newest_forty(client):
    for number in range(41):
        release(created(ProjectFactory(name=f"p{number}"), number), "1.0", number)

    titles = [i["title"] for i in items(feed(client, "/rss/packages.xml"))]

    assert len(titles) == 40
    assert titles[0] == "p40 added to Python Package Index"
    assert titles[-1] == "p1 added to Python Package Index"


def test_project_feed_lists_its_releases(client):
    project = ProjectFactory(name="Sample.Pkg")
    release(project, "1.0", 1, summary="one")
    release(project, "1.1", 2, summary="two")
    release(project, "2.0", 3, lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
    release(ProjectFactory(name="other"), "9.0", 4)

    channel = feed(client, "/rss/project/sample-pkg/releases.xml")

    assert channel.findtext("title") == "Python Package Index recent updates for Sample.Pkg"
    assert channel.findtext("link") == "http://testserver/project/Sample.Pkg/"
    assert channel.find(ATOM_LINK).get("href") == (
        "http://testserver/rss/project/sample-pkg/releases.xml"
    )
    assert [(i["title"], i["link"], i["description"]) for i in items(channel)] == [
        ("1.1", "http://testserver/project/Sample.Pkg/1.1/", "two"),
        ("1.0", "http://testserver/project/Sample.Pkg/1.0/", "one"),
    ]


@pytest.mark.parametrize("state", ["unknown", "quarantined"])
def test_project_feed_404(client, state):
    if state == "quarantined":
        project = ProjectFactory(name="sample", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
        release(project, "1.0", 1)

    assert client.get("/rss/project/sample/releases.xml").status_code == 404
