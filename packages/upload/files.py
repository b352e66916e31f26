"""The file part of an upload: checks 17-44 of docs/upload.md, then storage."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from pathlib import Path

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from packaging.metadata import Metadata

from help.links import help_url

from ..models import File, FilenameRegistry, PackageType, Project, ProjectEventTag, Release
from ..services import events, journal
from ..services.events import Actor
from ..storage import StorageUnavailable, StoredObjects, file_path
from . import archive, filenames, wheel_metadata, wheel_record
from .errors import UploadError, bad_request
from .form import UploadForm
from .handlers import ReceivedDistribution

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
GIB = 1024 * MIB
NEW_FILES_WINDOW = timedelta(days=14)


def _check_size(project: Project, content: ReceivedDistribution) -> None:
    if content.truncated or content.size > project.file_size_limit:  # 22
        raise bad_request(
            _(
                "File too large. Limit for project '{project}' is {limit} MB. "
                "See {url} for more information."
            ).format(
                project=project.name,
                limit=project.file_size_limit // MIB,
                url=help_url("file-size-limit"),
            )
        )
    _check_project_size(project, content.size)  # 23


def _check_project_size(project: Project, size: int) -> None:
    """Checks 23 and 43c: the project's total size plus ``size`` stays within its limit."""
    if project.total_size + size > project.project_size_limit:
        raise bad_request(
            _(
                "Project size too large. Limit for project '{project}' total size is "
                "{limit} GB. See {url}"
            ).format(
                project=project.name,
                limit=project.project_size_limit // GIB,
                url=help_url("project-size-limit"),
            )
        )


def _check_digests(form: UploadForm, content: ReceivedDistribution) -> None:  # 24
    supplied = [
        (form.md5_digest, content.md5),
        (form.sha256_digest, content.sha256),
        (form.blake2_256_digest, content.blake2_256),
    ]
    for given, computed in supplied:
        if given is not None and not hmac.compare_digest(given.lower(), computed):
            raise bad_request(
                _("The digest supplied does not match a digest calculated from the uploaded file.")
            )


def _is_identical_reupload(filename: str, content: ReceivedDistribution) -> bool:
    """True for the same file again (25); 400 for a name or content already used (26, 27)."""
    existing = (
        File.objects.filter(Q(filename=filename) | Q(blake2_256_digest=content.blake2_256))
        .only("filename", "sha256_digest", "blake2_256_digest")
        .first()
    )
    if existing is not None:
        if (existing.filename, existing.sha256_digest, existing.blake2_256_digest) == (
            filename,
            content.sha256,
            content.blake2_256,
        ):
            return True
        raise bad_request(
            _(
                "File already exists ('{filename}', with blake2_256 hash '{hash}'). "
                "See {url} for more information."
            ).format(filename=filename, hash=content.blake2_256, url=help_url("file-name-reuse"))
        )
    if FilenameRegistry.objects.filter(filename=filename).exists():
        raise bad_request(
            _(
                "This filename was previously used by a file that has since been deleted. "
                "Use a different version. See {url} for more information."
            ).format(url=help_url("file-name-reuse"))
        )
    return False


def _check_release_accepts(release: Release, form: UploadForm) -> None:
    if release.created < timezone.now() - NEW_FILES_WINDOW:  # 28
        raise bad_request(_("Uploading new files to releases older than 14 days is not allowed."))
    if (
        form.filetype == PackageType.SDIST
        and release.files.filter(packagetype=PackageType.SDIST).exists()
    ):  # 29
        raise bad_request(_("Only one sdist may be uploaded per release."))


def _check_contents(
    project: Project, meta: Metadata, form: UploadForm, filename: str, path: Path
) -> bytes | None:
    """Checks 30-43d; the wheel's METADATA bytes (None for an sdist)."""
    archive.validate_distribution(path, filename)  # 30
    license_files = [str(f) for f in meta.license_files or []]
    if form.filetype == PackageType.SDIST:
        filenames.check_sdist_filename(
            filename,
            project_name=project.name,
            normalized_name=project.normalized_name,
            version=meta.version,
        )
        archive.check_sdist_license_files(path, filename, license_files)
        return None
    filenames.check_wheel_filename(
        filename,
        project_name=project.name,
        normalized_name=project.normalized_name,
        metadata_name=meta.name,
        version=meta.version,
    )
    metadata = archive.read_wheel_metadata(path, filename, license_files)  # 40-43a
    wheel_metadata.check_wheel_metadata(metadata, meta, filename)  # 43b
    _check_project_size(project, path.stat().st_size + len(metadata))  # 43c
    wheel_record.verify_record(path, filename)  # 43d
    return metadata


def accept(
    project: Project,
    release: Release,
    meta: Metadata,
    form: UploadForm,
    content: ReceivedDistribution,
    stored: StoredObjects,
    actor: Actor,
) -> File | None:
    """Check, store and record the file; None when this exact file is already there."""
    filename = content.raw_name
    filenames.check_filename_characters(filename)  # 17, 18
    filenames.check_extension(filename, form.filetype)  # 19, 20
    # A part without Content-Type is text/plain, as Warehouse's parser reads it (uv sends none).
    if (content.content_type or "text/plain").startswith("image/"):  # 21
        raise bad_request(_("Invalid distribution file."))
    _check_size(project, content)
    _check_digests(form, content)
    if _is_identical_reupload(filename, content):
        return None
    _check_release_accepts(release, form)
    metadata = _check_contents(project, meta, form, filename, Path(content.temporary_file_path()))
    path = file_path(content.blake2_256, filename)
    _store(stored, path, filename, content, metadata)
    file = _create_file(release, form, filename, path, content, metadata, actor)
    events.record(
        project,
        ProjectEventTag.FILE_ADD,
        actor,
        filename=file.filename,
        canonical_version=release.canonical_version,
        project_id=project.pk,
        uploaded_via_trusted_publisher=False,
    )
    journal.record(
        project,
        journal.Entry(f"add {file.python_version} file {file.filename}", release.version),
        by=actor.user,
    )
    return file


def _store(
    stored: StoredObjects,
    path: str,
    filename: str,
    content: ReceivedDistribution,
    metadata: bytes | None,
) -> None:
    """Write the file and its ``.metadata``: check 44, or 503 when the store is unavailable
    (the transaction then rolls back, so nothing of the upload is committed)."""
    try:
        stored.save_file(path, content)
        if metadata is not None:
            stored.save_bytes(f"{path}.metadata", metadata)
    except StorageUnavailable as exc:
        logger.error("File storage failed while storing %s: %s", path, exc)
        raise UploadError(
            503, _("File storage is unavailable; nothing was stored. Please try again later.")
        ) from None
    except OSError:  # 44
        raise bad_request(
            _("Filename is too long: '{filename}'").format(filename=filename)
        ) from None


def _create_file(release, form, filename, path, content, metadata, actor) -> File:
    file = File.objects.create(
        release=release,
        filename=filename,
        path=path,
        packagetype=form.filetype,
        python_version=form.pyversion,
        requires_python=release.requires_python,
        comment_text=form.comment,
        size=content.size,
        md5_digest=content.md5,
        sha256_digest=content.sha256,
        blake2_256_digest=content.blake2_256,
        metadata_file_sha256_digest=hashlib.sha256(metadata).hexdigest() if metadata else "",
        metadata_file_blake2_256_digest=(
            hashlib.blake2b(metadata, digest_size=32).hexdigest() if metadata else ""
        ),
        metadata_file_size=len(metadata) if metadata is not None else 0,
        uploaded_via=actor.user_agent,
    )
    FilenameRegistry.objects.create(filename=filename)
    Project.objects.filter(pk=release.project_id).update(
        total_size=F("total_size") + file.size + file.metadata_file_size
    )
    return file
