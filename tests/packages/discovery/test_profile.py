"""The public profile: who the user is and their projects as cards."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from packages.models import LifecycleStatus, Release, RoleName
from packages.views.profiles import avatar_hue, initials
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, ReleaseFactory, RoleFactory

from .conftest import page

pytestmark = pytest.mark.django_db


def test_name_username_join_date_and_initials(client):
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
    assert 'aria-hidden="true">AE</span>' in html
    assert "Ann.Dev has not published any project yet." in html


@pytest.mark.parametrize(
    ("name", "username", "expected"),
    [
        ("Ann Example", "ann", "AE"),
        ("Ann Beth Example", "ann", "AB"),
        ("ann", "xyz", "A"),
        ("", "bob", "B"),
        ("  ", "émile", "É"),
        ("(Ann) Example", "ann", "E"),
    ],
)
def test_initials(name, username, expected):
    assert initials(UserFactory.build(name=name, username=username)) == expected


def test_the_avatar_colour_is_the_same_every_time():
    user = UserFactory.build(username="ann")

    assert avatar_hue(user) == avatar_hue(UserFactory.build(username="ANN"))
    assert 0 <= avatar_hue(user) < 8


def test_without_a_name_the_username_is_the_heading(client):
    UserFactory(username="bob", name="")

    assert "<h1>bob</h1>" in page(client, "/user/bob/")


def test_projects_as_cards_most_recently_released_first(client):
    user = UserFactory(username="ann")
    now = timezone.now()
    for days, name in [(3, "older"), (1, "newest"), (2, "middle")]:
        release = ReleaseFactory(project=ProjectFactory(name=name), summary=f"About {name}")
        RoleFactory(user=user, project=release.project, role_name=RoleName.MAINTAINER)
        Release.objects.filter(pk=release.pk).update(created=now - datetime.timedelta(days=days))
    ReleaseFactory(project__name="someone-elses")

    html = page(client, "/user/ann/")

    assert html.index("/project/newest/") < html.index("/project/middle/")
    assert html.index("/project/middle/") < html.index("/project/older/")
    assert html.count('class="card package-card"') == 3
    assert "About middle" in html
    assert "someone-elses" not in html
    assert "3 projects" in html


def test_a_card_shows_the_latest_release(client):
    user = UserFactory(username="ann")
    project = ProjectFactory(name="Proj")
    RoleFactory(user=user, project=project)
    ReleaseFactory(project=project, version="1.0", summary="Old")
    ReleaseFactory(project=project, version="2.0", summary="Does things")
    ReleaseFactory(project=project, version="3.0b1", summary="Pre-release")

    html = page(client, "/user/ann/")

    assert (
        '<a href="/project/Proj/"><span class="package-name">Proj</span>'
        ' <span class="version">2.0</span></a>' in html
    )
    assert "Does things" in html
    assert "Pre-release" not in html


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
    RoleFactory(user=user, project=ProjectFactory(name="Empty"))

    html = page(client, "/user/ann/")

    assert "Hidden" not in html
    assert "Secret summary" not in html
    assert "Quarantined summary" not in html
    assert "Empty" not in html
    assert '<span class="package-name">Partly</span> <span class="version">1.0</span>' in html
    assert '<span class="package-name">Archived</span>' in html
    assert '<span class="badge badge-archived">archived</span>' in html
    assert "2 projects" in html


def test_redirects_to_the_exact_username(client):
    UserFactory(username="Ann")

    response = client.get("/user/ann/")

    assert response.status_code == 301
    assert response["Location"] == "/user/Ann/"


def test_unknown_and_inactive_users_are_a_404(client):
    UserFactory(username="gone", is_active=False)

    page(client, "/user/nobody/", status=404)
    page(client, "/user/gone/", status=404)
    page(client, "/user/Gone/", status=404)


@pytest.mark.parametrize("projects", [1, 30])
def test_query_count_is_constant(client, make_project, django_assert_num_queries, projects):
    user = UserFactory(username="ann")
    for n in range(projects):
        make_project(f"p{n}", owner=user)

    with django_assert_num_queries(2):
        page(client, "/user/ann/")
