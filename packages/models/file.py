"""Distribution files and the registry of every filename ever used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .project import LifecycleStatus
from .release import Release


class PackageType(models.TextChoices):
    SDIST = "sdist", _("Source")
    BDIST_WHEEL = "bdist_wheel", _("Built distribution (wheel)")
    BDIST_EGG = "bdist_egg", "bdist_egg"
    BDIST_WININST = "bdist_wininst", "bdist_wininst"
    BDIST_DUMB = "bdist_dumb", "bdist_dumb"
    BDIST_MSI = "bdist_msi", "bdist_msi"
    BDIST_RPM = "bdist_rpm", "bdist_rpm"
    BDIST_DMG = "bdist_dmg", "bdist_dmg"


class FileQuerySet(models.QuerySet["File"]):
    def installable(self) -> FileQuerySet:
        """Files clients may download: their release and project are installable."""
        return self.exclude(release__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER).exclude(
            release__project__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER
        )


class File(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=500, unique=True)
    path = models.CharField(max_length=700, unique=True)
    packagetype = models.CharField(max_length=20, choices=PackageType.choices)
    python_version = models.CharField(max_length=100)
    requires_python = models.TextField(blank=True)
    comment_text = models.TextField(blank=True)
    size = models.BigIntegerField()
    md5_digest = models.CharField(max_length=32, unique=True)
    sha256_digest = models.CharField(max_length=64, unique=True)
    blake2_256_digest = models.CharField(max_length=64, unique=True)
    metadata_file_sha256_digest = models.CharField(max_length=64, blank=True)
    metadata_file_blake2_256_digest = models.CharField(max_length=64, blank=True)
    # Bytes of the stored `.metadata` file, counted in Project.total_size with `size`. 0 for an
    # sdist, and for files stored before it was counted (so deleting them stays consistent).
    metadata_file_size = models.BigIntegerField(default=0)
    upload_time = models.DateTimeField(auto_now_add=True, db_index=True)
    uploaded_via = models.CharField(max_length=500, blank=True)
    # Uploaded by a trusted publisher: {"provider", "repository", "url"} as it was then (the
    # publisher may be removed later); None for uploads with an API token.
    published_by = models.JSONField(null=True, blank=True)

    objects = FileQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release"],
                condition=models.Q(packagetype="sdist"),
                name="file_one_sdist_per_release",
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def metadata_path(self) -> str:
        """Where the wheel's METADATA is stored (PEP 658)."""
        return f"{self.path}.metadata"

    @property
    def has_metadata(self) -> bool:
        return bool(self.metadata_file_sha256_digest)


class FilenameRegistry(models.Model):
    """Every filename ever uploaded. Rows are never deleted, so no name is ever reused."""

    filename = models.CharField(max_length=500, unique=True)

    class Meta:
        verbose_name_plural = "filename registry"

    def __str__(self) -> str:
        return self.filename


class Provenance(models.Model):
    """A file's PEP 740 provenance: the attestations its trusted publisher uploaded with it,
    verified, with the publisher's identity (served at ``/integrity/…/provenance``)."""

    file = models.OneToOneField(File, on_delete=models.CASCADE, related_name="provenance")
    document = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"provenance of {self.file_id}"
