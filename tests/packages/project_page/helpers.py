"""Building projects for the project page tests, and reading the page."""

from __future__ import annotations

from typing import cast

from bs4 import BeautifulSoup
from django.test import Client

from packages.dependents import requirement_name
from packages.models import DependencyKind, LifecycleStatus, Project, Release
from tests.packages.factories import ProjectFactory, ReleaseFactory


def get(client: Client, url: str) -> BeautifulSoup:
    """The page at ``url`` (which must answer 200), parsed."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return BeautifulSoup(response.content.decode(), "html.parser")


def text(node: object) -> str:
    """The node's text with runs of white space as one space."""
    return " ".join(node.get_text(" ").split()) if node is not None else ""  # type: ignore[attr-defined]


def release(
    project: Project | str,
    version: str,
    *,
    requires: tuple[str, ...] = (),
    yanked: bool = False,
    quarantined: bool = False,
    **fields: object,
) -> Release:
    """A release of ``project`` (a name creates the project) whose metadata requires
    ``requires``, named as the upload names them."""
    if isinstance(project, str):
        project = Project.objects.filter(name=project).first() or cast(
            Project, ProjectFactory(name=project)
        )
    made = cast(
        Release,
        ReleaseFactory(
            project=project,
            version=version,
            yanked=yanked,
            lifecycle_status=(
                LifecycleStatus.QUARANTINE_ENTER if quarantined else LifecycleStatus.ACTIVE
            ),
            **fields,
        ),
    )
    for specifier in requires:
        made.dependencies.create(
            kind=DependencyKind.REQUIRES_DIST,
            specifier=specifier,
            name=requirement_name(specifier),
        )
    return made
