"""Check 43b: a wheel's METADATA says what the upload's metadata says.

The release, the JSON API and the Simple API's ``data-requires-python`` come from the upload's
form fields; installers read the wheel's own METADATA (served as its PEP 658 ``.metadata``
file). So the fields that decide what gets installed must be the same in both:

- ``Name`` (normalised) and ``Version`` (as versions): which project and release the file is;
- ``Requires-Dist`` (as a set of requirements): what an installer installs with it;
- ``Requires-Python`` (as a specifier set): where an installer may install it.

Other fields (summary, description, classifiers, ``Provides-Extra``, ...) are not compared:
they change nothing an installer installs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext
from packaging.metadata import InvalidMetadata, Metadata, parse_email
from packaging.utils import canonicalize_name

from .errors import UploadError, bad_request
from .metadata import length_errors

# The METADATA fields read here (packaging's RawMetadata keys), in the order they are checked.
_COMPARED = ("name", "version", "requires_dist", "requires_python")


def check_wheel_metadata(data: bytes, meta: Metadata, filename: str) -> None:
    """Check 43b: the METADATA ``data`` of wheel ``filename`` agrees with the upload's ``meta``.

    Raises ``UploadError(400, ...)`` naming the first field (Name, Version, Requires-Dist,
    Requires-Python) that cannot be read or differs, and the first differing value.
    """
    wheel = _parse(data, filename)
    name, version = _read(wheel, "name", filename), _read(wheel, "version", filename)
    if canonicalize_name(name) != canonicalize_name(meta.name):
        raise _should_be("Name", filename, meta.name, name)
    if version != meta.version:
        raise _should_be("Version", filename, str(meta.version), str(version))
    requires_dist = _read(wheel, "requires_dist", filename) or []
    _compare("Requires-Dist", filename, requires_dist, meta.requires_dist or [])
    requires_python = _read(wheel, "requires_python", filename)
    _compare(
        "Requires-Python",
        filename,
        [requires_python] if requires_python is not None else [],
        [meta.requires_python] if meta.requires_python is not None else [],
    )


def _parse(data: bytes, filename: str) -> Metadata:
    raw, unparsed = parse_email(data)
    fields = [key.replace("_", "-") for key in _COMPARED]  # as packaging names them
    for field in fields:
        if field in unparsed:  # not UTF-8, or a single-use field given twice
            raise _invalid(filename, gettext("'{field}' has invalid data").format(field=field))
    # The limits of check 6: packaging fails with ValueError on, say, a 5,000-digit Version.
    for error in length_errors(raw):
        if error.field in fields:
            raise _invalid(filename, str(error))
    return Metadata.from_raw(raw, validate=False)


def _read(wheel: Metadata, key: str, filename: str) -> Any:
    """The field's value, validated by packaging as it is read (the other fields are not)."""
    try:
        return getattr(wheel, key)
    except InvalidMetadata as exc:
        raise _invalid(filename, str(exc)) from None


def _invalid(filename: str, error: str) -> UploadError:
    return bad_request(
        gettext("The METADATA file of wheel '{filename}' is invalid: {error}").format(
            filename=filename, error=error
        )
    )


def _should_be(field: str, filename: str, expected: str, actual: str) -> UploadError:
    return bad_request(
        gettext(
            "{field} in the METADATA file of wheel '{filename}' should be '{expected}' "
            "not '{actual}'."
        ).format(field=field, filename=filename, expected=expected, actual=actual)
    )


def _compare(
    field: str, filename: str, in_wheel: Sequence[object], in_form: Sequence[object]
) -> None:
    """Refuse the first value of the wheel the form lacks, else the first the wheel lacks.

    Values compare as packaging's objects: ``Requirement`` (canonical name, extras, specifier,
    marker) and ``SpecifierSet``, so spelling differences such as ``A (>=1)`` and ``a>=1``
    are the same value.
    """
    extra = _first_missing(in_wheel, in_form)
    if extra is not None:
        raise bad_request(
            gettext(
                "The METADATA file of wheel '{filename}' declares {field} '{value}', which the "
                "upload's metadata does not."
            ).format(filename=filename, field=field, value=extra)
        )
    missing = _first_missing(in_form, in_wheel)
    if missing is not None:
        raise bad_request(
            gettext(
                "The upload's metadata declares {field} '{value}', which the METADATA file of "
                "wheel '{filename}' does not."
            ).format(filename=filename, field=field, value=missing)
        )


def _first_missing(values: Iterable[object], others: Iterable[object]) -> object | None:
    known = set(others)
    return next((value for value in values if value not in known), None)
