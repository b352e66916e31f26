"""Housekeeping and trusted publishing: the CI tokens' ``jti`` are forgotten once the tokens
have expired, and the publishers' upload tokens are deleted a day after they expired; users'
API tokens are never touched. (The pending publishers' expiry is tested with their services.)
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from packages import housekeeping
from packages.models import UsedJti
from packages.oidc import replay
from packages.oidc.minting import mint
from packages.services import publishers
from packages.services.events import Actor
from tests import uploads
from tests.packages.factories import ProjectFactory

pytestmark = pytest.mark.django_db

GITHUB = {"repository_owner": "octo", "repository_name": "widgets", "workflow_filename": "ci.yml"}
CLAIMS = {
    "repository": "octo/widgets",
    "repository_owner": "octo",
    "repository_owner_id": "1",
    "job_workflow_ref": "octo/widgets/.github/workflows/ci.yml@refs/heads/main",
    "ref": "refs/heads/main",
    "sha": "0" * 40,
    "jti": "run",
}


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path: Path) -> None:
    """Housekeeping walks package storage and the upload spool: this test's own, empty ones."""
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    (tmp_path / "spool").mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")


def publisher_token(project_name: str = "sample") -> tuple[str, ApiToken]:
    project = ProjectFactory(name=project_name)
    publisher = publishers.add_publisher(project, "github", GITHUB, actor=Actor(user=None))
    before = list(ApiToken.objects.values_list("pk", flat=True))
    token, _expires = mint(publisher, CLAIMS, actor=Actor(user=None))
    return token, ApiToken.objects.exclude(pk__in=before).get()


def expired_ago(row: ApiToken, delta: timedelta) -> None:
    ApiToken.objects.filter(pk=row.pk).update(expires=timezone.now() - delta)


def test_used_jtis_are_forgotten_once_their_tokens_expired():
    now = timezone.now()
    assert replay.claim("github:old", now - timedelta(minutes=10))
    assert replay.claim("github:current", now + timedelta(minutes=5))

    dry = housekeeping.run(dry_run=True)
    assert dry.used_jtis_purged == 1
    assert UsedJti.objects.count() == 2

    report = housekeeping.run()

    assert report.used_jtis_purged == 1
    assert list(UsedJti.objects.values_list("jti", flat=True)) == ["github:current"]
    assert not replay.claim("github:current", now + timedelta(minutes=5))  # still a replay


def test_publisher_tokens_go_a_day_after_they_expired(publisher, make_token):
    _, old = publisher_token("old")
    _, recent = publisher_token("recent")
    _, live = publisher_token("live")
    expired_ago(old, timedelta(days=1, minutes=1))
    expired_ago(recent, timedelta(hours=23))
    user_token = make_token(publisher, description="expired user token")
    ApiToken.objects.filter(user=publisher).update(expires=timezone.now() - timedelta(days=30))

    dry = housekeeping.run(dry_run=True)
    assert dry.publisher_tokens_deleted == 1
    assert ApiToken.objects.filter(pk=old.pk).exists()

    report = housekeeping.run()

    assert report.publisher_tokens_deleted == 1
    remaining = set(ApiToken.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert {recent.pk, live.pk} <= remaining
    assert ApiToken.objects.filter(user=publisher).count() == 1  # users' tokens stay
    assert user_token


def test_a_deleted_token_no_longer_uploads_and_a_live_one_still_does(client):
    old_token, old = publisher_token("old")
    live_token, _live = publisher_token("live")
    expired_ago(old, timedelta(days=2))

    housekeeping.run()

    refused = uploads.wheel_upload("old", "1.0").post(client, old_token)
    assert refused.status_code == 403
    accepted = uploads.wheel_upload("live", "1.0").post(client, live_token)
    assert accepted.status_code == 200
