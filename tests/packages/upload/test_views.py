"""The upload endpoint end to end through HTTP: the happy paths and what they leave behind."""

from __future__ import annotations

import hashlib

import pytest

from packages.models import File, FilenameRegistry, JournalEntry, Project, Release, Role
from packages.storage import package_storage
from tests import uploads

pytestmark = pytest.mark.django_db


def read_stored(path: str) -> bytes:
    with package_storage().open(path) as f:
        return f.read()


def test_wheel_upload_creates_project_release_file(client, publisher, token):
    upload = uploads.wheel_upload("Sample-Pkg", "1.0", metadata={"requires_python": ">=3.9"})
    response = upload.post(client, token, HTTP_USER_AGENT="twine/6.0")
    assert response.status_code == 200, response.content
    project = Project.objects.get()
    assert (project.name, project.normalized_name) == ("Sample-Pkg", "sample-pkg")
    assert Role.objects.get().user == publisher
    release = Release.objects.get()
    assert release.version == "1.0"
    assert release.uploaded_via == "twine/6.0"
    file = File.objects.get()
    content = upload.files[0].content
    assert file.sha256_digest == hashlib.sha256(content).hexdigest()
    assert file.requires_python == ">=3.9"
    assert read_stored(file.path) == content
    metadata = read_stored(file.metadata_path)
    assert hashlib.sha256(metadata).hexdigest() == file.metadata_file_sha256_digest
    assert file.metadata_file_size == len(metadata)
    assert Project.objects.get().total_size == len(content) + len(metadata)
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    actions = list(JournalEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "create",
        "add Owner alice",
        "new release",
        f"add py3 file {file.filename}",
    ]
    assert Project.objects.get().last_serial == JournalEntry.objects.latest("id").id


def test_sdist_and_wheel_share_a_release(client, publisher, token):
    assert uploads.sdist_upload("sample", "1.0").post(client, token).status_code == 200
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    assert Release.objects.count() == 1
    assert sorted(File.objects.values_list("packagetype", flat=True)) == ["bdist_wheel", "sdist"]
    sdist = File.objects.get(packagetype="sdist")
    assert sdist.python_version == "source"
    assert sdist.metadata_file_sha256_digest == ""


def test_identical_reupload_answers_200_and_changes_nothing(client, publisher, token):
    upload = uploads.wheel_upload("sample", "1.0")
    assert upload.post(client, token).status_code == 200
    serial = Project.objects.get().last_serial
    response = upload.post(client, token)
    assert response.status_code == 200
    assert File.objects.count() == 1
    assert Project.objects.get().last_serial == serial


def test_token_last_used_is_recorded(client, publisher, token):
    assert uploads.wheel_upload().post(client, token).status_code == 200
    assert publisher.api_tokens.get().last_used is not None
