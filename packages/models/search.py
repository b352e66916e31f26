"""The search index: one document per project, built from its latest indexable release.

``packages.search.documents`` is the only writer; ``packages.search.query`` the only reader.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from .fields import ByteOrderCharField
from .project import LifecycleStatus, Project
from .release import Release


class SearchDocument(models.Model):
    """What search knows about a project: a copy of its latest installable, not yanked
    release that has files (final before pre-release), with the project's name and lifecycle.

    A project without such a release, or in quarantine, has no document. On PostgreSQL
    ``search_vector`` holds the weighted full-text vector (GIN index ``searchdoc_vector``,
    created by the migration on PostgreSQL only: SQLite knows no GIN, and an index declared
    here would break SQLite's table rebuilds); on SQLite it stays NULL and search falls back
    to ``LIKE`` (see ``packages.search.query``).
    """

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    # Byte order on every database, so that a name prefix is a range the index answers exactly
    # (``LIKE 'x%'`` would be re-checked row by row, detoasting the vector of every match).
    normalized_name = ByteOrderCharField(max_length=200)
    version = models.CharField(max_length=100)
    is_prerelease = models.BooleanField(default=False)
    summary = models.CharField(max_length=512, blank=True)
    description = models.TextField(blank=True)
    keywords = models.TextField(blank=True)
    author = models.TextField(blank=True)
    author_email = models.TextField(blank=True)
    maintainer = models.TextField(blank=True)
    maintainer_email = models.TextField(blank=True)
    license = models.TextField(blank=True)
    home_page = models.TextField(blank=True)
    download_url = models.TextField(blank=True)
    platform = models.TextField(blank=True)
    classifiers = models.JSONField(default=list, blank=True)
    created = models.DateTimeField()  # the release's: "date last updated"
    project_created = models.DateTimeField()
    lifecycle_status = models.CharField(
        max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE, blank=True
    )
    search_vector = SearchVectorField(null=True, editable=False)
    indexed = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["normalized_name"], name="searchdoc_name_prefix"),
            models.Index(fields=["-created"], name="searchdoc_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def is_archived(self) -> bool:
        return self.lifecycle_status in (LifecycleStatus.ARCHIVED, LifecycleStatus.ARCHIVED_NOINDEX)
