import pytest
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from packages.upload.errors import UploadError
from packages.upload.filenames import (
    WheelFilename,
    check_extension,
    check_filename_characters,
    check_sdist_filename,
    check_wheel_filename,
)

NON_PRINTABLE = (
    "Cannot upload a file with non-printable characters (ordinals 0-31) "
    "or the DEL character (ordinal 127) in the name."
)
SEPARATOR = "Cannot upload a file with '/' or '\\' in the name."
UNKNOWN_EXTENSION = (
    "Invalid file extension: Use .tar.gz, .whl or .zip extension. "
    "See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ "
    "for more information"
)


def wrong_extension(extension, filetype):
    return (
        f"Invalid file extension: Extension {extension} is invalid for filetype {filetype}. "
        "See https://www.python.org/dev/peps/pep-0527 for more information."
    )


def refusal(call):
    with pytest.raises(UploadError) as excinfo:
        call()
    return excinfo.value.status, excinfo.value.message


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("sample\x00-1.0.tar.gz", NON_PRINTABLE),
        ("sample\x1f-1.0.tar.gz", NON_PRINTABLE),
        ("sample-1.0.tar.gz\n", NON_PRINTABLE),
        ("sample\x7f-1.0.tar.gz", NON_PRINTABLE),
        ("../sample-1.0.tar.gz", SEPARATOR),
        ("dir/sample-1.0.tar.gz", SEPARATOR),
        ("dir\\sample-1.0.tar.gz", SEPARATOR),
        ("sample\x01/-1.0.tar.gz", NON_PRINTABLE),
    ],
    ids=["nul", "unit-separator", "newline", "del", "dotdot", "slash", "backslash", "both"],
)
def test_filename_characters_refused(filename, message):
    assert refusal(lambda: check_filename_characters(filename)) == (400, message)


def test_filename_characters_accepts_ordinary_and_unicode_names():
    check_filename_characters("sample-1.0.tar.gz")
    check_filename_characters("sämple-1.0 (copy).tar.gz")


@pytest.mark.parametrize(
    ("filename", "filetype", "message"),
    [
        ("sample-1.0.exe", "bdist_wheel", UNKNOWN_EXTENSION),
        ("sample-1.0.tar.bz2", "sdist", UNKNOWN_EXTENSION),
        ("sample-1.0.tgz", "sdist", UNKNOWN_EXTENSION),
        ("sample-1.0.egg", "bdist_wheel", UNKNOWN_EXTENSION),
        (".whl", "bdist_wheel", UNKNOWN_EXTENSION),
        ("sample-1.0.whl.txt", "bdist_wheel", UNKNOWN_EXTENSION),
        ("sample-1.0.whl", "sdist", wrong_extension(".whl", "sdist")),
        ("sample-1.0.tar.gz", "bdist_wheel", wrong_extension(".tar.gz", "bdist_wheel")),
        ("sample-1.0.zip", "bdist_wheel", wrong_extension(".zip", "bdist_wheel")),
        ("sample-1.0-py3-none-any.WHL", "bdist_wheel", wrong_extension(".WHL", "bdist_wheel")),
        ("sample-1.0.TAR.GZ", "sdist", wrong_extension(".TAR.GZ", "sdist")),
        ("sample-1.0.tar.gz", "bdist_egg", wrong_extension(".tar.gz", "bdist_egg")),
    ],
    ids=[
        "exe",
        "bz2",
        "tgz",
        "egg",
        "extension-only",
        "suffix-after",
        "wheel-as-sdist",
        "sdist-as-wheel",
        "zip-as-wheel",
        "upper-case-wheel",
        "upper-case-sdist",
        "unknown-filetype",
    ],
)
def test_extension_refused(filename, filetype, message):
    assert refusal(lambda: check_extension(filename, filetype)) == (400, message)


@pytest.mark.parametrize(
    ("filename", "filetype"),
    [
        ("sample-1.0.tar.gz", "sdist"),
        ("sample-1.0.zip", "sdist"),
        ("sample-1.0-py3-none-any.whl", "bdist_wheel"),
    ],
    ids=["tar-gz", "zip", "wheel"],
)
def test_extension_accepted(filename, filetype):
    check_extension(filename, filetype)


def sdist(filename, *, project_name="My-Pkg", normalized_name="my-pkg", version="1.0"):
    return lambda: check_sdist_filename(
        filename,
        project_name=project_name,
        normalized_name=normalized_name,
        version=Version(version),
    )


@pytest.mark.parametrize(
    "filename", ["my_pkg.tar.gz", "my_pkg-one.tar.gz", "my_pkg-1.0.tar"], ids=str
)
def test_sdist_filename_unparsable(filename):
    assert refusal(sdist(filename)) == (
        400,
        f"Invalid source distribution filename: {filename}",
    )


@pytest.mark.parametrize(
    ("filename", "version"),
    [
        ("other-1.0.tar.gz", "1.0"),
        ("my_pkg_extra-1.0.tar.gz", "1.0"),
        # Without a post-release there is no hyphenated-version fallback.
        ("my_pkg-1.0-1.tar.gz", "1.0"),
    ],
    ids=["other-project", "longer-name", "hyphen-not-post"],
)
def test_sdist_filename_for_another_project(filename, version):
    assert refusal(sdist(filename, version=version)) == (
        400,
        "Start filename for 'My-Pkg' with 'my_pkg'.",
    )


@pytest.mark.parametrize(
    ("filename", "version", "expected"),
    [
        ("My.Pkg-1.0.tar.gz", "1.0", "my_pkg-1.0.tar.gz"),
        ("my-pkg-1.0.tar.gz", "1.0", "my_pkg-1.0.tar.gz"),
        ("my_pkg-1.0.zip", "1.0", "my_pkg-1.0.tar.gz"),
        ("my_pkg-1.00.tar.gz", "1.00", "my_pkg-1.0.tar.gz"),
        ("my_pkg-1.0.rc.1.tar.gz", "1.0rc1", "my_pkg-1.0rc1.tar.gz"),
        ("my_pkg-1.0.tar.gz", "1.0rc1", "my_pkg-1.0rc1.tar.gz"),
        # Old-style "1.0-1" post-release: the name before the version is recognised ...
        ("my_pkg-1.0-1.tar.gz", "1.0.post1", "my_pkg-1.0.post1.tar.gz"),
        # ... even when the remainder is no version (as Warehouse does).
        ("my_pkg-x-1.tar.gz", "1.0.post1", "my_pkg-1.0.post1.tar.gz"),
    ],
    ids=[
        "dotted-name",
        "hyphenated-name",
        "zip",
        "unnormalized-version",
        "normalized-in-filename",
        "other-version",
        "hyphenated-post-release",
        "hyphenated-post-release-garbage",
    ],
)
def test_sdist_filename_not_pep625(filename, version, expected):
    assert refusal(sdist(filename, version=version)) == (
        400,
        f"Filename '{filename}' is invalid, should be '{expected}'.",
    )


@pytest.mark.parametrize(
    ("filename", "version"),
    [("my_pkg-1.0.tar.gz", "1.0"), ("my_pkg-2.0.post1.tar.gz", "2.0-1")],
    ids=["plain", "post-release"],
)
def test_sdist_filename_accepted(filename, version):
    sdist(filename, version=version)()


def wheel(filename, *, metadata_name="My-Pkg", version="1.0"):
    return lambda: check_wheel_filename(
        filename,
        project_name="My-Pkg",
        normalized_name="my-pkg",
        metadata_name=metadata_name,
        version=Version(version),
    )


@pytest.mark.parametrize(
    "filename",
    [
        "my_pkg-1.0.whl",
        "my_pkg-1.0-py3-none.whl",
        "my_pkg-one-py3-none-any.whl",
        "my_pkg-1.0-x-py3-none-any.whl",
        "my__pkg-1.0-py3-none-any.whl",
    ],
    ids=["no-tags", "two-tags", "bad-version", "bad-build", "bad-name"],
)
def test_wheel_filename_unparsable_uses_packaging_message(filename):
    with pytest.raises(InvalidWheelFilename) as expected:
        parse_wheel_filename(filename)
    assert refusal(wheel(filename)) == (400, str(expected.value))


@pytest.mark.parametrize(
    ("filename", "platform"),
    [
        ("my_pkg-1.0-cp311-cp311-linux_x86_64.whl", "linux_x86_64"),
        ("my_pkg-1.0-cp311-cp311-manylinux1_x86_64.linux_x86_64.whl", "linux_x86_64"),
        ("my_pkg-1.0-cp311-cp311-linux_i686.linux_x86_64.whl", "linux_i686"),
        ("my_pkg-1.0-py3-none-macosx_11_1_arm64.whl", "macosx_11_1_arm64"),
        ("my_pkg-1.0-py3-none-LINUX_X86_64.whl", "linux_x86_64"),
        # The platform is checked before the project name.
        ("other-1.0-cp311-cp311-linux_x86_64.whl", "linux_x86_64"),
    ],
    ids=["linux", "one-of-two", "first-listed", "macos-minor", "upper-case", "before-name"],
)
def test_wheel_filename_unsupported_platform(filename, platform):
    assert refusal(wheel(filename)) == (
        400,
        f"Binary wheel '{filename}' has an unsupported platform tag '{platform}'.",
    )


@pytest.mark.parametrize(
    ("filename", "metadata_name", "prefix"),
    [
        ("other-1.0-py3-none-any.whl", "My-Pkg", "my_pkg"),
        ("my_pkg-1.0-py3-none-any.whl", "Other.Name", "other_name"),
    ],
    ids=["filename-differs", "metadata-differs"],
)
def test_wheel_filename_for_another_name(filename, metadata_name, prefix):
    assert refusal(wheel(filename, metadata_name=metadata_name)) == (
        400,
        f"Start filename for 'My-Pkg' with '{prefix}'.",
    )


@pytest.mark.parametrize(
    ("filename", "segment"),
    [
        ("My_Pkg-1.0-py3-none-any.whl", "My_Pkg"),
        ("my.pkg-1.0-py3-none-any.whl", "my.pkg"),
        ("my_Pkg-1.0-py3-none-any.whl", "my_Pkg"),
    ],
    ids=["capitals", "dot", "one-capital"],
)
def test_wheel_filename_not_normalized(filename, segment):
    assert refusal(wheel(filename)) == (
        400,
        f"Filename '{filename}' should contain the normalized project name 'my_pkg', "
        f"not '{segment}'.",
    )


@pytest.mark.parametrize(
    ("filename", "version", "in_filename"),
    [
        ("my_pkg-1.1-py3-none-any.whl", "1.0", "1.1"),
        ("my_pkg-1.0-py3-none-any.whl", "1.0.post1", "1.0"),
        ("my_pkg-1.0rc1-py3-none-any.whl", "1.0", "1.0rc1"),
    ],
    ids=["other", "missing-post", "pre-release"],
)
def test_wheel_filename_other_version(filename, version, in_filename):
    assert refusal(wheel(filename, version=version)) == (
        400,
        f"Version in filename should be '{version}' not '{in_filename}'.",
    )


def test_wheel_filename_accepted_returns_the_parsed_name():
    parsed = wheel("my_pkg-1.0.0-1-cp311-abi3-manylinux_2_17_x86_64.musllinux_1_2_x86_64.whl")()

    assert isinstance(parsed, WheelFilename)
    assert parsed.name == "my-pkg"
    assert parsed.version == Version("1.0")
    assert parsed.build == (1, "")
    assert {str(tag) for tag in parsed.tags} == {
        "cp311-abi3-manylinux_2_17_x86_64",
        "cp311-abi3-musllinux_1_2_x86_64",
    }


def test_wheel_filename_result_is_frozen():
    parsed = wheel("my_pkg-1.0-py3-none-any.whl")()

    with pytest.raises(AttributeError):
        parsed.name = "other"  # type: ignore[misc]
