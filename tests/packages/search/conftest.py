"""Fixtures of the search tests: indexed projects, the database's vendor, the rate limit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import pytest
from django.db import connection

from packages.models import Classifier, Description, LifecycleStatus, Release, SearchDocument
from packages.search import documents
from packages.views import search as search_view
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory

Indexer = Callable[..., SearchDocument | None]


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests make many requests in a second; the rate limit's own tests set it back."""
    monkeypatch.setattr(search_view, "RATE_LIMITS", [(10_000, 1)])


@pytest.fixture
def postgresql(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL full-text search: PostgreSQL only")


@pytest.fixture
def sqlite(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite fallback: SQLite only")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the block schedules on commit (the search index update), as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def make_indexed(
    name: str,
    *,
    summary: str = "",
    description: str = "",
    keywords: str = "",
    author: str = "",
    classifiers: Iterable[str] = (),
    version: str = "1.0",
    created: datetime | None = None,
    status: LifecycleStatus = LifecycleStatus.ACTIVE,
) -> SearchDocument | None:
    """A project with one release with one file (factories), and its document built."""
    project = ProjectFactory(name=name, lifecycle_status=status)
    release = ReleaseFactory(
        project=project, version=version, summary=summary, keywords=keywords, author=author
    )
    if description:
        Description.objects.create(release=release, raw=description)
    release.classifiers.set(
        [Classifier.objects.get_or_create(classifier=c)[0] for c in classifiers]
    )
    FileFactory(release=release)
    if created is not None:
        Release.objects.filter(pk=release.pk).update(created=created)
    return documents.update(project.pk)


@pytest.fixture
def indexed(db: None) -> Indexer:
    return make_indexed
