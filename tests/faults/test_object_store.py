"""Files in a real S3 server (moto's server mode), with the storage settings
``pypi_site/settings/base.py`` builds for ``FILES_STORAGE=s3``: uploads land in the bucket,
downloads stream from it (``serve``) or redirect to it (``redirect``); with the store stopped an
upload is refused with a 503 that says nothing was stored and commits nothing, downloads answer
503 and the other pages keep working; with the store back, the same upload is accepted."""

from __future__ import annotations

import hashlib
import urllib.request

import boto3
import pytest

from packages.models import File, FilenameRegistry, JournalEntry, Project, Release
from tests import uploads
from tests.faults.servers import Server, production_settings
from tests.packages.upload.conftest import assert_error

pytestmark = pytest.mark.django_db

BUCKET = "pypi-files"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "fault-tests", "AWS_SECRET_ACCESS_KEY": "fault-tests-secret"}
REGION = "us-east-1"
IMMUTABLE = "public, max-age=31536000, immutable"
REFUSAL = "File storage is unavailable; nothing was stored. Please try again later."


def s3_client(server: Server):
    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{server.port}",
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def objects_in(server: Server) -> set[str]:
    answer = s3_client(server).list_objects_v2(Bucket=BUCKET)
    return {entry["Key"] for entry in answer.get("Contents", [])}


def use_s3(settings, tmp_path, server: Server, **env: str) -> None:
    built = production_settings(
        tmp_path,
        FILES_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{server.port}",
        AWS_S3_REGION_NAME=REGION,
        **CREDENTIALS,
        **env,
    )
    assert built["STORAGES"]["packages"]["BACKEND"] == "packages.storage.S3PackageStorage"
    settings.STORAGES = {**settings.STORAGES, "packages": built["STORAGES"]["packages"]}
    settings.FILES_SERVE_MODE = built["FILES_SERVE_MODE"]


@pytest.fixture
def bucket(s3_server: Server) -> Server:
    s3_client(s3_server).create_bucket(Bucket=BUCKET)
    return s3_server


def download(client, path: str) -> bytes:
    response = client.get(f"/packages/{path}")
    assert response.status_code == 200
    assert response["Cache-Control"] == IMMUTABLE
    assert response["Surrogate-Key"].startswith("files files/")
    body = b"".join(response.streaming_content)
    assert response["Content-Length"] == str(len(body))
    return body


def test_serve_mode_streams_the_files_from_the_bucket(client, settings, tmp_path, token, bucket):
    use_s3(settings, tmp_path, bucket, FILES_SERVE_MODE="serve")
    assert settings.FILES_SERVE_MODE == "serve"  # no longer turned into "redirect"
    upload = uploads.wheel_upload("sample", "1.0")

    assert upload.post(client, token).status_code == 200

    wheel = File.objects.get()
    assert objects_in(bucket) == {wheel.path, f"{wheel.path}.metadata"}
    assert download(client, wheel.path) == upload.files[0].content
    metadata = download(client, f"{wheel.path}.metadata")
    assert hashlib.sha256(metadata).hexdigest() == wheel.metadata_file_sha256_digest
    head = client.head(f"/packages/{wheel.path}")
    assert (head.status_code, head["Content-Length"]) == (200, str(wheel.size))


def test_redirect_mode_sends_clients_to_a_presigned_url_never_cached(
    client, settings, tmp_path, token, bucket
):
    use_s3(settings, tmp_path, bucket)
    assert settings.FILES_SERVE_MODE == "redirect"  # the default with S3
    upload = uploads.wheel_upload("sample", "1.0")
    assert upload.post(client, token).status_code == 200
    wheel = File.objects.get()

    response = client.get(f"/packages/{wheel.path}")

    assert response.status_code == 302
    # The URL expires in 5 minutes: neither a CDN nor a browser may keep the redirect.
    assert response["Cache-Control"] == "no-store"
    assert "X-Amz-Signature=" in response["Location"]
    with urllib.request.urlopen(response["Location"], timeout=10) as stored:
        assert stored.read() == upload.files[0].content


def test_redirect_to_a_public_bucket_is_immutable(client, settings, tmp_path, token, bucket):
    use_s3(settings, tmp_path, bucket, AWS_QUERYSTRING_AUTH="false")
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    wheel = File.objects.get()

    response = client.get(f"/packages/{wheel.path}")

    assert response.status_code == 302
    assert response["Cache-Control"] == IMMUTABLE
    assert response["Location"] == f"http://127.0.0.1:{bucket.port}/{BUCKET}/{wheel.path}"


def test_store_down_refuses_uploads_cleanly_and_downloads_with_503(
    client, settings, tmp_path, token, bucket
):
    use_s3(settings, tmp_path, bucket, FILES_SERVE_MODE="serve")
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    first = File.objects.get()
    rows = {
        model.__name__: model.objects.count()
        for model in (Project, Release, File, FilenameRegistry, JournalEntry)
    }
    new_project = uploads.wheel_upload("another", "1.0")
    new_release = uploads.wheel_upload("sample", "2.0")

    bucket.stop()
    for upload in (new_project, new_release):
        assert_error(upload.post(client, token), 503, REFUSAL)
    assert rows == {
        model.__name__: model.objects.count()
        for model in (Project, Release, File, FilenameRegistry, JournalEntry)
    }
    assert client.get(f"/packages/{first.path}").status_code == 503
    assert client.head(f"/packages/{first.path}").status_code == 503
    for page in ("/simple/sample/", "/pypi/sample/json", "/project/sample/", "/simple/"):
        assert client.get(page).status_code == 200, page

    bucket.start()  # empty, as moto keeps nothing: the operator's store would still hold it
    s3_client(bucket).create_bucket(Bucket=BUCKET)
    for upload in (new_project, new_release):
        assert upload.post(client, token).status_code == 200
    assert Project.objects.filter(name="another").exists()
    assert Release.objects.filter(project__name="sample", version="2.0").exists()
    added = File.objects.exclude(pk=first.pk)
    assert {f"{file.path}.metadata" for file in added} <= objects_in(bucket)
    for file in added:
        assert download(client, file.path)


def test_store_hanging_refuses_the_upload_within_its_timeouts(
    client, settings, tmp_path, token, bucket
):
    """A store that accepts connections and never answers: the read timeout (here 1 s, one
    attempt) bounds the wait, and the refusal is the same."""
    use_s3(settings, tmp_path, bucket, AWS_S3_READ_TIMEOUT="1", AWS_S3_MAX_ATTEMPTS="1")
    bucket.pause()
    try:
        assert_error(uploads.wheel_upload("sample", "1.0").post(client, token), 503, REFUSAL)
    finally:
        bucket.resume()
    assert not Project.objects.exists()
