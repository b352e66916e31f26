"""Creating a release from validated core metadata."""

from __future__ import annotations

from packaging.metadata import Metadata
from packaging.utils import canonicalize_version

from ..description import Rendered
from ..models import (
    Classifier,
    Dependency,
    DependencyKind,
    Description,
    Project,
    Release,
    ReleaseURL,
)
from ..versions import sort_key
from . import events
from .events import Actor

RELEASE_ADD = "project:release:add"


def find_release(project: Project, version: str) -> Release | None:
    """The release of ``project`` equal to ``version`` (1.0 and 1.0.0 are the same release)."""
    canonical = canonicalize_version(version)
    return Release.objects.filter(project=project, canonical_version=canonical).first()


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
        Dependency(release=release, kind=kind, specifier=str(spec))
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
    """Store a new release with its metadata, description, dependencies, URLs and classifiers."""
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
    events.record(project, RELEASE_ADD, actor, version=release.version)
    return release
