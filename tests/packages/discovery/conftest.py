"""Helpers for the visitor pages' tests: a listed project in one call, and a page's HTML."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from packages.models import Project, RoleName
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def make_project(db: None) -> Callable[..., Project]:
    """A project with one release and one file of ``size`` bytes (``total_size`` kept in
    step, as the upload does), optionally with ``owner``."""

    def make(
        name: str,
        *,
        version: str = "1.0",
        size: int = 1024,
        summary: str = "A project for tests",
        owner: User | None = None,
        **project: object,
    ) -> Project:
        project_row = ProjectFactory(name=name, total_size=size, **project)
        release = ReleaseFactory(project=project_row, version=version, summary=summary)
        FileFactory(release=release, size=size)
        if owner is not None:
            RoleFactory(user=owner, project=project_row, role_name=RoleName.OWNER)
        return project_row

    return make
