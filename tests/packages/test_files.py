"""``/packages/<path>``: distribution files and PEP 658 ``.metadata`` sidecars."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from packages.models import File, LifecycleStatus, Project
from packages.storage import file_path, package_storage
from tests import uploads
from tests.packages.factories import FileFactory

pytestmark = [
    pytest.mark.django_db,
]

IMMUTABLE = "public, max-age=31536000, immutable"


def served(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def wheel_metadata(wheel: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return archive.read(name)


@pytest.fixture
def uploaded(client, token) -> tuple[File, bytes, File, bytes]:
    """sample 1.0: the wheel's row and bytes, then the sdist's."""
    wheel = uploads.wheel_upload("sample", "1.0")
    sdist = uploads.sdist_upload("sample", "1.0")
    for upload in (wheel, sdist):
        assert upload.post(client, token).status_code == 200
    return (
        File.objects.get(packagetype="bdist_wheel"),
        wheel.files[0].content,
        File.objects.get(packagetype="sdist"),
        sdist.files[0].content,
    )


def test_served_bytes_equal_the_uploaded_ones(client, uploaded):
    wheel, wheel_bytes, sdist, sdist_bytes = uploaded

    for file, content in ((wheel, wheel_bytes), (sdist, sdist_bytes)):
        digest = hashlib.blake2b(content, digest_size=32).hexdigest()
        assert file.path == f"{digest[:2]}/{digest[2:4]}/{digest[4:]}/{file.filename}"
        response = client.get(f"/packages/{file.path}")
        assert served(response) == content
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Cache-Control"] == IMMUTABLE
        # Immutable files are not purged with their project's pages (project/<name>).
        assert response["Surrogate-Key"] == "files files/sample"


def test_wheel_metadata_sidecar(client, uploaded):
    wheel, wheel_bytes, *_ = uploaded

    response = client.get(f"/packages/{wheel.path}.metadata")

    content = served(response)
    assert content == wheel_metadata(wheel_bytes)
    assert hashlib.sha256(content).hexdigest() == wheel.metadata_file_sha256_digest
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == IMMUTABLE


def test_sdist_has_no_metadata_sidecar(client, uploaded):
    *_, sdist, _ = uploaded

    assert client.get(f"/packages/{sdist.path}.metadata").status_code == 404


def test_head_answers_without_a_body(client, uploaded):
    wheel, wheel_bytes, *_ = uploaded

    response = client.head(f"/packages/{wheel.path}")

    assert response.status_code == 200
    assert response.content == b""  # the object is not even read: its size is enough
    assert response["Content-Length"] == str(len(wheel_bytes))
    assert response["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize(
    "path",
    [
        file_path("ab" * 32, "sample-1.0-py3-none-any.whl"),
        file_path("ab" * 32, "sample-1.0-py3-none-any.whl") + ".metadata",
        "ab/cd/ef/sample-1.0-py3-none-any.whl",
        "../../etc/passwd",
    ],
    ids=["unknown-file", "unknown-metadata", "malformed", "traversal"],
)
def test_unknown_paths_are_404(client, uploaded, path):
    assert client.get(f"/packages/{path}").status_code == 404


def test_stored_but_unknown_object_is_404(client, uploaded):
    """Only files the index knows are served, whatever sits in storage."""
    wheel, *_ = uploaded
    stray = file_path("cd" * 32, "stray-1.0.tar.gz")
    package_storage().save(stray, io.BytesIO(b"stray"))

    assert client.get(f"/packages/{stray}").status_code == 404
    assert served(client.get(f"/packages/{wheel.path}"))


def test_quarantined_project_files_are_404(client, uploaded):
    wheel, _, sdist, _ = uploaded
    Project.objects.update(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    for path in (wheel.path, f"{wheel.path}.metadata", sdist.path):
        assert client.get(f"/packages/{path}").status_code == 404


def test_post_is_not_allowed(client, uploaded):
    wheel, *_ = uploaded

    assert client.post(f"/packages/{wheel.path}").status_code == 405


@pytest.mark.parametrize("suffix", ["", ".metadata"], ids=["file", "metadata"])
def test_accel_mode_hands_the_file_to_nginx(client, settings, suffix):
    settings.FILES_SERVE_MODE = "accel"
    settings.FILES_ACCEL_PREFIX = "/protected-files/"
    file = FileFactory(metadata_file_sha256_digest="a" * 64)

    response = client.get(f"/packages/{file.path}{suffix}")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-files/{file.path}{suffix}"
    assert response.content == b""
    assert response["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize("suffix", ["", ".metadata"], ids=["file", "metadata"])
def test_redirect_mode_sends_clients_to_storage(client, settings, suffix):
    settings.FILES_SERVE_MODE = "redirect"
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": "/nonexistent", "base_url": "https://files.example.test/"},
        },
    }
    file = FileFactory(metadata_file_sha256_digest="a" * 64)

    response = client.get(f"/packages/{file.path}{suffix}")

    assert response.status_code == 302
    assert response["Location"] == f"https://files.example.test/{file.path}{suffix}"
    # A URL that never expires: the redirect is as immutable as the file.
    assert response["Cache-Control"] == IMMUTABLE
    assert response["Surrogate-Key"] == f"files files/{file.release.project.normalized_name}"


@pytest.mark.parametrize("mode", ["accel", "redirect"])
def test_other_modes_still_refuse_unknown_files(client, settings, mode):
    settings.FILES_SERVE_MODE = mode
    file = FileFactory(release__project__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    assert client.get(f"/packages/{file.path}").status_code == 404
    assert client.get(f"/packages/{file_path('ab' * 32, 'x-1.0.tar.gz')}").status_code == 404


def unreachable_storage(settings, tmp_path) -> None:
    """Package storage under a path that runs through a regular file: every read and write
    fails with NotADirectoryError, as a disk that is gone or unmounted would fail."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "files")},
        },
    }


@pytest.mark.parametrize("method", ["get", "head"])
def test_unavailable_storage_answers_503_not_500(client, settings, tmp_path, uploaded, method):
    wheel, *_ = uploaded
    unreachable_storage(settings, tmp_path)

    response = getattr(client, method)(f"/packages/{wheel.path}")

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    if method == "get":
        assert response.content.decode() == "File storage is unavailable. Please try again later."


def test_a_known_file_missing_from_storage_is_404(client, uploaded):
    wheel, *_ = uploaded
    package_storage().delete(wheel.path)

    assert client.get(f"/packages/{wheel.path}").status_code == 404
