"""Project names: the one normalisation (PEP 503) and the "too similar" form."""

from __future__ import annotations

import re

# \\Z, not $: $ also matches before a trailing newline (Python re, SQLite REGEXP).
PROJECT_NAME_PATTERN = r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])\Z"
_PROJECT_NAME_RE = re.compile(PROJECT_NAME_PATTERN)
_SEPARATORS_RE = re.compile(r"[-_.]+")
_CONFUSABLES = str.maketrans({"l": "1", "i": "1", "o": "0"})


def normalize_name(name: str) -> str:
    """PEP 503: runs of ``-``, ``_`` and ``.`` become one ``-``; lower case."""
    return _SEPARATORS_RE.sub("-", name).lower()


def ultranormalize_name(name: str) -> str:
    """The confusable form: no separators, ``l``/``i`` read as ``1`` and ``o`` as ``0``."""
    return re.sub(r"[-_.]", "", name).lower().translate(_CONFUSABLES)


def is_valid_project_name(name: str) -> bool:
    # fullmatch: "$" alone would accept a trailing newline.
    return bool(_PROJECT_NAME_RE.fullmatch(name))


def wheel_name(name: str) -> str:
    """The name as it starts a wheel or PEP 625 sdist filename."""
    return normalize_name(name).replace("-", "_")
