"""The upload form: sanitising the POST, the protocol version and the file fields."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from packages.upload.errors import UploadError
from packages.upload.form import (
    UploadForm,
    check_protocol_version,
    parse_upload_form,
    sanitize,
)

SPEC = "https://packaging.python.org/specifications/core-metadata"
SHA256 = "4E7C0C3F6E2A9B1D8F5A3C7E9B2D4F6A8C0E1B3D5F7A9C2E4B6D8F0A1C3E5B7D"
BLAKE2 = "0f" * 32
WHEEL = {"name": "sampleproject", "filetype": "bdist_wheel", "pyversion": "py3"}


def post(*pairs: tuple[str, str]) -> QueryDict:
    """A POST body as Django parses it, values in the order given."""
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    return data


def form(**values: str | list[str]) -> MultiValueDict:
    return MultiValueDict(
        {key: value if isinstance(value, list) else [value] for key, value in values.items()}
    )


def refused(fields: MultiValueDict) -> UploadError:
    with pytest.raises(UploadError) as caught:
        parse_upload_form(fields)
    assert caught.value.status == 400
    return caught.value


def test_twine_upload_passes_every_step():
    content = SimpleUploadedFile("sampleproject-1.0-py3-none-any.whl", b"PK")
    fields = sanitize(
        post(
            (":action", "file_upload"),
            ("protocol_version", "1"),
            ("name", "sampleproject"),
            ("version", "1.0"),
            ("filetype", "bdist_wheel"),
            ("pyversion", "py3"),
            ("metadata_version", "2.4"),
            ("sha256_digest", SHA256),
            ("blake2_256_digest", BLAKE2),
        ),
        MultiValueDict({"content": [content]}),
    )

    check_protocol_version(fields)
    assert parse_upload_form(fields) == UploadForm(
        filetype="bdist_wheel",
        pyversion="py3",
        md5_digest=None,
        sha256_digest=SHA256.lower(),
        blake2_256_digest=BLAKE2,
        comment="",
    )


@pytest.mark.parametrize("value", ["UNKNOWN", " UNKNOWN\n"], ids=["exact", "padded"])
def test_sanitize_drops_unknown_values(value):
    fields = sanitize(post(("license", value), ("summary", "UNKNOWN project")), MultiValueDict())

    assert "license" not in fields
    assert fields["summary"] == "UNKNOWN project"


def test_sanitize_cleans_each_value_of_a_repeated_field():
    fields = sanitize(
        post(("classifiers", "A"), ("classifiers", "UNKNOWN"), ("classifiers", "B")),
        MultiValueDict(),
    )

    assert fields.getlist("classifiers") == ["A", "B"]


def test_sanitize_escapes_nul_characters():
    fields = sanitize(post(("summary", "a\x00b"), ("keywords", "\x00")), MultiValueDict())

    assert fields["summary"] == "a\\x00b"
    assert fields["keywords"] == "\\x00"


def test_sanitize_returns_a_new_mapping_of_post_fields_only():
    data = post(("name", "sampleproject"), ("license", "UNKNOWN"))
    files = MultiValueDict(
        {
            part: [SimpleUploadedFile("f", b"x")]
            for part in ("content", "gpg_signature", "attestations")
        }
    )

    fields = sanitize(data, files)

    assert dict(fields.lists()) == {"name": ["sampleproject"]}
    assert data.getlist("license") == ["UNKNOWN"]


@pytest.mark.parametrize(
    ("parts", "field"),
    [(["summary"], "summary"), (["version", "description", "content"], "description")],
    ids=["one", "alphabetically-first"],
)
def test_sanitize_refuses_fields_sent_as_files(parts, field):
    files = MultiValueDict({part: [SimpleUploadedFile("f", b"x")] for part in parts})

    with pytest.raises(UploadError) as caught:
        sanitize(post(("name", "sampleproject")), files)

    assert caught.value.status == 400
    assert caught.value.message == f"{field}: Should not be a tuple."


@pytest.mark.parametrize("fields", [form(), form(protocol_version="1")], ids=["default", "one"])
def test_protocol_version_one_is_accepted(fields):
    check_protocol_version(fields)


@pytest.mark.parametrize("version", ["2", "", "1.0"], ids=["two", "empty", "one-point-zero"])
def test_other_protocol_versions_are_refused(version):
    with pytest.raises(UploadError) as caught:
        check_protocol_version(form(protocol_version=version))

    assert caught.value.status == 400
    assert caught.value.message == "Unknown protocol version."


def test_sdist_without_pyversion_is_source():
    parsed = parse_upload_form(form(name="sampleproject", filetype="sdist", md5_digest="ABCDEF"))

    assert parsed.pyversion == "source"
    assert parsed.md5_digest == "abcdef"
    assert parsed.sha256_digest is None
    assert parsed.blake2_256_digest is None


def test_comment_and_first_value_of_each_field_are_used():
    parsed = parse_upload_form(
        form(**WHEEL, comment="built by CI", sha256_digest=[SHA256, "not hex"])
    )

    assert parsed.comment == "built by CI"
    assert parsed.sha256_digest == SHA256.lower()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"filetype": "sdist", "md5_digest": "x"},
            f"'' is an invalid value for Name. Error: This field is required. See {SPEC} for "
            "more information.",
        ),
        (
            {"name": "", "filetype": "sdist", "md5_digest": "x"},
            f"'' is an invalid value for Name. Error: This field is required. See {SPEC} for "
            "more information.",
        ),
        (
            {"name": "-sample-", "filetype": "sdist", "md5_digest": "x"},
            "'-sample-' is an invalid value for Name. Error: Start and end with a letter or "
            "numeral containing only ASCII numeric and '.', '_' and '-'. "
            f"See {SPEC} for more information.",
        ),
        (
            {"name": "-" + "a" * 40 + "b" * 40, "filetype": "sdist", "md5_digest": "x"},
            f"'-{'a' * 29}...{'b' * 30}' is an invalid value for Name. Error: Start and end "
            "with a letter or numeral containing only ASCII numeric and '.', '_' and '-'. "
            f"See {SPEC} for more information.",
        ),
        (
            {"name": "sampleproject", "md5_digest": "x"},
            "Invalid value for filetype. Error: This field is required.",
        ),
        (
            {"name": "sampleproject", "filetype": "bdist_egg", "md5_digest": "x"},
            "Invalid value for filetype. Error: Use a known file type.",
        ),
        (
            {**WHEEL, "sha256_digest": "abc"},
            "Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message "
            "digest.",
        ),
        (
            {**WHEEL, "blake2_256_digest": "g" * 64},
            "Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 "
            "message digest.",
        ),
        (
            {**WHEEL, "pyversion": "", "md5_digest": "x"},
            "Invalid value for pyversion. Error: Python version is required for binary "
            "distribution uploads.",
        ),
        (
            {"name": "sampleproject", "filetype": "sdist", "pyversion": "py3", "md5_digest": "x"},
            "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist.",
        ),
        (WHEEL, "Error: Include at least one message digest."),
        (
            {**WHEEL, "md5_digest": "", "sha256_digest": " ", "blake2_256_digest": "\t"},
            "Error: Include at least one message digest.",
        ),
    ],
    ids=[
        "name-missing",
        "name-empty",
        "name-invalid",
        "name-long-is-truncated",
        "filetype-missing",
        "filetype-unknown",
        "sha256-not-hex",
        "blake2-not-hex",
        "wheel-without-pyversion",
        "sdist-with-pyversion",
        "no-digest",
        "blank-digests",
    ],
)
def test_upload_form_errors(values, message):
    assert refused(form(**values)).message == message


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "-x-", "filetype": "zip", "sha256_digest": "abc"}, "for Name."),
        ({"filetype": "zip", "sha256_digest": "abc", "blake2_256_digest": "x"}, "for Name."),
        (
            {"name": "ok", "filetype": "zip", "sha256_digest": "abc", "blake2_256_digest": "x"},
            "for blake2_256_digest.",
        ),
        ({"name": "ok", "filetype": "zip", "sha256_digest": "abc"}, "for filetype."),
        (
            {"name": "ok", "filetype": "sdist", "pyversion": "py3", "sha256_digest": "abc"},
            "for sha256_digest.",
        ),
    ],
    ids=[
        "name-first",
        "missing-name-first",
        "then-alphabetical",
        "filetype",
        "fields-before-pyversion",
    ],
)
def test_which_field_is_reported(values, field):
    assert field in refused(form(**values)).message
