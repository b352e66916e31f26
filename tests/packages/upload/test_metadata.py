"""Core metadata of an upload: read from twine's form fields, validated as Warehouse does."""

from __future__ import annotations

import pytest
from django.urls import include, path
from django.utils.datastructures import MultiValueDict
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from help.links import help_url
from packages.upload.errors import UploadError
from packages.upload.metadata import parse_metadata, render_release_description

# The help link is resolved against this module's URLconf (see the render tests).
urlpatterns = [path("help/", include("help.urls"))]

SPEC = "https://packaging.python.org/specifications/core-metadata"
REQUIRED = {"metadata_version": "2.4", "name": "sampleproject", "version": "1.0"}

# What twine sends for click 8.5.1's wheel (author_email swapped in for a sample address).
CLICK_DESCRIPTION = """\
# Click

Click is a Python package for creating beautiful command line interfaces
in a composable way with as little code as necessary.

-   Arbitrary nesting of commands
-   Automatic help page generation
"""
TWINE_FIELDS = [
    (":action", "file_upload"),
    ("protocol_version", "1"),
    ("metadata_version", "2.4"),
    ("name", "click"),
    ("version", "8.5.1"),
    ("summary", "Composable command line interface toolkit"),
    ("author_email", "A <a@example.com>"),
    ("maintainer_email", "Pallets <contact@palletsprojects.com>"),
    ("requires_python", ">=3.10"),
    ("description_content_type", "text/markdown"),
    ("license_expression", "BSD-3-Clause"),
    ("classifiers", "Development Status :: 5 - Production/Stable"),
    ("classifiers", "Intended Audience :: Developers"),
    ("classifiers", "Operating System :: OS Independent"),
    ("classifiers", "Programming Language :: Python"),
    ("classifiers", "Typing :: Typed"),
    ("requires_dist", "colorama; platform_system == 'Windows'"),
    ("license_file", "LICENSE.txt"),
    ("project_urls", "Changes, https://click.palletsprojects.com/page/changes/"),
    ("project_urls", "Documentation, https://click.palletsprojects.com/"),
    ("project_urls", "Source, https://github.com/pallets/click/"),
    ("keywords", "cli, terminal"),
    ("description", CLICK_DESCRIPTION),
    ("filetype", "bdist_wheel"),
    ("pyversion", "py3"),
    ("sha256_digest", "a" * 64),
    ("blake2_256_digest", "b" * 64),
]


def form(pairs: list[tuple[str, str]] | None = None, **values: str | list[str]) -> MultiValueDict:
    """Exactly ``pairs`` (in order) when given, else the required fields updated by ``values``."""
    fields = MultiValueDict()
    for key, value in pairs or []:
        fields.appendlist(key, value)
    if pairs is None:
        for key, value in {**REQUIRED, **values}.items():
            fields.setlist(key, value if isinstance(value, list) else [value])
    return fields


def refusal(error: str) -> str:
    return f"{error} See {SPEC} for more information."


def refused(fields: MultiValueDict) -> UploadError:
    with pytest.raises(UploadError) as caught:
        parse_metadata(fields)
    assert caught.value.status == 400
    return caught.value


def test_twine_field_set_parses_into_typed_metadata():
    metadata = parse_metadata(form(TWINE_FIELDS))

    assert metadata.metadata_version == "2.4"
    assert metadata.name == "click"
    assert metadata.version == Version("8.5.1")
    assert metadata.summary == "Composable command line interface toolkit"
    assert metadata.author_email == "A <a@example.com>"
    assert metadata.requires_python == SpecifierSet(">=3.10")
    assert metadata.requires_dist == [Requirement("colorama; platform_system == 'Windows'")]
    assert metadata.requires_dist[0].marker is not None
    assert metadata.classifiers == [value for key, value in TWINE_FIELDS if key == "classifiers"]
    assert metadata.project_urls == {
        "Changes": "https://click.palletsprojects.com/page/changes/",
        "Documentation": "https://click.palletsprojects.com/",
        "Source": "https://github.com/pallets/click/",
    }
    assert metadata.license_expression == "BSD-3-Clause"
    assert metadata.license_files == ["LICENSE.txt"]
    assert metadata.keywords == ["cli", "terminal"]
    assert metadata.description == CLICK_DESCRIPTION
    assert metadata.description_content_type == "text/markdown"


def test_twine_field_set_description_renders_as_markdown():
    rendered = render_release_description(parse_metadata(form(TWINE_FIELDS)))

    assert rendered.content_type == "text/markdown"
    assert "<li>Arbitrary nesting of commands</li>" in rendered.html
    assert rendered.rendered_by.startswith("readme-renderer ")


@pytest.mark.parametrize(
    ("values", "attribute", "expected"),
    [
        ({"platform": ["linux", "win32"]}, "platforms", ["linux", "win32"]),
        ({"supported_platform": "RedHat 7.2"}, "supported_platforms", ["RedHat 7.2"]),
        ({"provides_extra": ["Tests", "docs"]}, "provides_extra", ["tests", "docs"]),
        ({"dynamic": "Classifier"}, "dynamic", ["classifier"]),
        ({"obsoletes_dist": "Gorgon"}, "obsoletes_dist", ["Gorgon"]),
        ({"provides_dist": "OtherProject"}, "provides_dist", ["OtherProject"]),
        ({"requires_external": "C"}, "requires_external", ["C"]),
        ({"home_page": "https://example.com/"}, "home_page", "https://example.com/"),
        (
            {"metadata_version": "2.5", "import_name": ["sample", "sample.sub; private"]},
            "import_names",
            ["sample", "sample.sub; private"],
        ),
        ({"metadata_version": "2.5", "import_namespace": "ns"}, "import_namespaces", ["ns"]),
        (
            {"project_urls": "Home,https://example.com"},
            "project_urls",
            {"Home": "https://example.com"},
        ),
    ],
    ids=[
        "platform",
        "supported-platform",
        "provides-extra",
        "dynamic",
        "obsoletes-dist",
        "provides-dist",
        "requires-external",
        "home-page",
        "import-name",
        "import-namespace",
        "project-url-without-space",
    ],
)
def test_twine_field_names_map_onto_metadata(values, attribute, expected):
    assert getattr(parse_metadata(form(**values)), attribute) == expected


def test_unknown_and_upload_form_fields_are_ignored():
    metadata = parse_metadata(form(comment="hi", x_custom=["a", "b"], license_files="nope"))

    assert metadata.name == "sampleproject"
    assert metadata.license_files is None


def test_a_single_empty_value_counts_as_absent():
    metadata = parse_metadata(form(summary="", classifiers=""))

    assert metadata.summary is None
    assert metadata.classifiers is None


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"summary": ["one", "two"]}, "'summary' has invalid data."),
        ({"name": ["sampleproject", "other"]}, "'name' has invalid data."),
        ({"keywords": ["a, b", "c"]}, "'keywords' has invalid data."),
        (
            {"project_urls": ["Home, https://a.example", "Home, https://b.example"]},
            "'project_urls' has invalid data.",
        ),
    ],
    ids=["single-use-twice", "name-twice", "keywords-twice", "repeated-project-url-label"],
)
def test_unreadable_fields_are_refused(values, error):
    assert refused(form(**values)).message == refusal(error)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (form([]), "None is not a valid metadata version."),
        (form([("metadata_version", "2.4"), ("version", "1.0")]), "'name' is a required field."),
        (form(name="-bad-"), "'-bad-' is invalid for 'name'."),
        (form(version="one"), "'one' is invalid for 'version'."),
        (form(requires_dist="??"), "'??' is invalid for 'requires-dist'."),
        (form(requires_python="=>3"), "'=>3' is invalid for 'requires-python'."),
        (form(summary="two\nlines"), "'summary' must be a single line."),
        (
            form(description_content_type="text/plain; charset=latin-1"),
            "'description-content-type' can only specify the UTF-8 charset, not 'latin-1'.",
        ),
        (
            form(metadata_version="2.1", license_expression="MIT"),
            "license-expression introduced in metadata version 2.4, not 2.1.",
        ),
        (form(dynamic="Name"), "'name' is not allowed as a dynamic field."),
    ],
    ids=[
        "nothing-sent",
        "name-missing",
        "name-invalid",
        "version-invalid",
        "requires-dist-invalid",
        "requires-python-invalid",
        "multiline-summary",
        "content-type-charset",
        "field-too-new",
        "dynamic-name",
    ],
)
def test_core_metadata_errors_from_packaging(fields, error):
    assert refused(fields).message == refusal(error)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"metadata_version": "2.6"}, "'2.6' is not a valid metadata version."),
        ({"version": "1.0+local"}, "The use of local versions in '1.0+local' is not allowed."),
        ({"summary": "x" * 513}, "'summary' field must be 512 characters or less."),
        (
            {"author_email": "A <a@example..com>"},
            "'a@example..com' is not a valid email address: An email address cannot have two "
            "periods in a row.",
        ),
        (
            {"maintainer_email": "m@localhost"},
            "'m@localhost' is not a valid email address: The part after the @-sign is not valid. "
            "It should have a period.",
        ),
        (
            {"classifiers": "Made Up :: Classifier"},
            "'Made Up :: Classifier' is not a valid classifier.",
        ),
        (
            {"classifiers": "Natural Language :: Ukranian"},
            "The classifier 'Natural Language :: Ukranian' has been deprecated, use one of "
            "['Natural Language :: Ukrainian'] instead.",
        ),
        (
            {"classifiers": "Topic :: Communications :: Chat :: AOL Instant Messenger"},
            "The classifier 'Topic :: Communications :: Chat :: AOL Instant Messenger' has been "
            "deprecated.",
        ),
        ({"home_page": "ftp://example.com"}, "'ftp://example.com' is not a valid url."),
        ({"download_url": "example.com/dl"}, "'example.com/dl' is not a valid url."),
        ({"project_urls": ", https://example.com"}, "Must have a label."),
        (
            {"project_urls": f"{'L' * 33}, https://example.com"},
            f"'{'L' * 33}' must be 32 characters or less.",
        ),
        ({"project_urls": "Home"}, "Must have a URL."),
        (
            {"project_urls": "Home, javascript:alert(1)"},
            "'javascript:alert(1)' is not a valid url.",
        ),
        (
            {"requires_dist": "dep @ https://example.com/dep-1.0-py3-none-any.whl"},
            "Can't have direct dependency: dep @ https://example.com/dep-1.0-py3-none-any.whl.",
        ),
        (
            {"provides_dist": "dep @ https://example.com/dep.whl"},
            "Can't have direct dependency: 'dep @ https://example.com/dep.whl'.",
        ),
        (
            {"obsoletes_dist": "dep @ https://example.com/dep.whl"},
            "Can't have direct dependency: 'dep @ https://example.com/dep.whl'.",
        ),
        (
            {"provides_dist": "??"},
            "'??' is invalid: Expected package name at the start of dependency specifier\n"
            "    ??\n    ^.",
        ),
        ({"dynamic": "Dynamic"}, "Dynamic field 'dynamic' is not a valid dynamic field."),
        (
            {"license": "MIT License", "license_expression": "MIT"},
            "License is deprecated when License-Expression is present. "
            "Only License-Expression should be present.",
        ),
    ],
    ids=[
        "metadata-version-unsupported",
        "local-version",
        "summary-too-long",
        "author-email",
        "maintainer-email",
        "classifier-unknown",
        "classifier-deprecated-with-replacement",
        "classifier-deprecated",
        "home-page",
        "download-url",
        "project-url-no-label",
        "project-url-long-label",
        "project-url-no-url",
        "project-url-bad-url",
        "requires-dist-direct-reference",
        "provides-dist-direct-reference",
        "obsoletes-dist-direct-reference",
        "provides-dist-invalid",
        "dynamic-not-allowed",
        "license-and-expression",
    ],
)
def test_pypi_metadata_rules(values, error):
    assert refused(form(**values)).message == refusal(error)


@pytest.mark.parametrize(
    "values",
    [
        {"summary": "x" * 512},
        {"metadata_version": "1.0", "author_email": "a@example.com, Bee <b@example.com>"},
        {"classifiers": "Natural Language :: Ukrainian"},
        {"project_urls": f"{'L' * 32}, https://example.com"},
        {"dynamic": ["Import-Name", "License-File"]},
        {"license": "MIT License"},
    ],
    ids=["summary-512", "metadata-1.0", "classifier", "label-32", "dynamic", "license"],
)
def test_pypi_rules_accept_their_limits(values):
    assert parse_metadata(form(**values)).name == "sampleproject"


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://example.com/a path?q=ä#frag", True),
        ("HTTP://Example.COM:8080/", True),
        ("https://user:secret@example.com/", True),
        ("https://[2001:db8::1]/", True),
        ("https://192.0.2.1/", True),
        ("https://bücher.example/", True),
        ("http:relative", True),
        ("mailto:a@example.com", False),
        ("//example.com/", False),
        ("https://example.com:65536/", False),
        ("https://exa mple.com/", False),
        ("https://256.0.0.1/", False),
        ("https://[not-ipv6]/", False),
    ],
    ids=lambda value: str(value),
)
def test_home_page_url_validity(url, valid):
    if valid:
        assert parse_metadata(form(home_page=url)).home_page == url
    else:
        assert refused(form(home_page=url)).message == refusal(f"{url!r} is not a valid url.")


@pytest.mark.parametrize(
    ("values", "error"),
    [
        (
            {"metadata_version": "9.9", "name": "-bad-", "version": "x", "summary": "a\nb"},
            "'9.9' is not a valid metadata version.",
        ),
        ({"name": "-bad-", "version": "x", "summary": "a\nb"}, "'-bad-' is invalid for 'name'."),
        (
            {"version": "x", "requires_dist": "??", "summary": "a\nb"},
            "'x' is invalid for 'version'.",
        ),
        (
            {"summary": "a\nb", "requires_dist": "??"},
            "'??' is invalid for 'requires-dist'.",
        ),
        (
            {"version": "1.0+local", "metadata_version": "2.6"},
            "'2.6' is not a valid metadata version.",
        ),
        (
            {"summary": "x" * 513, "classifiers": ["Made Up", "Also Made Up"]},
            "'Also Made Up' is not a valid classifier.",
        ),
    ],
    ids=[
        "metadata-version-first",
        "then-name",
        "then-version",
        "then-alphabetical",
        "pypi-rules-same-order",
        "first-error-of-the-field",
    ],
)
def test_which_error_is_reported(values, error):
    assert refused(form(**values)).message == refusal(error)


def test_pypi_rules_apply_only_once_packaging_accepts():
    message = refused(form(metadata_version="2.6", name="-bad-")).message

    assert message == refusal("'-bad-' is invalid for 'name'.")


def test_no_description_renders_empty():
    rendered = render_release_description(parse_metadata(form()))

    assert rendered.html == ""
    assert rendered.content_type == "text/x-rst"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("values", "failure"),
    [
        (
            {"description_content_type": "text/x-rst; charset=UTF-8"},
            "The description failed to render for 'text/x-rst; charset=UTF-8'.",
        ),
        ({}, "The description failed to render in the default format of reStructuredText."),
    ],
    ids=["declared-type", "default-rst"],
)
def test_description_that_fails_to_render_is_refused(values, failure):
    metadata = parse_metadata(form(description=".. raw:: html\n\n   <b>raw</b>\n", **values))

    with pytest.raises(UploadError) as caught:
        render_release_description(metadata)

    assert caught.value.status == 400
    assert caught.value.message == (
        f"{failure} See {help_url('description-content-type')} for more information."
    )
    assert help_url("description-content-type").endswith("/help/#description-content-type")
