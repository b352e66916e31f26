"""Core metadata of an upload, read from the form fields the client sends.

Values longer than the limits below are refused before anything parses them (check 6,
stage 1). packaging.metadata then does the standard validation (required fields, Name,
Version, Requires-Dist, Description-Content-Type, ...); on top come the rules Warehouse adds
for its index, with Warehouse's wording. The first problem of the field Warehouse would
report becomes one ``UploadError(400, ...)``.
"""

from __future__ import annotations

import email.utils
import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

import email_validator
from django.conf import settings
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from packaging.metadata import InvalidMetadata, Metadata, RawMetadata
from packaging.requirements import InvalidRequirement, Requirement
from trove_classifiers import all_classifiers, deprecated_classifiers

from help.links import help_url
from packages.description import Rendered, RenderTimeout, render_description_within
from packages.upload.errors import UploadError, bad_request
from packages.upload.form import CORE_METADATA_URL

SUPPORTED_METADATA_VERSIONS = frozenset({"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"})
# Fields a release may declare Dynamic (lower case, as packaging returns them).
DYNAMIC_FIELDS = frozenset(
    """
    platform supported-platform summary description description-content-type keywords
    home-page download-url author author-email maintainer maintainer-email license
    license-expression license-file classifier requires-dist requires-python requires-external
    project-url provides-extra provides-dist obsoletes-dist requires provides obsoletes
    import-name import-namespace
    """.split()
)
SUMMARY_LIMIT = 512
PROJECT_URL_LABEL_LIMIT = 32
# Longest values, in characters (check 6, stage 1). Nothing longer reaches packaging (which
# cannot turn a number of more than 4300 digits into an int), the database (Project.name and
# Release.version are limited columns) or installers (pip fails on the whole project when a
# Requires-Python does not parse for it).
NAME_LIMIT = 200
# Also keeps every number of a version below 100 digits, as packages/versions.py's sort keys
# need.
VERSION_LIMIT = 64
REQUIRES_PYTHON_LIMIT = 255
# Each value of the multi-use fields that name other distributions.
REQUIREMENT_LIMIT = 1024
REQUIREMENT_FIELDS = (
    "requires_dist",
    "provides_dist",
    "obsoletes_dist",
    "requires_external",
    "requires",
    "provides",
    "obsoletes",
)
# Parentheses in an environment marker; packaging's parser recurses once per level.
NESTING_LIMIT = 32

# Form fields as twine sends them. Single-use fields are named as in RawMetadata; the
# multi-use ones are mapped onto RawMetadata's plural keys. keywords and project_urls
# are read apart.
_STRING_FIELDS = frozenset(
    """
    metadata_version name version summary description description_content_type home_page
    download_url author author_email maintainer maintainer_email license license_expression
    requires_python
    """.split()
)
_LIST_FIELDS = {
    "classifiers": "classifiers",
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "requires": "requires",
    "provides": "provides",
    "obsoletes": "obsoletes",
    "requires_dist": "requires_dist",
    "provides_dist": "provides_dist",
    "obsoletes_dist": "obsoletes_dist",
    "requires_external": "requires_external",
    "provides_extra": "provides_extra",
    "dynamic": "dynamic",
    "license_file": "license_files",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}
# Which field's error a client sees: these first, then the alphabetically first field.
_ERROR_ORDER = ("metadata-version", "name", "version")


def parse_metadata(fields: MultiValueDict) -> Metadata:
    """The validated core metadata of the upload's form fields.

    Unknown fields are ignored and a lone empty value counts as absent. Raises
    ``UploadError(400, "<error>. See <core metadata spec> for more information.")``
    when a field cannot be read, packaging rejects the metadata, or a PyPI rule fails.
    """
    raw, errors = _raw_metadata(fields)
    errors += length_errors(raw) + _description_errors(raw)
    if errors:
        raise _metadata_error(errors)
    try:
        metadata = Metadata.from_raw(cast(RawMetadata, raw), validate=True)
    except ExceptionGroup as group:
        invalid = [exc for exc in group.exceptions if isinstance(exc, InvalidMetadata)]
        if len(invalid) != len(group.exceptions):
            raise
        raise _metadata_error(invalid) from None
    errors = _pypi_errors(metadata)
    if errors:
        raise _metadata_error(errors)
    return metadata


def render_release_description(metadata: Metadata) -> Rendered:
    """The release's description as HTML (check 14), or ``UploadError(400, ...)`` saying why not.

    Refused when it does not render (there is no plain-text fallback) and when rendering takes
    longer than ``UPLOAD_DESCRIPTION_RENDER_SECONDS``. No description renders to an empty
    string. Renders in a child process, taking up to that long: call it outside any
    transaction.
    """
    content_type = metadata.description_content_type
    seconds = settings.UPLOAD_DESCRIPTION_RENDER_SECONDS
    try:
        rendered = render_description_within(
            metadata.description or "", content_type, seconds=seconds
        )
    except RenderTimeout:
        raise _too_slow_error(seconds) from None
    if rendered is None:
        raise _render_error(content_type)
    return rendered


def _too_slow_error(seconds: float) -> UploadError:
    message = gettext(
        "The description could not be rendered in time: rendering a description may take at "
        "most {seconds} seconds. Shorten it or simplify its markup (deep nesting, for "
        "example)."
    ).format(seconds=f"{seconds:g}")
    return bad_request(
        gettext("{message} See {url} for more information.").format(
            message=message, url=help_url("description-content-type")
        )
    )


def _render_error(content_type: str | None) -> UploadError:
    if content_type:
        message = gettext("The description failed to render for '{content_type}'.").format(
            content_type=content_type
        )
    else:
        message = gettext(
            "The description failed to render in the default format of reStructuredText."
        )
    return bad_request(
        gettext("{message} See {url} for more information.").format(
            message=message, url=help_url("description-content-type")
        )
    )


def _raw_metadata(fields: MultiValueDict) -> tuple[dict[str, Any], list[InvalidMetadata]]:
    """RawMetadata from the form, and an error for each known field that cannot be read.

    A single-use field sent twice, keywords sent twice and Project-URLs with a repeated
    label cannot be read.
    """
    raw: dict[str, Any] = {}
    unreadable: list[str] = []
    for key in fields:
        values = fields.getlist(key)
        if values == [""]:
            continue
        if key in _LIST_FIELDS:
            raw[_LIST_FIELDS[key]] = values
        elif key not in _STRING_FIELDS and key not in {"keywords", "project_urls"}:
            continue  # not metadata: the upload form's own fields, or unknown
        elif len(values) == 1 and key in _STRING_FIELDS:
            raw[key] = values[0]
        elif len(values) == 1 and key == "keywords":
            raw[key] = [keyword.strip() for keyword in values[0].split(",")]
        elif key == "project_urls" and (urls := _project_urls(values)) is not None:
            raw[key] = urls
        else:
            unreadable.append(key)
    message = gettext("{field} has invalid data")
    return raw, [InvalidMetadata(key, message.format(field=repr(key))) for key in unreadable]


def length_errors(raw: Mapping[str, Any]) -> list[InvalidMetadata]:
    """Values too long (or too deeply nested) to be parsed, stored or given to installers.

    ``raw`` has ``RawMetadata``'s keys, as this module builds it from the form or
    ``packaging.metadata.parse_email`` from a METADATA file: call this before
    ``Metadata.from_raw``, which fails with ``ValueError`` or ``RecursionError`` (not
    ``InvalidMetadata``) on such values. The description is not counted here.
    """
    errors = []
    for key, limit in (
        ("name", NAME_LIMIT),
        ("version", VERSION_LIMIT),
        ("requires_python", REQUIRES_PYTHON_LIMIT),
    ):
        if len(raw.get(key, "")) > limit:
            message = gettext("{field} field must be {limit} characters or less.")
            field = key.replace("_", "-")
            errors.append(InvalidMetadata(field, message.format(field=repr(field), limit=limit)))
    for key in REQUIREMENT_FIELDS:
        field = key.replace("_", "-")
        values = raw.get(key, [])
        if any(len(value) > REQUIREMENT_LIMIT for value in values):
            message = gettext("Each {field} value must be {limit} characters or less.")
            text = message.format(field=repr(field), limit=REQUIREMENT_LIMIT)
            errors.append(InvalidMetadata(field, text))
        elif any(_nesting(value) > NESTING_LIMIT for value in values):
            message = gettext("{field} values must not nest parentheses more than {limit} deep.")
            text = message.format(field=repr(field), limit=NESTING_LIMIT)
            errors.append(InvalidMetadata(field, text))
    return errors


def _description_errors(raw: Mapping[str, Any]) -> list[InvalidMetadata]:
    """A description longer than check 14 will render."""
    limit = settings.UPLOAD_MAX_DESCRIPTION_BYTES
    if len(raw.get("description", "").encode("utf-8", "surrogatepass")) <= limit:
        return []
    message = gettext("'description' field must be {limit} bytes or less.")
    return [InvalidMetadata("description", message.format(limit=limit))]


def _nesting(value: str) -> int:
    """How deep parentheses nest in ``value``, outside quoted strings."""
    depth = deepest = 0
    quote = ""
    for char in value:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _project_urls(values: list[str]) -> dict[str, str] | None:
    """Each "Label, URL" entry as label -> URL, or None when a label is repeated."""
    urls: dict[str, str] = {}
    for value in values:
        label, _, url = (part.strip() for part in value.partition(","))
        if label in urls:
            return None
        urls[label] = url
    return urls


def _metadata_error(errors: Iterable[InvalidMetadata]) -> UploadError:
    """The first error of the field Warehouse reports, with the link to the specification."""
    by_field: dict[str, list[InvalidMetadata]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(error)
    field = next((name for name in _ERROR_ORDER if name in by_field), None)
    text = str(by_field[field or sorted(by_field)[0]][0])
    if not text.endswith("."):
        text += "."
    return bad_request(
        gettext("{error} See {url} for more information.").format(error=text, url=CORE_METADATA_URL)
    )


def _pypi_errors(metadata: Metadata) -> list[InvalidMetadata]:
    """Everything PyPI refuses beyond the core metadata specification, in Warehouse's order."""
    return [
        *_version_errors(metadata),
        *_summary_errors(metadata),
        *_email_errors(metadata),
        *_classifier_errors(metadata.classifiers or []),
        *_url_errors(metadata),
        *_project_url_errors(metadata.project_urls or {}),
        *_dist_errors(metadata),
        *_dynamic_errors(metadata.dynamic or []),
        *_license_errors(metadata),
    ]


def _version_errors(metadata: Metadata) -> list[InvalidMetadata]:
    errors = []
    if metadata.metadata_version not in SUPPORTED_METADATA_VERSIONS:
        message = gettext("{version} is not a valid metadata version")
        errors.append(
            InvalidMetadata(
                "metadata-version", message.format(version=repr(metadata.metadata_version))
            )
        )
    if metadata.version.local:
        message = gettext("The use of local versions in '{version}' is not allowed.")
        errors.append(InvalidMetadata("version", message.format(version=metadata.version)))
    return errors


def _summary_errors(metadata: Metadata) -> list[InvalidMetadata]:
    if metadata.summary is None or len(metadata.summary) <= SUMMARY_LIMIT:
        return []
    message = gettext("'summary' field must be {limit} characters or less.")
    return [InvalidMetadata("summary", message.format(limit=SUMMARY_LIMIT))]


def _email_errors(metadata: Metadata) -> list[InvalidMetadata]:
    """Author-email and Maintainer-email must hold a valid address (deliverability unchecked)."""
    errors = []
    for field, value in (
        ("author-email", metadata.author_email),
        ("maintainer-email", metadata.maintainer_email),
    ):
        _, address = email.utils.parseaddr(value or "")
        if not address:
            continue
        try:
            email_validator.validate_email(address, check_deliverability=False)
        except email_validator.EmailNotValidError as exc:
            message = gettext("{address} is not a valid email address: {error}")
            errors.append(InvalidMetadata(field, message.format(address=repr(address), error=exc)))
    return errors


def _classifier_errors(classifiers: list[str]) -> list[InvalidMetadata]:
    """Unknown classifiers, then deprecated ones (with their replacements when there are)."""
    used = set(classifiers)
    errors = [
        InvalidMetadata(
            "classifier",
            gettext("{classifier} is not a valid classifier.").format(classifier=repr(classifier)),
        )
        for classifier in sorted(used - set(all_classifiers))
    ]
    for classifier in sorted(used & deprecated_classifiers.keys()):
        if replacements := deprecated_classifiers[classifier]:
            message = gettext(
                "The classifier {classifier} has been deprecated, use one of {replacements} "
                "instead."
            )
        else:
            message = gettext("The classifier {classifier} has been deprecated.")
        text = message.format(classifier=repr(classifier), replacements=replacements)
        errors.append(InvalidMetadata("classifier", text))
    return errors


def _url_errors(metadata: Metadata) -> list[InvalidMetadata]:
    errors = []
    for field, url in (("home-page", metadata.home_page), ("download-url", metadata.download_url)):
        if url is not None and not _is_valid_url(url):
            message = gettext("{url} is not a valid url.")
            errors.append(InvalidMetadata(field, message.format(url=repr(url))))
    return errors


def _project_url_errors(project_urls: dict[str, str]) -> list[InvalidMetadata]:
    """Each Project-URL needs a label of at most 32 characters and a valid URL."""
    errors = []
    for label, url in project_urls.items():
        if not label:
            message = gettext("Must have a label")
        elif len(label) > PROJECT_URL_LABEL_LIMIT:
            message = gettext("{label} must be {limit} characters or less.").format(
                label=repr(label), limit=PROJECT_URL_LABEL_LIMIT
            )
        elif not url:
            message = gettext("Must have a URL")
        elif not _is_valid_url(url):
            message = gettext("{url} is not a valid url").format(url=repr(url))
        else:
            continue
        errors.append(InvalidMetadata("project-url", message))
    return errors


def _dist_errors(metadata: Metadata) -> list[InvalidMetadata]:
    """Provides-/Obsoletes-Dist must be requirements; no *-Dist may be a direct URL reference."""
    direct = gettext("Can't have direct dependency: {requirement}")
    errors = []
    for field, values in (
        ("provides-dist", metadata.provides_dist),
        ("obsoletes-dist", metadata.obsoletes_dist),
    ):
        for value in values or []:
            try:
                requirement = Requirement(value)
            except InvalidRequirement as exc:
                message = gettext("{requirement} is invalid: {error}")
                errors.append(
                    InvalidMetadata(field, message.format(requirement=repr(value), error=exc))
                )
            else:
                if requirement.url is not None:
                    text = direct.format(requirement=repr(value))
                    errors.append(InvalidMetadata(field, text))
    for requirement in metadata.requires_dist or []:
        if requirement.url is not None:
            text = direct.format(requirement=requirement)
            errors.append(InvalidMetadata("requires-dist", text))
    return errors


def _dynamic_errors(dynamic: list[str]) -> list[InvalidMetadata]:
    message = gettext("Dynamic field {field} is not a valid dynamic field.")
    return [
        InvalidMetadata("dynamic", message.format(field=repr(field)))
        for field in dynamic
        if field.lower() not in DYNAMIC_FIELDS
    ]


def _license_errors(metadata: Metadata) -> list[InvalidMetadata]:
    if not (metadata.license and metadata.license_expression):
        return []
    message = gettext(
        "License is deprecated when License-Expression is present. "
        "Only License-Expression should be present."
    )
    return [InvalidMetadata("license", message)]


# RFC 3986 as Warehouse applies it: an http(s) scheme, a port in range, and path and query
# free (Warehouse percent-encodes them before checking). Where Warehouse's normaliser
# silently drops an unparsable authority, we refuse it: a host must be a registered name
# (internationalised names allowed), an IPv4 address or a bracketed IPv6 address.
_URL_START_RE = re.compile(
    r"(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*):)?(?://(?P<authority>[^\\/?#]*))?"
)
_UNRESERVED_SUB_DELIMS = r"A-Za-z0-9._~\-!$&'()*+,;="
_AUTHORITY_RE = re.compile(
    rf"(?:(?:[{_UNRESERVED_SUB_DELIMS}:]|%[0-9A-Fa-f]{{2}})+@)?"
    r"(?P<host>\[[^\]]*\]|[^:@\[\]]*):?(?P<port>[0-9]{1,5})?"
)
_REG_NAME_RE = re.compile(rf"(?:[{_UNRESERVED_SUB_DELIMS}]|[^\x00-\x7f\s]|%[0-9A-Fa-f]{{2}})*")
_IPV4_LIKE_RE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")


def _is_valid_url(url: str) -> bool:
    """True for an http or https URL with a well-formed host and port, if it has them."""
    start = _URL_START_RE.match(url)
    if start is None or (start["scheme"] or "").lower() not in {"http", "https"}:
        return False
    if start["authority"] is None:
        return True
    authority = _AUTHORITY_RE.fullmatch(start["authority"])
    if authority is None or int(authority["port"] or 0) > 65535:
        return False
    return _is_valid_host(authority["host"])


def _is_valid_host(host: str) -> bool:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    if _IPV4_LIKE_RE.fullmatch(host):
        return all(int(octet) <= 255 for octet in host.split("."))
    return bool(_REG_NAME_RE.fullmatch(host))
