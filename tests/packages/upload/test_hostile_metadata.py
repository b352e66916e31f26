"""Check 6 against hostile metadata: values too long or too deeply nested for packaging, the
database or installers are refused with a 400 naming the limit, never a server error.

``packaging`` cannot turn a number of more than 4300 digits into an int (a 500 before these
limits), PostgreSQL refuses values longer than a column, and pip fails on a whole project when
one file's Requires-Python has a version it cannot read.
"""

from __future__ import annotations

import pytest
from django.utils.datastructures import MultiValueDict
from packaging.metadata import Metadata, parse_email
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from packages.models import Release
from packages.upload.errors import UploadError
from packages.upload.metadata import length_errors, parse_metadata
from packages.versions import sort_key
from tests import distributions, uploads

pytestmark = pytest.mark.django_db

SPEC = "https://packaging.python.org/specifications/core-metadata"
DIGITS = "1" * 5000
NESTED = "foo; " + "(" * 33 + 'python_version >= "3"' + ")" * 33


def refusal(text: str) -> str:
    return f"{text} See {SPEC} for more information."


def too_long(field: str, limit: int) -> str:
    return refusal(f"'{field}' field must be {limit} characters or less.")


def each_too_long(field: str) -> str:
    return refusal(f"Each '{field}' value must be 1024 characters or less.")


def too_deep(field: str) -> str:
    return refusal(f"'{field}' values must not nest parentheses more than 32 deep.")


HOSTILE = [
    ("version", DIGITS, too_long("version", 64)),
    ("version", "9" * 5000 + "!1", too_long("version", 64)),
    ("version", "1.post" + DIGITS, too_long("version", 64)),
    ("version", "1." + "0" * 63, too_long("version", 64)),
    ("requires_python", ">=" + DIGITS, too_long("requires-python", 255)),
    ("requires_python", ",".join([">=3.8"] * 50), too_long("requires-python", 255)),
    ("requires_dist", "foo>=" + DIGITS, each_too_long("requires-dist")),
    ("requires_dist", 'foo; python_version >= "' + DIGITS + '"', each_too_long("requires-dist")),
    ("requires_dist", NESTED, too_deep("requires-dist")),
    ("provides_dist", "foo (>=" + DIGITS + ")", each_too_long("provides-dist")),
    ("provides_dist", NESTED, too_deep("provides-dist")),
    ("obsoletes_dist", "foo>=" + DIGITS, each_too_long("obsoletes-dist")),
    ("obsoletes_dist", NESTED, too_deep("obsoletes-dist")),
    ("requires_external", "C (>=" + DIGITS + ")", each_too_long("requires-external")),
    ("requires", "foo (>=" + DIGITS + ")", each_too_long("requires")),
    ("provides", "foo (" + DIGITS + ")", each_too_long("provides")),
    ("obsoletes", "foo (<" + DIGITS + ")", each_too_long("obsoletes")),
]
HOSTILE_IDS = [
    "version-digits",
    "version-epoch",
    "version-post",
    "version-65",
    "requires-python-digits",
    "requires-python-clauses",
    "requires-dist-digits",
    "requires-dist-marker",
    "requires-dist-nested",
    "provides-dist-digits",
    "provides-dist-nested",
    "obsoletes-dist-digits",
    "obsoletes-dist-nested",
    "requires-external",
    "requires",
    "provides",
    "obsoletes",
]


def form(**values: str) -> MultiValueDict:
    fields = {"metadata_version": "2.1", "name": "sample", "version": "1.0", **values}
    return MultiValueDict({key: [value] for key, value in fields.items()})


@pytest.mark.parametrize(("field", "value", "message"), HOSTILE, ids=HOSTILE_IDS)
def test_hostile_value_is_refused(field, value, message):
    with pytest.raises(UploadError) as refused:
        parse_metadata(form(**{field: value}))

    assert (refused.value.status, refused.value.message) == (400, message)


@pytest.mark.parametrize(("field", "value", "message"), HOSTILE, ids=HOSTILE_IDS)
def test_hostile_upload_is_refused_and_leaves_nothing(refused, token, field, value, message):
    upload = uploads.sdist_upload("sample", "1.0").set(field, value)

    refused(upload, token, 400, message)


def test_overlong_name_is_refused(refused, token):
    """The upload form takes any length (check 5); the metadata stops it before the database."""
    name = "a" * 201
    refused(uploads.sdist_upload(name, "1.0"), token, 400, too_long("name", 200))


def test_the_version_limit_is_what_sort_keys_need():
    """Sort keys write each number's length in two digits: a version of at most 64 characters
    has no number of 100 digits, and its key fits the 400 characters of the column."""
    longest = ["9" * 64, "1" * 62 + "!1", "1." * 31 + "1", "0!" + "1." * 29 + "1a1"]
    assert all(len(version) <= 64 for version in longest)
    assert all(len(sort_key(Version(version))) <= 400 for version in longest)
    ordered = ["9" * 63, "1" + "0" * 63, "9" * 64]
    keys = [sort_key(Version(version)) for version in ordered]
    assert keys == sorted(keys)


def test_values_at_the_limits_are_accepted(client, publisher, token):
    version = "1." + "2" * 62
    requires_python = ">=3" + "".join(f",!=3.9.{n}" for n in range(10, 38))
    nested = "foo; " + "(" * 32 + 'python_version >= "3"' + ")" * 32
    assert (len(version), len(requires_python)) == (64, 255)
    upload = uploads.sdist_upload("sample", version)
    upload.set("requires_python", requires_python).add("requires_dist", nested)

    response = upload.post(client, token)

    assert response.status_code == 200, response.content
    release = Release.objects.get()
    assert release.version == version
    assert release.requires_python == str(SpecifierSet(requires_python))
    assert [d.specifier for d in release.dependencies.all()] == [str(Requirement(nested))]


def test_long_version_sorts_after_shorter_numbers(client, publisher, token):
    for version in ("1." + "9" * 61, "1." + "1" + "0" * 61, "1.9"):
        response = uploads.sdist_upload("sample", version).post(client, token)
        assert response.status_code == 200, response.content

    versions = list(Release.objects.order_by("sort_key").values_list("version", flat=True))
    assert versions == ["1.9", "1." + "9" * 61, "1." + "1" + "0" * 61]


def test_length_errors_read_a_metadata_file_too():
    """The same limits apply to the RawMetadata packaging reads from a wheel's METADATA, where
    ``Metadata.from_raw`` would fail with ValueError instead of saying which field is wrong."""
    text = distributions.metadata_text(
        "sample", DIGITS, requires_python=">=" + DIGITS, requires_dist=[NESTED]
    )
    raw, _ = parse_email(text)

    with pytest.raises(ValueError, match="4300 digits"):
        Metadata.from_raw(raw, validate=False).version  # noqa: B018

    assert [(error.field, str(error)) for error in length_errors(raw)] == [
        ("version", "'version' field must be 64 characters or less."),
        ("requires-python", "'requires-python' field must be 255 characters or less."),
        ("requires-dist", "'requires-dist' values must not nest parentheses more than 32 deep."),
    ]
    assert length_errors(parse_email(distributions.metadata_text("sample", "1.0"))[0]) == []
