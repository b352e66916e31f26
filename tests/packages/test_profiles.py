"""The public profile page (``/user/<username>/``)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from packages.models import LifecycleStatus, Release, RoleName
from packages.views.profiles import profile_projects
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_shows_name_username_and_join_date(client):
    UserFactory(
        username="Ann.Dev",
        name="Ann Example",
        date_joined=datetime.datetime(2021, 3, 4, tzinfo=datetime.UTC),
    )

    html = page(client, "/user/Ann.Dev/")

    assert "<title>Profile of Ann.Dev · " in html
    assert "<h1>Ann Example</h1>" in html
    assert "<dd>Ann.Dev</dd>" in html
    assert '<time datetime="2021-03-04T00:00:00+00:00">' in html
    assert "Ann.Dev has not published any project yet." in html


def test_without_a_name_the_username_is_the_heading(client):
    UserFactory(username="bob", name="")

    assert "<h1>bob</h1>" in page(client, "/user/bob/")


def test_lists_projects_with_their_latest_release(client):
    user = UserFactory(username="ann")
    owned = ProjectFactory(name="Owned")
    RoleFactory(user=user, project=owned, role_name=RoleName.OWNER)
    ReleaseFactory(project=owned, version="0.1", summary="")
    maintained = ProjectFactory(name="Maintained")
    RoleFactory(user=user, project=maintained, role_name=RoleName.MAINTAINER)
    ReleaseFactory(project=maintained, version="1.0", summary="Old")
    ReleaseFactory(project=maintained, version="2.0", summary="Does things")
    ReleaseFactory(project=maintained, version="3.0b1", summary="Pre-release")
    other = ReleaseFactory(version="9.0")  # someone else's project

    html = page(client, "/user/ann/")

    assert (
        '<a href="/project/Maintained/"><span class="package-name">Maintained</span>'
        ' <span class="version">2.0</span></a>' in html
    )
    assert "Does things" in html
    assert (
        '<a href="/project/Owned/"><span class="package-name">Owned</span>'
        ' <span class="version">0.1</span></a>' in html
    )
    assert other.project.name not in html
    assert "2 projects" in html


def test_most_recently_released_first():
    user = UserFactory()
    now = timezone.now()
    for days, name in [(3, "older"), (1, "newest"), (2, "middle")]:
        release = ReleaseFactory(project=ProjectFactory(name=name))
        RoleFactory(user=user, project=release.project)
        Release.objects.filter(pk=release.pk).update(created=now - datetime.timedelta(days=days))

    assert [p.name for p in profile_projects(user)] == ["newest", "middle", "older"]


def test_quarantined_projects_and_releases_are_never_shown(client):
    user = UserFactory(username="ann")
    hidden = ReleaseFactory(
        project=ProjectFactory(name="Hidden", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER),
        summary="Secret summary",
    )
    RoleFactory(user=user, project=hidden.project)
    partly = ProjectFactory(name="Partly")
    RoleFactory(user=user, project=partly)
    ReleaseFactory(project=partly, version="1.0", summary="Visible")
    ReleaseFactory(
        project=partly,
        version="2.0",
        summary="Quarantined summary",
        lifecycle_status=LifecycleStatus.QUARANTINE_ENTER,
    )
    archived = ReleaseFactory(
        project=ProjectFactory(name="Archived", lifecycle_status=LifecycleStatus.ARCHIVED)
    )
    RoleFactory(user=user, project=archived.project)

    html = page(client, "/user/ann/")

    assert "Hidden" not in html
    assert "Secret summary" not in html
    assert '<span class="package-name">Partly</span> <span class="version">1.0</span>' in html
    assert "Quarantined summary" not in html
    assert '<a href="/project/Archived/"><span class="package-name">Archived</span>' in html


def test_projects_without_a_release_are_not_listed(client):
    """Their project page is a 404, so the profile does not link to it."""
    user = UserFactory(username="ann")
    RoleFactory(user=user, project=ProjectFactory(name="Empty"))

    assert "Empty" not in page(client, "/user/ann/")


def test_redirects_to_the_exact_username(client):
    UserFactory(username="Ann")

    response = client.get("/user/ann/")

    assert response.status_code == 301
    assert response["Location"] == "/user/Ann/"


def test_unknown_user_is_a_404(client):
    assert client.get("/user/nobody/").status_code == 404


def test_maintainer_links_on_project_pages_lead_to_profiles(client):
    user = UserFactory(username="ann")
    release = ReleaseFactory(project=ProjectFactory(name="Proj"), version="1.0")
    RoleFactory(user=user, project=release.project)

    assert '<a href="/user/ann/">ann</a>' in page(client, "/project/Proj/")
    page(client, "/user/ann/")


def test_query_count_is_constant(client, django_assert_num_queries):
    user = UserFactory(username="ann")
    for _ in range(5):
        release = ReleaseFactory()
        RoleFactory(user=user, project=release.project)

    with django_assert_num_queries(2):
        page(client, "/user/ann/")
