"""The page's queries do not grow with releases, files, classifiers, maintainers or dependents."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packages.models import Classifier, Description, LifecycleStatus, Project
from tests.packages.factories import FileFactory, RoleFactory

from .helpers import release

pytestmark = pytest.mark.django_db

# The shown release with its project and description; its classifiers, URLs and dependencies;
# the history; the files; the roles with their users; the dependents.
QUERIES = 8
TAGS = ("py3-none-any", "cp312-cp312-win_amd64", "cp312-cp312-manylinux_2_17_x86_64")


def build(name: str, releases: int) -> Project:
    """``releases`` releases with an sdist and three wheels each (4 x releases files), ten
    classifiers, links, requirements, as many maintainers and dependents as releases."""
    classifiers = [
        Classifier.objects.get_or_create(classifier=f"Topic :: Bench :: {n}")[0] for n in range(10)
    ]
    project = None
    for number in range(releases):
        made = release(
            project or name,
            f"{number}.0",
            requires=("requests>=2", "rich ; extra == 'cli'"),
            yanked=number % 7 == 6,
            home_page=f"http://testserver/project/{name}/",
        )
        project = made.project
        Description.objects.create(release=made, html=f"<p>Release {number}</p>")
        made.classifiers.set(classifiers)
        made.project_urls.create(name="Source", url="https://example.com/src")
        FileFactory(
            release=made,
            filename=f"{name}-{number}.0.tar.gz",
            packagetype="sdist",
            python_version="source",
        )
        for tag in TAGS:
            FileFactory(release=made, filename=f"{name}-{number}.0-{tag}.whl")
        RoleFactory(project=project, role_name="Owner" if number == 0 else "Maintainer")
        release(f"{name}-user-{number}", "1.0", requires=(name,))
    assert project is not None
    return project


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("releases", [1, 50])
@pytest.mark.parametrize("page", ["", "0.0/"], ids=["project", "release"])
def test_a_constant_number_of_queries(client, django_assert_max_num_queries, releases, page):
    project = build("bench", releases)
    assert project.releases.count() == releases
    assert sum(r.files.count() for r in project.releases.all()) == 4 * releases

    with django_assert_max_num_queries(QUERIES):
        response = client.get(f"/project/bench/{page}")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="release-entry') == releases
    assert html.count('class="file-card"') == 4
    assert f"{releases} project" in html  # used by


def test_the_same_count_for_one_and_fifty_releases(client):
    build("small", 1)
    build("large", 50)

    assert queries(client, "/project/small/") == queries(client, "/project/large/") == QUERIES


def test_a_quarantined_project_makes_no_more(client, django_assert_max_num_queries):
    project = build("held", 5)
    Project.objects.filter(pk=project.pk).update(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    with django_assert_max_num_queries(QUERIES):
        assert client.get("/project/held/").status_code == 200


def test_a_logged_in_collaborator_adds_only_the_session(client, django_assert_max_num_queries):
    project = build("mine", 3)
    owner = project.roles.first().user
    client.force_login(owner)

    with django_assert_max_num_queries(QUERIES + 2):  # the session and its user
        response = client.get("/project/mine/")

    assert b"Manage project" in response.content
