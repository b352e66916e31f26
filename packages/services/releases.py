"""Creating a release from validated core metadata."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from packaging.metadata import Metadata
from packaging.utils import canonicalize_version

from ..dependents import requirement_name
from ..description import Rendered
from ..models import (
    Classifier,
    Dependency,
    DependencyKind,
    Description,
    File,
    Project,
    ProjectEventTag,
    Release,
    ReleaseURL,
)
from ..versions import sort_key
from . import events, journal, notify
from .events import Actor
from .projects import check_deletion_allowed
from .refusals import Refused


def _text(value: object | None) -> str:
    return "" if value is None else str(value)


def _dependencies(release: Release, meta: Metadata) -> list[Dependency]:
    kinds = [
        (DependencyKind.REQUIRES_DIST, meta.requires_dist),
        (DependencyKind.PROVIDES_DIST, meta.provides_dist),
        (DependencyKind.OBSOLETES_DIST, meta.obsoletes_dist),
        (DependencyKind.REQUIRES_EXTERNAL, meta.requires_external),
        (DependencyKind.REQUIRES, getattr(meta, "requires", None)),
        (DependencyKind.PROVIDES, getattr(meta, "provides", None)),
        (DependencyKind.OBSOLETES, getattr(meta, "obsoletes", None)),
    ]
    return [
        Dependency(
            release=release,
            kind=kind,
            specifier=str(spec),
            name=requirement_name(str(spec)),
        )
        for kind, specs in kinds
        for spec in specs or ()
    ]


def _classifiers(names: list[str]) -> list[Classifier]:
    if not names:
        return []
    Classifier.objects.bulk_create([Classifier(classifier=c) for c in names], ignore_conflicts=True)
    return list(Classifier.objects.filter(classifier__in=names))


def create_release(
    project: Project, meta: Metadata, description: Rendered, *, actor: Actor
) -> Release:
    """Store a new release with its metadata, description, dependencies, URLs and classifiers;
    journal ``new release``. Call it inside the upload's transaction."""
    version = meta.version
    release = Release.objects.create(
        project=project,
        version=str(version),
        canonical_version=canonicalize_version(version),
        sort_key=sort_key(version),
        is_prerelease=version.is_prerelease,
        metadata_version=_text(meta.metadata_version),
        summary=_text(meta.summary),
        keywords=",".join(meta.keywords or []),
        author=_text(meta.author),
        author_email=_text(meta.author_email),
        maintainer=_text(meta.maintainer),
        maintainer_email=_text(meta.maintainer_email),
        license=_text(meta.license),
        license_expression=_text(meta.license_expression),
        license_files=[str(f) for f in meta.license_files or []],
        home_page=_text(meta.home_page),
        download_url=_text(meta.download_url),
        requires_python=_text(meta.requires_python),
        platform=(meta.platforms or [""])[0],
        provides_extra=[str(e) for e in meta.provides_extra or []],
        dynamic=list(meta.dynamic or []),
        uploader=actor.user,
        uploaded_via=actor.user_agent,
    )
    Description.objects.create(
        release=release,
        raw=meta.description or "",
        content_type=description.content_type,
        html=description.html,
        rendered_by=description.rendered_by,
    )
    Dependency.objects.bulk_create(_dependencies(release, meta))
    ReleaseURL.objects.bulk_create(
        ReleaseURL(release=release, name=label, url=url)
        for label, url in (meta.project_urls or {}).items()
    )
    release.classifiers.set(_classifiers(list(meta.classifiers or [])))
    events.record(project, ProjectEventTag.RELEASE_ADD, actor, version=release.version)
    journal.record(project, journal.Entry("new release", release.version), by=actor.user)
    return release


@transaction.atomic
def yank_release(release: Release, *, actor: Actor, reason: str = "") -> None:
    """PEP 592: installers skip the release unless it is pinned; the reason is shown to them."""
    if Release.objects.filter(pk=release.pk, yanked=True).exists():
        raise Refused(
            409, _("Release {version} is already yanked.").format(version=release.version)
        )
    release.yanked = True
    release.yanked_reason = reason
    release.yanked_date = timezone.now()
    release.save(update_fields=["yanked", "yanked_reason", "yanked_date"])
    events.record(
        release.project, ProjectEventTag.RELEASE_YANK, actor, version=release.version, reason=reason
    )
    journal.record(release.project, journal.Entry("yank release", release.version), by=actor.user)
    project = release.project
    notify.send(
        notify.collaborators(project),
        "yanked-project-release",
        project.name,
        actor,
        version=release.version,
        yanked_reason=reason,
    )


@transaction.atomic
def unyank_release(release: Release, *, actor: Actor) -> None:
    if not Release.objects.filter(pk=release.pk, yanked=True).exists():
        raise Refused(409, _("Release {version} is not yanked.").format(version=release.version))
    release.yanked = False
    release.yanked_reason = ""
    release.yanked_date = None
    release.save(update_fields=["yanked", "yanked_reason", "yanked_date"])
    events.record(release.project, ProjectEventTag.RELEASE_UNYANK, actor, version=release.version)
    journal.record(release.project, journal.Entry("unyank release", release.version), by=actor.user)
    project = release.project
    notify.send(
        notify.collaborators(project),
        "unyanked-project-release",
        project.name,
        actor,
        version=release.version,
    )


@transaction.atomic
def delete_release(release: Release, *, actor: Actor) -> None:
    """Delete the release and its files; their filenames stay reserved forever."""
    check_deletion_allowed()
    project = release.project
    size = release.files.aggregate(total=Sum(F("size") + F("metadata_file_size")))["total"] or 0
    Project.objects.filter(pk=project.pk).update(total_size=F("total_size") - size)
    release.delete()
    events.record(project, ProjectEventTag.RELEASE_REMOVE, actor, version=release.version)
    journal.record(project, journal.Entry("remove release", release.version), by=actor.user)
    notify.send(
        notify.collaborators(project),
        "removed-project-release",
        project.name,
        actor,
        version=release.version,
    )


@transaction.atomic
def delete_file(file: File, *, actor: Actor) -> None:
    """Delete one file of a release; its filename stays reserved forever.

    The stored object stays in storage (as on the public index).
    """
    check_deletion_allowed()
    release = file.release
    project = release.project
    size = file.size + file.metadata_file_size
    Project.objects.filter(pk=project.pk).update(total_size=F("total_size") - size)
    file.delete()
    events.record(
        project,
        ProjectEventTag.FILE_REMOVE,
        actor,
        filename=file.filename,
        version=release.version,
    )
    journal.record(
        project, journal.Entry(f"remove file {file.filename}", release.version), by=actor.user
    )
    notify.send(
        notify.collaborators(project),
        "removed-project-release-file",
        project.name,
        actor,
        version=release.version,
        filename=file.filename,
    )
