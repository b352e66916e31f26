"""Check 43b case by case: a wheel's METADATA agrees with the upload's metadata."""

import pytest
from packaging.metadata import Metadata

from packages.upload.errors import UploadError
from packages.upload.wheel_metadata import check_wheel_metadata
from tests.distributions import metadata_text

WHEEL = "sample-1.0-py3-none-any.whl"


def form(**fields):
    """The upload's metadata as check 6 makes it from the form fields."""
    raw = {"metadata_version": "2.1", "name": "sample", "version": "1.0", **fields}
    return Metadata.from_raw(raw, validate=True)


def wheel(name="sample", version="1.0", **fields):
    return metadata_text(name, version, **fields).encode()


def refusal(data, meta):
    with pytest.raises(UploadError) as excinfo:
        check_wheel_metadata(data, meta, WHEEL)
    return excinfo.value.status, excinfo.value.message


@pytest.mark.parametrize(
    ("data", "meta"),
    [
        (wheel(), form()),
        (
            wheel(requires_dist=["a>=1", "b; extra == 'x'"], requires_python=">=3.9"),
            form(requires_dist=["a>=1", "b; extra == 'x'"], requires_python=">=3.9"),
        ),
        # The same values, spelled otherwise.
        (wheel("Sample"), form()),
        (wheel("sample", "1.0.0"), form()),
        (wheel(requires_dist=["A (>=1)"]), form(requires_dist=["a>=1"])),
        (
            wheel(requires_dist=["b; python_version<'3.10'", "a[y,x]"]),
            form(requires_dist=["a[x,y]", 'b ; python_version < "3.10"']),
        ),
        (wheel(requires_dist=["a", "a"]), form(requires_dist=["a"])),
        (wheel(requires_python=">= 3.9, <4"), form(requires_python="<4,>=3.9")),
        # Fields installers do not act on are not compared.
        (
            wheel(summary="Other", provides_extra=["x"], description="Other.", keywords="a"),
            form(summary="Sample", author="me"),
        ),
        # Nor is anything beyond the four fields read: a field packaging would refuse is fine.
        (wheel(description_content_type="text/unknown", metadata_version="9.9"), form()),
        (b"Metadata-Version: 2.1\nName: sample\nVersion: 1.0\nSummary: \xff\n\n\xff", form()),
    ],
    ids=[
        "same",
        "same-dependencies",
        "name-spelling",
        "version-spelling",
        "requirement-spelling",
        "requirement-order-and-markers",
        "requirement-repeated",
        "specifier-spelling",
        "other-fields",
        "other-fields-invalid",
        "other-fields-not-utf8",
    ],
)
def test_agreeing_metadata_accepted(data, meta):
    check_wheel_metadata(data, meta, WHEEL)


def declares(field, value):
    return (
        400,
        f"The METADATA file of wheel '{WHEEL}' declares {field} '{value}', which the upload's "
        "metadata does not.",
    )


def lacks(field, value):
    return (
        400,
        f"The upload's metadata declares {field} '{value}', which the METADATA file of wheel "
        f"'{WHEEL}' does not.",
    )


def invalid(error):
    return (400, f"The METADATA file of wheel '{WHEEL}' is invalid: {error}")


@pytest.mark.parametrize(
    ("data", "meta", "expected"),
    [
        (
            wheel("evilpkg", "6.6.6"),
            form(),
            (
                400,
                f"Name in the METADATA file of wheel '{WHEEL}' should be 'sample' not 'evilpkg'.",
            ),
        ),
        (
            wheel("sample", "6.6.6"),
            form(),
            (400, f"Version in the METADATA file of wheel '{WHEEL}' should be '1.0' not '6.6.6'."),
        ),
        (
            wheel(requires_dist=["a>=1", "evil"]),
            form(requires_dist=["a>=1"]),
            declares("Requires-Dist", "evil"),
        ),
        (
            wheel(requires_dist=["a>=2"]),
            form(requires_dist=["a>=1"]),
            declares("Requires-Dist", "a>=2"),
        ),
        (
            wheel(requires_dist=["a; extra == 'x'"]),
            form(requires_dist=["a"]),
            declares("Requires-Dist", 'a; extra == "x"'),
        ),
        (wheel(), form(requires_dist=["a>=1"]), lacks("Requires-Dist", "a>=1")),
        (wheel(requires_python=">=3.9"), form(), declares("Requires-Python", ">=3.9")),
        (wheel(), form(requires_python=">=3.9"), lacks("Requires-Python", ">=3.9")),
        (
            wheel(requires_python=">=3.8"),
            form(requires_python=">=3.9"),
            declares("Requires-Python", ">=3.8"),
        ),
        # Name first, then Version, Requires-Dist, Requires-Python.
        (
            wheel("evilpkg", "6.6.6", requires_dist=["evil"]),
            form(),
            (
                400,
                f"Name in the METADATA file of wheel '{WHEEL}' should be 'sample' not 'evilpkg'.",
            ),
        ),
        (
            wheel(requires_dist=["evil"], requires_python=">=2"),
            form(),
            declares("Requires-Dist", "evil"),
        ),
    ],
    ids=[
        "name",
        "version",
        "extra-requirement",
        "other-specifier",
        "other-marker",
        "missing-requirement",
        "extra-requires-python",
        "missing-requires-python",
        "other-requires-python",
        "name-first",
        "requires-dist-before-requires-python",
    ],
)
def test_disagreeing_metadata_refused(data, meta, expected):
    assert refusal(data, meta) == expected


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"Metadata-Version: 2.1\nVersion: 1.0\n", "'name' is a required field"),
        (b"Metadata-Version: 2.1\nName: sample\n", "'version' is a required field"),
        (wheel("sample", "one"), "'one' is invalid for 'version'"),
        (wheel("sam ple"), "'sam ple' is invalid for 'name'"),
        (wheel(requires_dist=["a>=>1"]), "'a>=>1' is invalid for 'requires-dist'"),
        (wheel(requires_python="3.9+"), "'3.9+' is invalid for 'requires-python'"),
        (
            b"Metadata-Version: 2.1\nName: sample\nName: evilpkg\nVersion: 1.0\n",
            "'name' has invalid data",
        ),
        (
            b"Metadata-Version: 2.1\nName: sample\nVersion: 1.0\nRequires-Dist: \xff\n",
            "'requires-dist' has invalid data",
        ),
        (
            b"Metadata-Version: 2.1\nName: sample\nVersion: 1.0\nRequires-Python: >=3\n"
            b"Requires-Python: <3\n",
            "'requires-python' has invalid data",
        ),
        # The limits of check 6, where packaging itself would fail with ValueError.
        (wheel("sample", "1." + "9" * 5000), "'version' field must be 64 characters or less."),
        (
            wheel(requires_python=">=1." + "9" * 5000),
            "'requires-python' field must be 255 characters or less.",
        ),
        (
            wheel(requires_dist=["a" + "(" * 40 + ")" * 40]),
            "'requires-dist' values must not nest parentheses more than 32 deep.",
        ),
    ],
    ids=[
        "no-name",
        "no-version",
        "bad-version",
        "bad-name",
        "bad-requirement",
        "bad-specifier",
        "name-twice",
        "requirement-not-utf8",
        "requires-python-twice",
        "5000-digit-version",
        "5000-digit-requires-python",
        "nested-requirement",
    ],
)
def test_unreadable_metadata_refused(data, error):
    assert refusal(data, form()) == invalid(error)
