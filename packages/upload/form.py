"""The upload form: the fields of a legacy upload that describe the file, not the release.

Mirrors Warehouse's ``sanitize`` step, the protocol version check and its ``UploadForm``,
including the wording of errors and which failing field a client is told about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext

from packages.names import is_valid_project_name
from packages.upload.errors import UploadError, bad_request

CORE_METADATA_URL = "https://packaging.python.org/specifications/core-metadata"

# Multipart parts that are meant to be files; any other field sent as a file is refused.
_FILE_PARTS = frozenset({"content", "gpg_signature", "attestations"})
_FILETYPES = ("sdist", "bdist_wheel")
_HEX_DIGEST_RE = re.compile(r"[A-Fa-f0-9]{64}")
_FORM_FIELDS = (
    "name",
    "filetype",
    "pyversion",
    "comment",
    "md5_digest",
    "sha256_digest",
    "blake2_256_digest",
)


@dataclass(frozen=True)
class UploadForm:
    filetype: str
    pyversion: str
    md5_digest: str | None
    sha256_digest: str | None
    blake2_256_digest: str | None
    comment: str
    attestations: str | None = None  # PEP 740: a JSON list, verified once the file is known


def sanitize(post: QueryDict, files: MultiValueDict) -> MultiValueDict:
    """The POST fields with distutils' "UNKNOWN" values dropped and NUL characters escaped.

    Every value is cleaned on its own; a field whose values were all dropped is absent.
    Raises ``UploadError(400, "<field>: Should not be a tuple.")`` when a field other than
    the file parts arrived as a file (the alphabetically first such field is named).
    """
    misplaced = sorted(set(files) - _FILE_PARTS)
    if misplaced:
        raise bad_request(gettext("{field}: Should not be a tuple.").format(field=misplaced[0]))
    cleaned: MultiValueDict = MultiValueDict()
    for key, values in post.lists():
        kept = [value.replace("\x00", "\\x00") for value in values if value.strip() != "UNKNOWN"]
        if kept:
            cleaned.setlist(key, kept)
    return cleaned


def check_protocol_version(fields: MultiValueDict) -> None:
    """Refuse any protocol version but "1" (the default when the field is absent)."""
    if fields.get("protocol_version", "1") != "1":
        raise bad_request(gettext("Unknown protocol version."))


def parse_upload_form(fields: MultiValueDict) -> UploadForm:
    """The validated upload form; raises ``UploadError(400, ...)`` worded as Warehouse does.

    The first value of each field is used. Digests come back lower-cased, a blank digest
    as None, and at least one digest is present. An sdist's pyversion is "source".
    """
    values = {key: _first(fields, key) for key in _FORM_FIELDS}
    errors = _field_errors(values)
    if errors:
        raise _form_error(errors, values)
    filetype = values["filetype"] or ""
    pyversion = _pyversion(filetype, values["pyversion"])
    md5, sha256, blake2 = (
        _digest(values[key]) for key in ("md5_digest", "sha256_digest", "blake2_256_digest")
    )
    if not (md5 or sha256 or blake2):
        message = gettext("Include at least one message digest.")
        raise bad_request(gettext("Error: {error}").format(error=message))
    return UploadForm(
        filetype=filetype,
        pyversion=pyversion,
        md5_digest=md5,
        sha256_digest=sha256,
        blake2_256_digest=blake2,
        comment=values["comment"] or "",
        attestations=_first(fields, "attestations"),
    )


def _first(fields: MultiValueDict, key: str) -> str | None:
    values = fields.getlist(key)
    return values[0] if values else None


def _is_blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _field_errors(values: dict[str, str | None]) -> dict[str, str]:
    """The first error of each field that fails its own validators, as WTForms reports them."""
    errors: dict[str, str] = {}
    name, filetype = values["name"], values["filetype"]
    if not name:
        errors["name"] = gettext("This field is required.")
    elif not is_valid_project_name(name):
        errors["name"] = gettext(
            "Start and end with a letter or numeral containing only ASCII numeric and "
            "'.', '_' and '-'."
        )
    if not filetype:
        errors["filetype"] = gettext("This field is required.")
    elif filetype not in _FILETYPES:
        errors["filetype"] = gettext("Use a known file type.")
    digest_messages = {
        "sha256_digest": gettext("Use a valid, hex-encoded, SHA256 message digest."),
        "blake2_256_digest": gettext("Use a valid, hex-encoded, BLAKE2 message digest."),
    }
    for key, message in digest_messages.items():
        value = values[key]
        if not _is_blank(value) and not _HEX_DIGEST_RE.fullmatch(value or ""):
            errors[key] = message
    return errors


def _form_error(errors: dict[str, str], values: dict[str, str | None]) -> UploadError:
    """One error for the field a client should hear about, in Warehouse's two formats."""
    # Warehouse names the Name field first, then the alphabetically first failing field.
    key = "name" if "name" in errors else sorted(errors)[0]
    if key != "name":
        return bad_request(
            gettext("Invalid value for {field}. Error: {error}").format(
                field=key, error=errors[key]
            )
        )
    value = values[key] or ""
    shown = f"{value[:30]}...{value[-30:]}" if len(value) > 60 else value
    return bad_request(
        gettext(
            "{value} is an invalid value for {field}. Error: {error} See {url} for more "
            "information."
        ).format(value=repr(shown), field="Name", error=errors[key], url=CORE_METADATA_URL)
    )


def _pyversion(filetype: str, pyversion: str | None) -> str:
    """Binary uploads must name a Python version; an sdist's is "source" (or empty)."""
    if filetype == "sdist":
        if not pyversion:
            return "source"
        if pyversion != "source":
            raise _pyversion_error(gettext("Use 'source' as Python version for an sdist."))
        return pyversion
    if not pyversion:
        raise _pyversion_error(
            gettext("Python version is required for binary distribution uploads.")
        )
    return pyversion


def _pyversion_error(message: str) -> UploadError:
    return bad_request(
        gettext("Invalid value for {field}. Error: {error}").format(
            field="pyversion", error=message
        )
    )


def _digest(value: str | None) -> str | None:
    return None if _is_blank(value) else (value or "").lower()
