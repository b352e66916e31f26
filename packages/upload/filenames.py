"""Upload filename rules: characters, extension, and the sdist/wheel naming conventions.

Each function either returns or raises ``UploadError(400, message)`` with Warehouse's message
for the corresponding upload check (the numbers in the docstrings are the rows of the ordered
check table), so clients see the same errors they would see on the reference index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext
from packaging.tags import Tag
from packaging.utils import (
    BuildTag,
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from packages.names import wheel_name
from packages.upload.errors import bad_request
from packages.upload.platforms import is_allowed_platform

_FORBIDDEN_CHARACTERS = frozenset([*map(chr, range(32)), chr(127)])
# Matched case-insensitively, then compared case-sensitively below: "x.WHL" has an extension,
# just not one valid for any file type (Warehouse behaves the same).
_EXTENSION_RE = re.compile(r".+?(?P<extension>\.(tar\.gz|zip|whl))$", re.IGNORECASE)
_EXTENSIONS = {"sdist": (".tar.gz", ".zip"), "bdist_wheel": (".whl",)}
_SDIST_SUFFIX = ".tar.gz"


@dataclass(frozen=True)
class WheelFilename:
    """A wheel filename as ``packaging.utils.parse_wheel_filename`` reads it."""

    name: str
    version: Version
    build: BuildTag
    tags: frozenset[Tag]


def check_filename_characters(filename: str) -> None:
    """Checks 17 and 18: no control characters, no path separators."""
    if any(char in _FORBIDDEN_CHARACTERS for char in filename):
        raise bad_request(
            gettext(
                "Cannot upload a file with non-printable characters (ordinals 0-31) "
                "or the DEL character (ordinal 127) in the name."
            )
        )
    if "/" in filename or "\\" in filename:
        raise bad_request(gettext("Cannot upload a file with '/' or '\\' in the name."))


def check_extension(filename: str, filetype: str) -> None:
    """Checks 19 and 20: a known extension, and the one that fits ``filetype``."""
    match = _EXTENSION_RE.match(filename)
    if match is None:
        raise bad_request(
            gettext(
                "Invalid file extension: Use .tar.gz, .whl or .zip extension. "
                "See https://www.python.org/dev/peps/pep-0527 and "
                "https://peps.python.org/pep-0715/ for more information"
            )
        )
    extension = match["extension"]
    if extension not in _EXTENSIONS.get(filetype, ()):
        raise bad_request(
            gettext(
                "Invalid file extension: Extension {extension} is invalid for filetype "
                "{filetype}. See https://www.python.org/dev/peps/pep-0527 for more information."
            ).format(extension=extension, filetype=filetype)
        )


def check_sdist_filename(
    filename: str, *, project_name: str, normalized_name: str, version: Version
) -> None:
    """Checks 31-33: a parsable sdist name, for this project, in PEP 625 form."""
    name_from_filename: str
    try:
        name_from_filename, _ = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        raise bad_request(
            gettext("Invalid source distribution filename: {filename}").format(filename=filename)
        ) from None
    if (
        version.is_postrelease
        and name_from_filename != normalized_name
        and filename.count("-") >= 2
    ):
        name_from_filename = _name_before_hyphenated_version(filename)
    expected_name = wheel_name(normalized_name)
    if canonicalize_name(name_from_filename) != normalized_name:
        raise bad_request(
            gettext("Start filename for {project!r} with {prefix!r}.").format(
                project=project_name, prefix=expected_name
            )
        )
    expected = f"{expected_name}-{version}{_SDIST_SUFFIX}"
    if filename != expected:
        raise bad_request(
            gettext("Filename {filename!r} is invalid, should be {expected!r}.").format(
                filename=filename, expected=expected
            )
        )


def _name_before_hyphenated_version(filename: str) -> str:
    """The name if the version is an old-style ``1.0-1`` post-release ("name-1.0-1.tar.gz").

    Like Warehouse, the shorter name is taken whether or not the rest is a valid version: a
    wrong guess then fails the PEP 625 check, whose message names the expected filename.
    """
    return filename.rpartition("-")[0].rpartition("-")[0]


def check_wheel_filename(
    filename: str,
    *,
    project_name: str,
    normalized_name: str,
    metadata_name: str,
    version: Version,
) -> WheelFilename:
    """Checks 35-39: a parsable wheel name, allowed platforms, this project, this version."""
    try:
        name, file_version, build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise bad_request(str(exc)) from None
    _check_platforms(filename)
    canonical_name = canonicalize_name(metadata_name)
    if canonical_name != name:
        raise bad_request(
            gettext("Start filename for {project!r} with {prefix!r}.").format(
                project=project_name, prefix=wheel_name(canonical_name)
            )
        )
    segment = filename.split("-", 1)[0]
    if segment != wheel_name(normalized_name):
        raise bad_request(
            gettext(
                "Filename {filename!r} should contain the normalized project name "
                "{expected!r}, not {segment!r}."
            ).format(filename=filename, expected=wheel_name(normalized_name), segment=segment)
        )
    if version != file_version:
        raise bad_request(
            gettext("Version in filename should be {expected!r} not {actual!r}.").format(
                expected=str(version), actual=str(file_version)
            )
        )
    return WheelFilename(name=name, version=file_version, build=build, tags=tags)


def _check_platforms(filename: str) -> None:
    # The platforms as packaging's Tag spells them (lower case), in the filename's order so the
    # error names the first bad one deterministically.
    listed = filename.removesuffix(".whl").rsplit("-", 1)[-1].lower().split(".")
    for platform in dict.fromkeys(listed):
        if not is_allowed_platform(platform):
            raise bad_request(
                gettext(
                    "Binary wheel '{filename}' has an unsupported platform tag '{platform}'."
                ).format(filename=filename, platform=platform)
            )
