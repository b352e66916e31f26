"""CDN purge on write, against a purge endpoint served on loopback."""

from __future__ import annotations

import pytest

from packages.models import Project
from tests import uploads


@pytest.mark.django_db(transaction=True)
def test_upload_purges_the_project_keys_after_commit(client, publisher, token, purge_server):
    assert uploads.wheel_upload("Sample", "1.0").post(client, token).status_code == 200
    assert purge_server.received == [("/purge", "project/sample simple-index")]


@pytest.mark.django_db(transaction=True)
def test_refused_upload_purges_nothing(client, publisher, token, purge_server):
    upload = uploads.wheel_upload("Sample", "1.0").set("sha256_digest", "0" * 64)
    assert upload.post(client, token).status_code == 400
    assert purge_server.received == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_cdn_does_not_fail_the_upload(client, publisher, token, purge_server):
    purge_server.status = 503
    assert uploads.wheel_upload("Sample", "1.0").post(client, token).status_code == 200
    assert Project.objects.filter(normalized_name="sample").exists()
    assert len(purge_server.received) == 1
