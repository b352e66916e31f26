"""Checks 17-44 of docs/upload.md through HTTP: the file's name, type, size, digests,
uniqueness, release and contents, and the per-file and per-project size limits.

One representative case per check: the archive, filename and platform modules have their own
unit tests for the many ways a file can be malformed.
"""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from help.links import help_url
from packages.models import File, FilenameRegistry, Project, Release
from packages.services.events import Actor
from packages.services.releases import delete_file, delete_release
from tests import distributions, uploads
from tests.packages.upload.conftest import snapshot, stored_files

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
GIB = 1024 * MIB
WHEEL = "sample-1.0-py3-none-any.whl"
SDIST = "sample-1.0.tar.gz"


def blake2(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=32).hexdigest()


def wheel_of_size(size: int, version: str = "1.0") -> uploads.Upload:
    """A valid wheel of "sample" a little over ``size`` bytes (its payload doesn't compress)."""
    payload = random.Random(size).randbytes(size)
    return uploads.wheel_upload("sample", version, extra_files={"sample/blob.bin": payload})


def file_too_large(limit_mib: int) -> str:
    return (
        f"File too large. Limit for project 'sample' is {limit_mib} MB. "
        f"See {help_url('file-size-limit')} for more information."
    )


def project_too_large(limit_gib: int) -> str:
    return (
        f"Project size too large. Limit for project 'sample' total size is {limit_gib} GB. "
        f"See {help_url('project-size-limit')}"
    )


def file_exists(filename: str, content: bytes) -> str:
    return (
        f"File already exists ('{filename}', with blake2_256 hash '{blake2(content)}'). "
        f"See {help_url('file-name-reuse')} for more information."
    )


def renamed(upload: uploads.Upload, filename: str) -> uploads.Upload:
    upload.files[0].filename = filename
    return upload


def metadata_size(upload: uploads.Upload) -> int:
    """The size of the wheel's METADATA: what its ``.metadata`` file adds to the project."""
    with zipfile.ZipFile(io.BytesIO(upload.files[0].content)) as zf:
        (name,) = (n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return zf.getinfo(name).file_size


# Checks 17-21: the filename and the part's type -------------------------------------------------


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x1f", "\x7f"], ids=["1", "27", "31", "127"])
def test_non_printable_characters_in_filename(refused, token, char):
    message = (
        "Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL "
        "character (ordinal 127) in the name."
    )
    refused(
        renamed(uploads.wheel_upload(), f"sample{char}-1.0-py3-none-any.whl"), token, 400, message
    )


@pytest.mark.parametrize(
    "filename",
    [f"dist/{WHEEL}", f"../{WHEEL}", f"dist\\{WHEEL}"],
    ids=["slash", "dotdot", "backslash"],
)
def test_path_separators_in_filename(refused, token, filename):
    message = "Cannot upload a file with '/' or '\\' in the name."
    refused(renamed(uploads.wheel_upload(), filename), token, 400, message)


@pytest.mark.parametrize("filename", ["sample-1.0.exe", "sample-1.0.tar.bz2", "sample-1.0.egg"])
def test_unknown_extension(refused, token, filename):
    message = (
        "Invalid file extension: Use .tar.gz, .whl or .zip extension. "
        "See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ "
        "for more information"
    )
    refused(renamed(uploads.wheel_upload(), filename), token, 400, message)


@pytest.mark.parametrize(
    ("filename", "filetype", "extension"),
    [
        (WHEEL, "sdist", ".whl"),
        (SDIST, "bdist_wheel", ".tar.gz"),
        ("sample-1.0-py3-none-any.WHL", "bdist_wheel", ".WHL"),
    ],
    ids=["wheel-as-sdist", "sdist-as-wheel", "upper-case"],
)
def test_extension_must_fit_the_filetype(refused, token, filename, filetype, extension):
    upload = renamed(uploads.wheel_upload(), filename).set("filetype", filetype)
    upload.set("pyversion", "source" if filetype == "sdist" else "py3")
    message = (
        f"Invalid file extension: Extension {extension} is invalid for filetype {filetype}. "
        "See https://www.python.org/dev/peps/pep-0527 for more information."
    )
    refused(upload, token, 400, message)


@pytest.mark.parametrize("content_type", ["image/png", "image/svg+xml"], ids=["png", "svg"])
def test_content_part_type(refused, token, content_type):
    upload = uploads.wheel_upload()
    upload.files[0].content_type = content_type
    refused(upload, token, 400, "Invalid distribution file.")


@pytest.mark.parametrize("content_type", [None, "text/plain"], ids=["none", "text"])
def test_content_part_without_an_image_type_is_accepted(client, token, content_type):
    """uv sends the file part with no Content-Type; Warehouse reads that as text/plain."""
    upload = uploads.wheel_upload()
    upload.files[0].content_type = content_type
    assert upload.post(client, token).status_code == 200


# Checks 22 and 23: size limits -----------------------------------------------------------------


def test_default_limits_are_warehouses(settings):
    """100 MiB per file, 10 GiB per project, and no project raised past 1 GiB per file."""
    assert (settings.UPLOAD_MAX_FILE_SIZE, settings.UPLOAD_MAX_PROJECT_SIZE) == (
        100 * MIB,
        10 * GIB,
    )
    assert settings.UPLOAD_LIMIT_CAP == GIB


def test_file_larger_than_the_limit(refused, settings, token):
    settings.UPLOAD_MAX_FILE_SIZE = MIB
    refused(wheel_of_size(MIB), token, 400, file_too_large(1))


def test_file_exactly_at_the_limit_is_accepted(client, settings, publisher, token):
    upload = uploads.wheel_upload()
    settings.UPLOAD_MAX_FILE_SIZE = len(upload.files[0].content)
    assert upload.post(client, token).status_code == 200


def test_project_file_limit_raises_the_site_limit(client, refused, settings, owned, token):
    settings.UPLOAD_MAX_FILE_SIZE = MIB
    owned.upload_limit = 2 * MIB
    owned.save()
    assert wheel_of_size(MIB, "2.0").post(client, token).status_code == 200
    refused(wheel_of_size(2 * MIB, "3.0"), token, 400, file_too_large(2))


def test_project_file_limit_never_lowers_the_site_limit(client, settings, owned, token):
    settings.UPLOAD_MAX_FILE_SIZE = 2 * MIB
    owned.upload_limit = MIB
    owned.save()
    assert wheel_of_size(MIB, "2.0").post(client, token).status_code == 200


@pytest.mark.parametrize("project_limit", [None, 4 * MIB], ids=["site-limit", "project-limit"])
def test_file_beyond_the_cap(refused, settings, owned, token, project_limit):
    """Past UPLOAD_LIMIT_CAP the body is no longer kept; the message names the limit applied."""
    settings.UPLOAD_MAX_FILE_SIZE = MIB
    settings.UPLOAD_LIMIT_CAP = 2 * MIB
    owned.upload_limit = project_limit
    owned.save()
    refused(
        wheel_of_size(3 * MIB, "2.0"), token, 400, file_too_large(1 if project_limit is None else 2)
    )


def test_project_larger_than_its_limit(client, refused, settings, owned, token):
    upload = uploads.wheel_upload("sample", "2.0")
    size = len(upload.files[0].content) + metadata_size(upload)
    Project.objects.update(total_size=settings.UPLOAD_MAX_PROJECT_SIZE - size + 1)
    refused(upload, token, 400, project_too_large(10))
    Project.objects.update(total_size=settings.UPLOAD_MAX_PROJECT_SIZE - size)
    assert upload.post(client, token).status_code == 200
    assert Project.objects.get().total_size == settings.UPLOAD_MAX_PROJECT_SIZE


def test_project_size_counts_the_wheels_metadata_file(refused, settings, owned, token):
    """Check 43c: the file alone fits (check 23 passes), the file and its .metadata don't."""
    upload = uploads.wheel_upload("sample", "2.0", metadata={"description": "x" * 5000})
    file_size = len(upload.files[0].content)
    assert metadata_size(upload) > file_size  # METADATA compresses well
    Project.objects.update(total_size=settings.UPLOAD_MAX_PROJECT_SIZE - file_size)
    refused(upload, token, 400, project_too_large(10))


def test_project_total_counts_metadata_files_and_deletions_remove_them(client, owned, token, staff):
    """The stored .metadata is part of the project's size, and leaves it with its file."""
    first = File.objects.get()
    assert first.metadata_file_size == metadata_size(uploads.wheel_upload("sample", "1.0")) > 0
    assert Project.objects.get().total_size == first.size + first.metadata_file_size
    second = uploads.wheel_upload("sample", "2.0", metadata={"description": "y" * 3000})
    assert second.post(client, token).status_code == 200
    sdist = uploads.sdist_upload("sample", "2.0")
    assert sdist.post(client, token).status_code == 200
    assert File.objects.get(packagetype="sdist").metadata_file_size == 0
    expected = sum(f.size + f.metadata_file_size for f in File.objects.all())
    assert Project.objects.get().total_size == expected
    actor = Actor(user=staff, ip_address="192.0.2.1", user_agent="tests")

    delete_file(File.objects.get(filename=WHEEL), actor=actor)
    expected -= first.size + first.metadata_file_size
    assert Project.objects.get().total_size == expected

    delete_release(Release.objects.get(version="2.0"), actor=actor)
    assert Project.objects.get().total_size == 0


def test_project_size_limit_raised_for_the_project(client, refused, settings, owned, token):
    Project.objects.update(total_size=settings.UPLOAD_MAX_PROJECT_SIZE, total_size_limit=20 * GIB)
    assert uploads.wheel_upload("sample", "2.0").post(client, token).status_code == 200
    Project.objects.update(total_size=20 * GIB)
    refused(uploads.wheel_upload("sample", "3.0"), token, 400, project_too_large(20))


def test_limits_come_from_settings(refused, settings, owned, token):
    settings.UPLOAD_MAX_PROJECT_SIZE = 3 * GIB
    Project.objects.update(total_size=3 * GIB)
    refused(uploads.wheel_upload("sample", "2.0"), token, 400, project_too_large(3))


# Check 24: digests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "algorithm"),
    [("md5_digest", "md5"), ("sha256_digest", "sha256"), ("blake2_256_digest", "blake2")],
)
def test_digest_mismatch(refused, token, field, algorithm):
    other = b"other bytes"
    digest = blake2(other) if algorithm == "blake2" else hashlib.new(algorithm, other).hexdigest()
    message = "The digest supplied does not match a digest calculated from the uploaded file."
    refused(uploads.wheel_upload().set(field, digest), token, 400, message)


def test_digests_compare_case_insensitively(client, publisher, token):
    upload = uploads.wheel_upload()
    content = upload.files[0].content
    upload.set("sha256_digest", hashlib.sha256(content).hexdigest().upper())
    upload.set("md5_digest", hashlib.md5(content, usedforsecurity=False).hexdigest().upper())
    assert upload.post(client, token).status_code == 200


# Checks 25-27: a filename or content seen before ------------------------------------------------


def test_identical_reupload_is_a_200_that_changes_nothing(client, owned, token):
    before = snapshot()
    response = uploads.wheel_upload("sample", "1.0").post(client, token)
    assert (response.status_code, response.content) == (200, b"")
    assert snapshot() == before


def test_identical_reupload_does_not_rename_the_project(client, owned, token):
    before = snapshot()
    upload = uploads.wheel_upload("sample", "1.0").set("name", "SAMPLE")
    assert upload.post(client, token).status_code == 200
    assert snapshot() == before


def test_identical_reupload_to_an_old_release_is_still_a_200(client, owned, token):
    Release.objects.update(created=timezone.now() - timedelta(days=30))
    before = snapshot()
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    assert snapshot() == before


def test_same_filename_other_content(refused, owned, token):
    upload = uploads.wheel_upload("sample", "1.0", module_source=b"changed = True\n")
    refused(upload, token, 400, file_exists(WHEEL, upload.files[0].content))


def test_same_content_other_filename(refused, owned, token):
    content = File.objects.get()
    upload = renamed(uploads.wheel_upload("sample", "1.0"), "sample-1.0-py2.py3-none-any.whl")
    assert blake2(upload.files[0].content) == content.blake2_256_digest
    message = file_exists("sample-1.0-py2.py3-none-any.whl", upload.files[0].content)
    refused(upload, token, 400, message)


def test_filename_of_a_deleted_file(refused, owned, token):
    File.objects.all().delete()
    assert FilenameRegistry.objects.filter(filename=WHEEL).exists()
    message = (
        "This filename was previously used by a file that has since been deleted. "
        f"Use a different version. See {help_url('file-name-reuse')} for more information."
    )
    refused(uploads.wheel_upload("sample", "1.0"), token, 400, message)


# Checks 28 and 29: the release ----------------------------------------------------------------


def test_release_older_than_14_days(client, refused, owned, token):
    Release.objects.update(created=timezone.now() - timedelta(days=14, minutes=1))
    message = "Uploading new files to releases older than 14 days is not allowed."
    refused(uploads.sdist_upload("sample", "1.0"), token, 400, message)
    Release.objects.update(created=timezone.now() - timedelta(days=13, hours=23))
    assert uploads.sdist_upload("sample", "1.0").post(client, token).status_code == 200


def test_one_sdist_per_release(client, refused, owned, token):
    assert uploads.sdist_upload("sample", "1.0").post(client, token).status_code == 200
    message = "Only one sdist may be uploaded per release."
    refused(uploads.sdist_upload("sample", "1.0", fmt="zip"), token, 400, message)


# Checks 30-34: the distribution and sdist names -----------------------------------------------


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (
            uploads.for_file(WHEEL, b"not a zip", name="sample", version="1.0"),
            "File is not a zipfile",
        ),
        (uploads.wheel_upload(omit=["WHEEL"]), "WHEEL not found at sample-1.0.dist-info/WHEEL"),
        (uploads.sdist_upload(omit_pkg_info=True), "PKG-INFO not found at sample-1.0/PKG-INFO"),
    ],
    ids=["not-a-zip", "wheel-without-WHEEL", "sdist-without-PKG-INFO"],
)
def test_invalid_distribution(refused, token, upload, reason):
    refused(upload, token, 400, f"Invalid distribution file. {reason}")


def test_unparsable_sdist_filename(refused, token):
    upload = renamed(uploads.sdist_upload(), "sample.tar.gz")
    refused(upload, token, 400, "Invalid source distribution filename: sample.tar.gz")


def test_reason_phrase_replaces_what_latin_1_cannot_say(client, publisher, token):
    """The body keeps the message; the status line carries it in ISO-8859-1 (docs/upload.md)."""
    filename = "sämple→1.0.tar.gz"
    before = snapshot()
    response = renamed(uploads.sdist_upload(), filename).post(client, token)
    assert response.status_code == 400
    assert response.content.decode() == f"Invalid source distribution filename: {filename}"
    assert response.reason_phrase == "Invalid source distribution filename: sämple?1.0.tar.gz"
    assert snapshot() == before


def test_sdist_for_another_project(refused, token):
    upload = renamed(uploads.sdist_upload(), "other-1.0.tar.gz")
    refused(upload, token, 400, "Start filename for 'sample' with 'sample'.")


@pytest.mark.parametrize(
    ("name", "filename", "expected"),
    [
        ("my-pkg", "my-pkg-1.0.tar.gz", "my_pkg-1.0.tar.gz"),
        ("sample", "sample-1.0.zip", "sample-1.0.tar.gz"),
        ("sample", "sample-1.00.tar.gz", "sample-1.0.tar.gz"),
    ],
    ids=["unnormalized-name", "zip", "unnormalized-version"],
)
def test_sdist_filename_must_follow_pep_625(refused, token, name, filename, expected):
    fmt = "zip" if filename.endswith(".zip") else "tar.gz"
    upload = renamed(uploads.sdist_upload(name, "1.0", fmt=fmt), filename)
    refused(upload, token, 400, f"Filename '{filename}' is invalid, should be '{expected}'.")


def test_sdist_license_file_must_exist(refused, token):
    upload = uploads.sdist_upload(metadata={"license_file": "LICENSE"})
    upload.set("metadata_version", "2.4")
    message = (
        f"License-File LICENSE does not exist in distribution file {SDIST} at sample-1.0/LICENSE"
    )
    refused(upload, token, 400, message)


def test_sdist_with_its_license_file(client, publisher, token):
    upload = uploads.sdist_upload(license_files={"LICENSE": b"MIT"})
    upload.set("metadata_version", "2.4").add("license_file", "LICENSE")
    assert upload.post(client, token).status_code == 200


# Checks 35-43: wheel names and contents ---------------------------------------------------------


def test_unparsable_wheel_filename(refused, token):
    upload = renamed(uploads.wheel_upload(), "sample-1.0-py3-none.whl")
    message = "Invalid wheel filename (wrong number of parts): 'sample-1.0-py3-none'"
    refused(upload, token, 400, message)


def test_unsupported_platform_tag(refused, token):
    upload = uploads.wheel_upload(tag="cp312-cp312-linux_x86_64")
    filename = "sample-1.0-cp312-cp312-linux_x86_64.whl"
    message = f"Binary wheel '{filename}' has an unsupported platform tag 'linux_x86_64'."
    refused(upload, token, 400, message)


def test_wheel_of_another_project(refused, token):
    filename, content = distributions.make_wheel("other", "1.0")
    upload = uploads.for_file(filename, content, name="sample", version="1.0")
    refused(upload, token, 400, "Start filename for 'sample' with 'sample'.")


def test_wheel_name_segment_must_be_normalized(refused, token):
    wheel_file = distributions.make_wheel("my-pkg", "1.0")[1]
    filename, content = distributions.make_wheel(
        "my-pkg",
        "1.0",
        extra_files={"My_Pkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nTag: py3-none-any\n"},
        filename="My_Pkg-1.0-py3-none-any.whl",
    )
    assert wheel_file != content
    upload = uploads.for_file(filename, content, name="my-pkg", version="1.0")
    message = (
        "Filename 'My_Pkg-1.0-py3-none-any.whl' should contain the normalized project name "
        "'my_pkg', not 'My_Pkg'."
    )
    refused(upload, token, 400, message)


def test_wheel_version_must_match_metadata(refused, token):
    filename, content = distributions.make_wheel("sample", "2.0")
    upload = uploads.for_file(filename, content, name="sample", version="1.0")
    refused(upload, token, 400, "Version in filename should be '1.0' not '2.0'.")


def test_wheel_license_file_must_exist(refused, token):
    upload = uploads.wheel_upload(metadata={"license_file": "LICENSE"})
    upload.set("metadata_version", "2.4")
    message = (
        f"License-File LICENSE does not exist in distribution file {WHEEL} "
        "at sample-1.0.dist-info/licenses/LICENSE"
    )
    refused(upload, token, 400, message)


@pytest.mark.parametrize(
    ("make_wheel_kwargs", "message"),
    [
        (
            {"omit": ["RECORD"]},
            f"Wheel '{WHEEL}' does not contain the required RECORD file: "
            "sample-1.0.dist-info/RECORD",
        ),
        (
            {"entry_points": "[console_scripts]\nbad name = sample:main\n"},
            f"Wheel '{WHEEL}' has invalid entry points defined in the entry_points.txt file",
        ),
        (
            {"entry_points": "console_scripts: sample = sample:main\n"},
            f"Wheel '{WHEEL}' has invalid entry points defined in the entry_points.txt file",
        ),
        (
            {"omit": ["METADATA"]},
            f"Wheel '{WHEEL}' does not contain the required METADATA file: "
            "sample-1.0.dist-info/METADATA",
        ),
    ],
    ids=["no-RECORD", "bad-script-name", "not-ini", "no-METADATA"],
)
def test_wheel_contents(refused, token, make_wheel_kwargs, message):
    refused(uploads.wheel_upload(**make_wheel_kwargs), token, 400, message)


def test_wheel_member_outside_the_install_root(refused, token):
    """Part of check 30: every member path stays inside the directory it is installed to."""
    upload = uploads.wheel_upload(extra_files={"sample/../../evil.py": b"x = 1\n"})
    message = (
        "Invalid distribution file. ZIP archive not accepted: '..' component in path "
        f"'sample/../../evil.py'. See {help_url('file-validity')} for more information"
    )
    refused(upload, token, 400, message)


@pytest.mark.parametrize("member", ["entry_points.txt", "METADATA"])
def test_wheel_member_larger_than_the_metadata_limit(refused, settings, token, member):
    """Checks 42a and 43a: members read whole are read up to UPLOAD_MAX_METADATA_BYTES."""
    settings.UPLOAD_MAX_METADATA_BYTES = 1000
    path = f"sample-1.0.dist-info/{member}"
    if member == "METADATA":
        upload = uploads.wheel_upload(metadata={"description": "x" * 1000})
    else:
        upload = uploads.wheel_upload(entry_points="[console_scripts]\n" + "a = b:c\n" * 200)
    message = f"{path} in wheel '{WHEEL}' is larger than the limit of 1000 bytes."
    refused(upload, token, 400, message)


def test_wheel_metadata_at_the_limit_is_accepted(client, settings, publisher, token):
    upload = uploads.wheel_upload()
    settings.UPLOAD_MAX_METADATA_BYTES = metadata_size(upload)
    assert upload.post(client, token).status_code == 200


@pytest.mark.parametrize(
    ("wheel_metadata", "form_metadata", "message"),
    [
        (
            {"name": "evilpkg"},
            {},
            f"Name in the METADATA file of wheel '{WHEEL}' should be 'sample' not 'evilpkg'.",
        ),
        (
            {"version": "6.6.6"},
            {},
            f"Version in the METADATA file of wheel '{WHEEL}' should be '1.0' not '6.6.6'.",
        ),
        (
            {"requires_dist": ["evil>=1"]},
            {},
            f"The METADATA file of wheel '{WHEEL}' declares Requires-Dist 'evil>=1', which the "
            "upload's metadata does not.",
        ),
        (
            {},
            {"requires_python": ">=3.9"},
            "The upload's metadata declares Requires-Python '>=3.9', which the METADATA file "
            f"of wheel '{WHEEL}' does not.",
        ),
    ],
    ids=["name", "version", "extra-requires-dist", "missing-requires-python"],
)
def test_wheel_metadata_must_agree_with_the_upload(
    refused, token, wheel_metadata, form_metadata, message
):
    """Check 43b: what installers read (METADATA) is what the release and the APIs say."""
    fields = {"name": "sample", "version": "1.0", **wheel_metadata}
    text = distributions.metadata_text(fields.pop("name"), fields.pop("version"), **fields)
    _, content = distributions.make_wheel(
        extra_files={"sample-1.0.dist-info/METADATA": text.encode()}
    )
    upload = uploads.for_file(WHEEL, content, name="sample", version="1.0", metadata=form_metadata)
    refused(upload, token, 400, message)


def test_wheel_record_must_match_the_contents(refused, token):
    """Check 43d: RECORD lists every member with its sha256 hash and size."""

    def tampered(rows: list[list[str]]) -> list[list[str]]:
        assert rows[0][0] == "sample/__init__.py"
        rows[0][1] = distributions.record_hash(b"the module before it was changed")
        return rows

    upload = uploads.wheel_upload(record_rows=tampered)
    message = (
        f"Wheel '{WHEEL}' does not match its RECORD file: the sha256 hash of sample/__init__.py "
        "differs."
    )
    refused(upload, token, 400, message)


# Check 44: storage ----------------------------------------------------------------------------


def test_filename_too_long_for_storage(refused, settings, token):
    """The wheel itself fits the file system's 255-byte names; its ``.metadata`` beside it
    doesn't, so the stored wheel must be removed again."""
    python_tags = ".".join(f"py3{n}" for n in range(100))
    filename = f"sample-1.0-{python_tags}"[:236].rstrip(".") + "-none-any.whl"
    assert 246 < len(filename) <= 255
    _, content = distributions.make_wheel()
    upload = uploads.for_file(filename, content, name="sample", version="1.0")
    before = stored_files()
    refused(upload, token, 400, f"Filename is too long: '{filename}'")
    assert stored_files() == before


def test_unavailable_storage_refuses_the_upload_with_503_and_keeps_nothing(
    client, refused, settings, tmp_path, token
):
    """A store that fails (here a disk path through a regular file, as an unmounted disk
    fails): 503 with a message twine shows, no project, release, file or journal row. Once the
    store is back, the same upload is accepted."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    working = settings.STORAGES
    settings.STORAGES = {
        **working,
        "packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "files")},
        },
    }
    upload = uploads.wheel_upload("sample", "1.0")

    message = "File storage is unavailable; nothing was stored. Please try again later."
    refused(upload, token, 503, message)
    assert not Project.objects.exists()

    settings.STORAGES = working
    assert upload.post(client, token).status_code == 200
    assert File.objects.get().filename == WHEEL
