"""Fixtures for the upload endpoint's check-by-check tests (test_checks_*.py).

``refused`` posts an upload that must fail and proves the failure left nothing behind: the
rows an upload writes and the objects in package storage are exactly as they were before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from accounts.models import User
from moderation.models import AdminFlag
from packages.models import (
    Classifier,
    Dependency,
    Description,
    File,
    FilenameRegistry,
    JournalEntry,
    Project,
    ProjectEvent,
    Release,
    ReleaseURL,
    Role,
)
from tests import uploads
from tests.uploads import Upload

# Every table an upload writes to. Whole rows are compared, so an update that outlives a
# refused upload (a re-cased project name, a grown total_size) shows up too.
UPLOAD_TABLES = (
    Project,
    Release,
    Description,
    Dependency,
    ReleaseURL,
    Classifier,
    File,
    FilenameRegistry,
    JournalEntry,
    Role,
    ProjectEvent,
)

Snapshot = tuple[dict[str, list[dict[str, Any]]], frozenset[str]]


def stored_files() -> frozenset[str]:
    """Every object under the package storage root, as a path relative to it."""
    root = Path(settings.FILES_ROOT)
    return frozenset(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def snapshot() -> Snapshot:
    """The rows of every table an upload writes, and the stored objects."""
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in UPLOAD_TABLES}
    return rows, stored_files()


def assert_error(response: HttpResponse, status: int, message: str) -> None:
    """The response is ``status`` with ``message`` as the body and as the reason phrase."""
    assert (response.status_code, response.content.decode()) == (status, message)
    assert response.reason_phrase == message


@pytest.fixture
def refused(client: Client) -> Callable[..., HttpResponse]:
    """Post ``upload``; assert it answers ``status`` and ``message`` and changed nothing.

    ``refused(upload, token, status, message, **headers)``; ``token=None`` sends no
    credentials (pass ``HTTP_AUTHORIZATION`` among the headers to send other ones).
    """

    def post(
        upload: Upload, token: str | None, status: int, message: str, **headers: str
    ) -> HttpResponse:
        before = snapshot()
        response = upload.post(client, token, **headers)
        assert_error(response, status, message)
        after = snapshot()
        assert after[0] == before[0]
        assert after[1] == before[1]
        return response

    return post


@pytest.fixture
def owned(client: Client, publisher: User, token: str) -> Project:
    """Project "sample" with release 1.0 holding the default wheel, all uploaded by alice."""
    response = uploads.wheel_upload("sample", "1.0").post(client, token)
    assert response.status_code == 200, response.content
    return Project.objects.get()


@pytest.fixture
def switch_on(db: None) -> Callable[[str], None]:
    """Turn on an administrator's switch (``read-only``, ``disallow-new-upload``, ...)."""

    def turn_on(flag_id: str) -> None:
        AdminFlag.objects.update_or_create(
            id=flag_id, defaults={"enabled": True, "description": flag_id}
        )

    return turn_on
