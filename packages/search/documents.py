"""Building and updating the search index: one ``SearchDocument`` per project.

A project's document is built from its latest installable release that has files and is not
yanked (final before pre-release, highest version: ``Release.objects.latest_first()``). A
project without such a release, in quarantine or archived "not indexed" has no document;
archived projects stay indexed and are marked.

The write path calls ``update`` through ``packages.tasks.changed_on_commit``, which every
journal write schedules (so after every change that can alter a document);
``manage.py reindex_search`` calls ``rebuild``.

On PostgreSQL the document's ``search_vector`` is weighted as the public index boosts its
fields (name x10, summary/description/keywords x5, the rest x1):

- **A**: the name and the normalized name, with the ``simple`` configuration (names are not
  words: no stemming, no stop words, so ``the`` or ``attrs`` stay findable) and again with
  ``english`` (so a stemmed query such as ``requests`` -> ``request`` still meets the name);
- **B**: summary and keywords, ``english``;
- **C**: the description (its first 200 KB), ``english``; weighted like B at query time
  (``query.RANK_WEIGHTS``) but kept apart so it can be tuned down;
- **D**: authors, maintainers, their addresses, licence, home page, download URL, platform,
  ``english`` (addresses, hosts and URLs are kept whole by the parser in any configuration).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.expressions import CombinedExpression

from ..models import File, LifecycleStatus, Project, Release, SearchDocument
from ..models.release import ReleaseQuerySet

MAX_DESCRIPTION_BYTES = 200 * 1024
BATCH = 500

# Copied as they are from the release.
_RELEASE_FIELDS = (
    "version",
    "is_prerelease",
    "summary",
    "keywords",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "license",
    "home_page",
    "download_url",
    "platform",
    "created",
)
_UPDATED_FIELDS = [
    "release",
    "name",
    "normalized_name",
    *_RELEASE_FIELDS,
    "description",
    "classifiers",
    "project_created",
    "lifecycle_status",
    "indexed",
]


def indexable_releases() -> ReleaseQuerySet:
    """Releases a document may be built from, the best candidate of each project first."""
    return (
        Release.objects.installable()
        .exclude(project__lifecycle_status=LifecycleStatus.ARCHIVED_NOINDEX)
        .filter(yanked=False)
        .filter(Exists(File.objects.filter(release=OuterRef("pk"))))
        .latest_first()
    )


def vector() -> CombinedExpression:
    """The weighted tsvector of a document's own columns (PostgreSQL only)."""
    return (
        SearchVector("name", "normalized_name", config="simple", weight="A")
        + SearchVector("name", "normalized_name", config="english", weight="A")
        + SearchVector("summary", "keywords", config="english", weight="B")
        + SearchVector("description", config="english", weight="C")
        + SearchVector(
            "author",
            "author_email",
            "maintainer",
            "maintainer_email",
            "license",
            "home_page",
            "download_url",
            "platform",
            config="english",
            weight="D",
        )
    )


def _truncate(text: str, limit: int = MAX_DESCRIPTION_BYTES) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def build(project: Project, release: Release, classifiers: Iterable[str]) -> SearchDocument:
    """The (unsaved) document of ``project`` from ``release``."""
    description = getattr(release, "description", None)
    return SearchDocument(
        project=project,
        release=release,
        name=project.name,
        normalized_name=project.normalized_name,
        **{field: getattr(release, field) for field in _RELEASE_FIELDS},
        description=_truncate(description.raw if description is not None else ""),
        classifiers=list(classifiers),
        project_created=project.created,
        lifecycle_status=project.lifecycle_status,
    )


def _set_vectors(project_ids: list[int]) -> None:
    if connection.vendor == "postgresql" and project_ids:
        SearchDocument.objects.filter(pk__in=project_ids).update(search_vector=vector())


def update(project_id: int) -> SearchDocument | None:
    """Build, replace or delete the document of one project; the new document or None."""
    with transaction.atomic():
        # Under the project's row lock: two updates of one project do not interleave.
        project = Project.objects.select_for_update().filter(pk=project_id).first()
        if project is None:
            return None  # deleted: its document went with it
        release = indexable_releases().filter(project=project).select_related("description").first()
        if release is None:
            SearchDocument.objects.filter(project_id=project_id).delete()
            return None
        classifiers = release.classifiers.values_list("classifier", flat=True)
        document = build(project, release, classifiers)
        document.save()
        _set_vectors([project_id])
        return document


def rebuild() -> tuple[int, int]:
    """Rebuild every document; return how many projects are indexed and how many documents
    were removed. Runs in batches of ``BATCH`` projects, each in its own transaction."""
    best = indexable_releases().filter(project=OuterRef("pk")).values("pk")[:1]
    release_ids = list(
        Project.objects.annotate(best=Subquery(best))
        .filter(best__isnull=False)
        .order_by("pk")
        .values_list("best", flat=True)
    )
    for start in range(0, len(release_ids), BATCH):
        batch = (
            Release.objects.filter(pk__in=release_ids[start : start + BATCH])
            .select_related("project", "description")
            .prefetch_related("classifiers")
        )
        documents = [
            build(r.project, r, [c.classifier for c in r.classifiers.all()]) for r in batch
        ]
        with transaction.atomic():
            SearchDocument.objects.bulk_create(
                documents,
                update_conflicts=True,
                unique_fields=["project"],
                update_fields=_UPDATED_FIELDS,
            )
            _set_vectors([d.project_id for d in documents])
    removed, _ = SearchDocument.objects.exclude(
        release_id__in=Subquery(
            Project.objects.annotate(best=Subquery(best)).filter(best__isnull=False).values("best")
        )
    ).delete()
    return len(release_ids), removed
