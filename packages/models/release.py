"""Releases (one version of a project) and their metadata."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from packaging.utils import canonicalize_version

from .classifier import Classifier
from .fields import ByteOrderCharField
from .project import LifecycleStatus, Project


class ReleaseQuerySet(models.QuerySet["Release"]):
    def installable(self) -> ReleaseQuerySet:
        """Releases whose files clients may see (neither they nor their project quarantined).

        Yanked releases stay installable (PEP 592: by an exact pin); ``latest_first`` puts
        them last.
        """
        return self.exclude(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER).exclude(
            project__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER
        )

    def find_by_version(self, version: str) -> Release | None:
        """The release equal to ``version`` (1.0 and 1.0.0 are the same release), or None."""
        return self.filter(canonical_version=canonicalize_version(version)).first()

    def with_details(self) -> ReleaseQuerySet:
        """With what a release page or JSON document shows: description, classifiers, links."""
        return self.select_related("description").prefetch_related(
            "classifiers", "project_urls", "dependencies"
        )

    def latest_first(self) -> ReleaseQuerySet:
        """Best candidate for "latest" first: not yanked, final before pre, highest version."""
        return self.order_by("yanked", "is_prerelease", "-sort_key")


class Release(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=100)
    canonical_version = models.CharField(max_length=100)
    sort_key = ByteOrderCharField(max_length=400)
    is_prerelease = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    metadata_version = models.CharField(max_length=10)
    summary = models.CharField(max_length=512, blank=True)
    keywords = models.TextField(blank=True)
    author = models.TextField(blank=True)
    author_email = models.TextField(blank=True)
    maintainer = models.TextField(blank=True)
    maintainer_email = models.TextField(blank=True)
    license = models.TextField(blank=True)
    license_expression = models.TextField(blank=True)
    license_files = models.JSONField(default=list, blank=True)
    home_page = models.TextField(blank=True)
    download_url = models.TextField(blank=True)
    requires_python = models.TextField(blank=True)
    platform = models.TextField(blank=True)
    provides_extra = models.JSONField(default=list, blank=True)
    dynamic = models.JSONField(default=list, blank=True)
    classifiers = models.ManyToManyField(Classifier, blank=True, related_name="releases")

    yanked = models.BooleanField(default=False)
    yanked_reason = models.TextField(blank=True)
    yanked_date = models.DateTimeField(null=True, blank=True)
    lifecycle_status = models.CharField(
        max_length=20,
        choices=LifecycleStatus.choices,
        default=LifecycleStatus.ACTIVE,
        blank=True,
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_via = models.CharField(max_length=500, blank=True)
    # The serial of the last journal entry naming this release (0 before any): it keys the
    # release's part of the cached Simple pages (``packages.simple``), as the project's
    # ``last_serial`` keys the whole page.
    last_serial = models.IntegerField(default=0)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "canonical_version"], name="release_unique_canonical_version"
            ),
        ]
        indexes = [models.Index(fields=["project", "sort_key"], name="release_project_order")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.version}"

    def get_absolute_url(self) -> str:
        return f"/project/{self.project.name}/{self.version}/"


class Description(models.Model):
    """A release's long description and its HTML as rendered at upload time."""

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="description")
    raw = models.TextField(blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    html = models.TextField(blank=True)
    rendered_by = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"description of {self.release_id}"


class DependencyKind(models.IntegerChoices):
    REQUIRES = 1
    PROVIDES = 2
    OBSOLETES = 3
    REQUIRES_DIST = 4
    PROVIDES_DIST = 5
    OBSOLETES_DIST = 6
    REQUIRES_EXTERNAL = 7


class Dependency(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="dependencies")
    kind = models.PositiveSmallIntegerField(choices=DependencyKind.choices)
    specifier = models.TextField()
    # The requirement's project name, normalised (PEP 503); empty when the specifier does not
    # parse as a PEP 508 requirement. Filled at upload (``packages.dependents.requirement_name``)
    # so that "used by" finds a project's dependents through the index below.
    name = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name_plural = "dependencies"
        indexes = [
            models.Index(fields=["release", "kind"], name="dependency_release_kind"),
            models.Index(fields=["name", "kind"], name="dependency_name_kind"),
        ]

    def __str__(self) -> str:
        return self.specifier


class ReleaseURL(models.Model):
    """A labelled Project-URL of a release."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="project_urls")
    name = models.CharField(max_length=32)
    url = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "name"], name="releaseurl_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.url}"
