"""An upload whose transaction committed keeps its file, whatever raises after the commit.

``on_commit`` callbacks run inside the upload's ``atomic()`` exit: one that raises (the
broker's enqueue did, before the outbox) used to make the upload remove the blobs of a file
whose row had just committed, answer 500, and leave a release with a row but no file. Here a
receiver of the file's ``post_save`` registers such a callback for real."""

from __future__ import annotations

import hashlib

import pytest
from django.db import transaction
from django.db.models.signals import post_save
from django.test import Client

from packages.models import File
from packages.storage import file_path, package_storage
from tests import uploads


class AfterCommitFailure(Exception):
    pass


@pytest.fixture
def failing_after_commit():
    def register(sender, instance, created, **kwargs):
        def fail() -> None:
            raise AfterCommitFailure("something after the commit failed")

        transaction.on_commit(fail)  # not robust: it raises out of the commit

    post_save.connect(register, sender=File, weak=False)
    yield
    post_save.disconnect(register, sender=File)


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_commit_keeps_the_file_and_answers_200(
    client, publisher, token, failing_after_commit, caplog
):
    response = uploads.wheel_upload("Sample", "1.0").post(client, token)
    assert response.status_code == 200
    file = File.objects.get()
    storage = package_storage()
    assert storage.exists(file.path)
    assert storage.exists(file.path + ".metadata")
    download = client.get(f"/packages/{file.path}")
    assert download.status_code == 200
    with storage.open(file.path) as stored:
        assert b"".join(download.streaming_content) == stored.read()
    download.close()
    assert "Upload of Sample committed; a step after the commit failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_failure_before_commit_still_removes_what_was_stored(publisher, token):
    def refuse(sender, instance, created, **kwargs):
        raise AfterCommitFailure("the database refused the row")

    upload = uploads.wheel_upload("Refused", "1.0")
    [part] = upload.files
    path = file_path(hashlib.blake2b(part.content, digest_size=32).hexdigest(), part.filename)
    post_save.connect(refuse, sender=File, weak=False)
    try:
        response = upload.post(Client(raise_request_exception=False), token)
    finally:
        post_save.disconnect(refuse, sender=File)
    assert response.status_code == 500
    assert not File.objects.exists()
    assert not package_storage().exists(path)
    assert not package_storage().exists(path + ".metadata")
