""" "Used by": the projects whose latest installable release requires a project."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps

from packages.dependents import dependents, requirement_name
from packages.models import Dependency, DependencyKind, LifecycleStatus, Project
from tests import uploads
from tests.packages.factories import ReleaseFactory

from .helpers import get, release, text

pytestmark = pytest.mark.django_db


def names(project: Project) -> list[str]:
    return [d.name for d in dependents(project).shown]


@pytest.fixture
def lib() -> Project:
    return release("lib", "1.0").project


@pytest.mark.parametrize(
    ("specifier", "name"),
    [
        ("requests", "requests"),
        ("Requests[socks,security] >=2.0, <3 ; python_version >= '3.8'", "requests"),
        ("Foo_Bar.baz==1.0", "foo-bar-baz"),
        ("zope.interface (>=5)", "zope-interface"),
        ("pkg @ https://example.com/pkg-1.0.tar.gz", "pkg"),
        ("not a requirement!!", ""),
        ("", ""),
    ],
)
def test_requirement_name(specifier, name):
    assert requirement_name(specifier) == name


def test_only_the_latest_release_counts(lib):
    release("dropped", "1.0", requires=("lib",))
    release("dropped", "2.0")
    release("added", "1.0")
    release("added", "2.0", requires=("lib>=1",))
    release("older-first", "2.0", requires=("lib",))  # created before its older release
    release("older-first", "1.5")

    assert names(lib) == ["added", "older-first"]


def test_a_yanked_latest_release_falls_back_to_the_one_before(lib):
    release("fixed", "1.0", requires=("lib",))
    release("fixed", "2.0", yanked=True)
    release("broken", "1.0")
    release("broken", "2.0", requires=("lib",), yanked=True)
    release("all-yanked", "1.0", requires=("lib",), yanked=True)

    assert names(lib) == ["all-yanked", "fixed"]


def test_a_pre_release_counts_only_without_a_final_release(lib):
    release("beta-later", "1.0")
    release("beta-later", "2.0b1", requires=("lib",))
    release("only-beta", "1.0a1")
    release("only-beta", "1.0b2", requires=("lib",))

    assert names(lib) == ["only-beta"]


def test_extras_and_markers_are_ignored_and_counted_once(lib):
    release(
        "marked",
        "1.0",
        requires=(
            "lib[fast]>=1.0 ; python_version >= '3.9'",
            "lib ; extra == 'dev'",
            "LIB[docs] ; sys_platform == 'win32' and extra == 'docs'",
        ),
    )

    found = dependents(lib)
    assert found.total == 1
    assert names(lib) == ["marked"]


def test_names_are_compared_normalised():
    target = release("My_Lib.Core", "1.0").project
    release("upper", "1.0", requires=("MY-LIB-CORE",))
    release("underscores", "1.0", requires=("my_lib_core>=2",))
    release("dots", "1.0", requires=("my.lib.core",))
    release("other", "1.0", requires=("my-lib",))

    assert names(target) == ["dots", "underscores", "upper"]


def test_quarantine_excludes_a_dependent(lib):
    quarantined = release("quarantined", "1.0", requires=("lib",)).project
    Project.objects.filter(pk=quarantined.pk).update(
        lifecycle_status=LifecycleStatus.QUARANTINE_ENTER
    )
    release("hidden-latest", "1.0", requires=("lib",))
    release("hidden-latest", "2.0", quarantined=True)  # 1.0 is the latest clients see
    release("hidden-require", "1.0")
    release("hidden-require", "2.0", requires=("lib",), quarantined=True)

    assert names(lib) == ["hidden-latest"]


def test_archived_dependents_count_and_say_so(lib):
    archived = release("archived", "1.0", requires=("lib",)).project
    Project.objects.filter(pk=archived.pk).update(lifecycle_status=LifecycleStatus.ARCHIVED)

    [found] = dependents(lib).shown
    assert found.is_archived


def test_the_project_itself_and_other_kinds_do_not_count(lib):
    release(lib, "2.0", requires=("lib[extra]",))
    other = release("provider", "1.0")
    other.dependencies.create(kind=DependencyKind.PROVIDES_DIST, specifier="lib", name="lib")
    other.dependencies.create(kind=DependencyKind.OBSOLETES_DIST, specifier="lib", name="lib")

    assert dependents(lib).total == 0


def test_twenty_are_shown_by_name_and_the_rest_counted(lib):
    for number in range(25):
        release(f"user-{number:02d}", "1.0", requires=("lib",), summary=f"User {number}")

    found = dependents(lib)

    assert found.total == 25
    assert found.more == 5
    assert [d.name for d in found.shown] == [f"user-{n:02d}" for n in range(20)]
    assert found.shown[0].summary == "User 0"
    assert found.shown[0].version == "1.0"


def test_the_page_lists_dependents_as_cards(client, lib):
    for number in range(22):
        release(
            f"user-{number:02d}", f"{number}.1", requires=("lib",), summary=f"Uses lib {number}"
        )
    release("beta-user", "0.1b1", requires=("lib",))

    page = get(client, "/project/lib/")

    section = page.find(id="used-by")
    assert "23 projects on this index depend on lib" in text(section)
    cards = section.select("ul.dependents > li .package-card")
    assert len(cards) == 20
    first = cards[0]
    assert first.a["href"] == "/project/beta-user/"
    assert text(first.a) == "beta-user 0.1b1"
    assert "pre-release" in text(first)
    second = cards[1]
    assert second.a["href"] == "/project/user-00/"
    assert "Uses lib 0" in text(second)
    assert second.time["datetime"]
    assert "And 3 more projects." in text(section)
    assert text(page.select_one('.project-nav a[href="#used-by"] .count')) == "23"


def test_the_page_says_when_nothing_depends_on_it(client, lib):
    page = get(client, "/project/lib/")

    section = page.find(id="used-by")
    assert "No project on this index depends on lib yet" in text(section)
    assert not section.select(".package-card")
    assert text(page.select_one('.project-nav a[href="#used-by"] .count')) == "0"


def test_uploads_name_their_dependencies(client, token, lib):
    meta = {"requires_dist": ["LIB[extra] >=1 ; python_version >= '3'", "other_thing"]}
    assert uploads.wheel_upload("app", "1.0", metadata=meta).post(client, token).status_code == 200

    rows = Dependency.objects.filter(release__project__name="app", kind=4)
    assert sorted(rows.values_list("name", flat=True)) == ["lib", "other-thing"]
    assert names(lib) == ["app"]
    assert "app 1.0" in text(get(client, "/project/lib/").find(id="used-by"))


def test_the_migration_names_existing_rows():
    migration = importlib.import_module("packages.migrations.0006_dependency_name")
    made = ReleaseFactory()
    rows = [
        made.dependencies.create(kind=4, specifier="Some_Thing[x]>=1"),
        made.dependencies.create(kind=4, specifier="!!!"),
        made.dependencies.create(kind=5, specifier="zope.interface"),
    ]

    migration.fill_names(global_apps, None)

    assert [Dependency.objects.get(pk=r.pk).name for r in rows] == [
        "some-thing",
        "",
        "zope-interface",
    ]
