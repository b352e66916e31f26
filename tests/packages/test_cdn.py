"""CDN purge on write, against a purge endpoint served on loopback: sent after commit off the
request (no broker: the process's background thread), kept in the outbox until the CDN took it,
with the purge API's credentials, within CDN_PURGE_TIMEOUT, following no redirect."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from packages import cdn
from packages.models import File, Project
from packages.services.events import Actor
from packages.services.releases import delete_file
from pypi_site.outbox import background
from pypi_site.outbox.models import Job
from tests import uploads
from tests.pypi_site.outbox.fake_cdn import FakeCdn

REPO = Path(__file__).resolve().parents[2]
PURGE = "packages.tasks.purge_cdn"


@pytest.fixture
def fake_cdn(settings):
    server = FakeCdn()
    settings.CDN_PURGE_URL = server.url
    settings.CDN_PURGE_TIMEOUT = 0.5
    yield server
    server.release()
    assert background.wait(30)
    server.stop()


def purges() -> list[Job]:
    return list(Job.objects.filter(name=PURGE))


def settled() -> None:
    """Wait until the background thread has delivered what the request left it."""
    assert background.wait(30)


@pytest.mark.django_db(transaction=True)
def test_upload_purges_the_project_keys_after_commit(client, publisher, token, fake_cdn):
    assert uploads.wheel_upload("Sample", "1.0").post(client, token).status_code == 200
    settled()
    [purge] = fake_cdn.received
    assert (purge.path, purge.keys) == ("/purge", "project/sample simple-index")
    assert purges() == []  # delivered, so gone from the outbox


@pytest.mark.django_db(transaction=True)
def test_deleting_a_file_also_purges_the_projects_cached_files(client, publisher, token, fake_cdn):
    assert uploads.wheel_upload("Sample", "1.0").post(client, token).status_code == 200
    assert uploads.sdist_upload("Sample", "1.0").post(client, token).status_code == 200
    settled()
    fake_cdn.received.clear()

    delete_file(File.objects.get(filename__endswith=".tar.gz"), actor=Actor(user=publisher))
    settled()

    [purge] = fake_cdn.received
    assert purge.keys == "project/sample simple-index files/sample"


def test_only_changes_that_take_files_away_purge_files():
    assert cdn.project_keys("sample", ["new release", "yank release"]) == [
        "project/sample",
        "simple-index",
    ]
    for action in ("remove file x.whl", "remove release", "remove project", "project quarantined"):
        assert cdn.project_keys("sample", ["new release", action])[-1] == "files/sample"


@pytest.mark.django_db(transaction=True)
def test_refused_upload_purges_nothing(client, publisher, token, fake_cdn):
    upload = uploads.wheel_upload("Sample", "1.0").set("sha256_digest", "0" * 64)
    assert upload.post(client, token).status_code == 400
    settled()
    assert fake_cdn.received == []
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_cdn_keeps_the_purge_until_it_answers(client, publisher, token, fake_cdn):
    fake_cdn.status = 503
    assert uploads.wheel_upload("Sample", "1.0").post(client, token).status_code == 200
    settled()
    assert Project.objects.filter(normalized_name="sample").exists()
    assert len(fake_cdn.received) == 1
    [job] = purges()
    assert job.attempts == 1
    assert job.last_error == "PurgeFailed: CDN purge failed (127.0.0.1: HTTP 503)"
    assert job.arguments == {"keys": ["project/sample", "simple-index"]}

    call_command("drain_outbox")  # not due yet: left alone
    assert len(fake_cdn.received) == 1

    fake_cdn.status = 200
    call_command("drain_outbox", "--all")
    [answered] = fake_cdn.wait_for(1, answered=True)
    assert answered.keys == "project/sample simple-index"
    assert purges() == []


@pytest.mark.django_db(transaction=True)
def test_a_cdn_that_is_down_does_not_fail_the_upload(client, publisher, token, fake_cdn):
    fake_cdn.down()
    assert uploads.wheel_upload("Sample", "1.0").post(client, token).status_code == 200
    settled()
    [job] = purges()
    assert "Connection refused" in job.last_error

    fake_cdn.up()
    call_command("drain_outbox", "--all")
    fake_cdn.wait_for(1, answered=True)
    assert purges() == []


@pytest.mark.django_db(transaction=True)
def test_a_hanging_cdn_does_not_hold_up_the_upload(client, publisher, token, fake_cdn):
    fake_cdn.hold()
    response = uploads.wheel_upload("Sample", "1.0").post(client, token)
    # The answer came while the CDN still holds the purge: it never answers until released.
    assert response.status_code == 200
    assert File.objects.filter(filename="sample-1.0-py3-none-any.whl").exists()
    fake_cdn.wait_for(1)  # the purge was attempted, off the request
    settled()  # given up after CDN_PURGE_TIMEOUT
    [job] = purges()
    assert "timed out" in job.last_error

    fake_cdn.release()
    call_command("drain_outbox", "--all")
    fake_cdn.wait_for(1, answered=True)
    assert purges() == []


@pytest.mark.django_db(transaction=True)
def test_the_next_purge_that_succeeds_delivers_the_ones_left_due(
    client, publisher, token, fake_cdn, settings
):
    settings.OUTBOX_RETRY_SECONDS = 0  # a failed purge is due again at once
    fake_cdn.status = 503
    assert uploads.wheel_upload("Sample", "1.0").post(client, token).status_code == 200
    settled()
    assert len(purges()) == 1

    fake_cdn.status = 200
    assert uploads.wheel_upload("Other", "1.0").post(client, token).status_code == 200
    settled()
    answered = sorted(p.keys for p in fake_cdn.wait_for(2, answered=True))
    assert answered == ["project/other simple-index", "project/sample simple-index"]
    assert purges() == []


# The client ---------------------------------------------------------------------------------


def test_the_auth_header_and_url_credentials_reach_the_cdn(fake_cdn, settings):
    settings.CDN_PURGE_URL = fake_cdn.url.replace("http://", "http://purger:p%40ss%3Aword@")
    settings.CDN_PURGE_AUTH_HEADER = "Fastly-Key: s3cr3t-token"
    cdn.purge(["project/sample"])
    [purge] = fake_cdn.received
    assert purge.path == "/purge"
    assert purge.headers["fastly-key"] == "s3cr3t-token"
    basic = base64.b64decode(purge.headers["authorization"].removeprefix("Basic ")).decode()
    assert basic == "purger:p@ss:word"
    assert purge.headers["surrogate-key"] == "project/sample"


def test_without_credentials_no_authorization_is_sent(fake_cdn):
    cdn.purge(["simple-index"])
    [purge] = fake_cdn.received
    assert "authorization" not in purge.headers


def test_credentials_never_reach_the_log_or_the_error(fake_cdn, settings, caplog):
    fake_cdn.down()
    settings.CDN_PURGE_URL = fake_cdn.url.replace("http://", "http://purger:hunter2@")
    settings.CDN_PURGE_AUTH_HEADER = "Fastly-Key: s3cr3t-token"
    with caplog.at_level(logging.DEBUG), pytest.raises(cdn.PurgeFailed) as failed:
        cdn.purge(["simple-index"])
    for secret in ("hunter2", "s3cr3t-token", "purger"):
        assert secret not in str(failed.value)
        assert secret not in caplog.text


def test_a_redirect_is_not_followed(fake_cdn, settings):
    elsewhere = FakeCdn()
    try:
        fake_cdn.status = 301
        fake_cdn.location = elsewhere.url
        settings.CDN_PURGE_AUTH_HEADER = "Fastly-Key: s3cr3t-token"
        with pytest.raises(cdn.PurgeFailed, match="redirects are not followed"):
            cdn.purge(["simple-index"])
        assert elsewhere.received == []
    finally:
        elsewhere.stop()


def test_a_hanging_cdn_is_given_up_after_the_timeout(fake_cdn):
    fake_cdn.hold()
    with pytest.raises(cdn.PurgeFailed, match="timed out"):
        cdn.purge(["simple-index"])


def test_without_a_purge_url_nothing_is_sent(settings):
    settings.CDN_PURGE_URL = ""
    cdn.purge(["simple-index"])  # returns, sending nothing


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CDN_PURGE_AUTH_HEADER", "s3cr3t-token", 'CDN_PURGE_AUTH_HEADER must read "Header'),
        ("CDN_PURGE_URL", "ftp://s3cr3t-token@cdn.example/purge", "must be an http:// or https"),
    ],
)
def test_a_malformed_setting_stops_start_up_without_showing_it(tmp_path, variable, value, message):
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "pypi_site.settings.base",
            "VAR_DIR": str(tmp_path),
            variable: value,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "s3cr3t-token" not in result.stderr + result.stdout
