"""The public profile page (``/user/<username>/``): what the page tests in
tests/packages/discovery/test_profile.py leave out (the selector's order, projects without a
release, links from project pages)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from packages.models import Release
from packages.views.profiles import profile_projects
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_most_recently_released_first():
    user = UserFactory()
    now = timezone.now()
    for days, name in [(3, "older"), (1, "newest"), (2, "middle")]:
        release = ReleaseFactory(project=ProjectFactory(name=name))
        RoleFactory(user=user, project=release.project)
        Release.objects.filter(pk=release.pk).update(created=now - datetime.timedelta(days=days))

    assert [p.name for p in profile_projects(user)] == ["newest", "middle", "older"]


def test_projects_without_a_release_are_not_listed(client):
    """Their project page is a 404, so the profile does not link to it."""
    user = UserFactory(username="ann")
    RoleFactory(user=user, project=ProjectFactory(name="Empty"))

    assert "Empty" not in page(client, "/user/ann/")


def test_maintainer_links_on_project_pages_lead_to_profiles(client):
    user = UserFactory(username="ann")
    release = ReleaseFactory(project=ProjectFactory(name="Proj"), version="1.0")
    RoleFactory(user=user, project=release.project)

    assert '<a href="/user/ann/">ann</a>' in page(client, "/project/Proj/")
    page(client, "/user/ann/")
