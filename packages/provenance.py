"""Serving PEP 740 provenance: the Integrity API's answers and the address the Simple API gives.

``GET /integrity/<project>/<version>/<filename>/provenance`` answers the provenance object
stored when the file was uploaded with verified attestations (``packages/attestations.py``).
The Simple API names that address for each attested file: ``"provenance"`` in PEP 691 JSON
(``null`` when the file has none), ``data-provenance`` on the HTML anchor. Pure functions: the
view and the Simple API pages call them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .encoding import dumps

INTEGRITY_V1_JSON = "application/vnd.pypi.integrity.v1+json"
APPLICATION_JSON = "application/json"
CONTENT_TYPES = (INTEGRITY_V1_JSON, APPLICATION_JSON)
"""What the Integrity API answers in, by preference."""


def provenance_path(project_name: str, version: str, filename: str) -> str:
    """The Integrity API's path for a file: its project's name and release version as stored
    (a differently spelled name is found too, as the project lookup normalizes it)."""
    segments = (_segment(project_name), _segment(version), _segment(filename))
    return "/integrity/{}/{}/{}/provenance".format(*segments)


def provenance_url(site: str, project_name: str, version: str, filename: str) -> str:
    """The absolute address the Simple API gives for an attested file; ``site`` is the
    site's origin (scheme and host, no trailing slash)."""
    return site.rstrip("/") + provenance_path(project_name, version, filename)


def negotiate(accept: str | None) -> str | None:
    """The content type to answer an ``Accept`` header with, or None for 406.

    As WebOb's ``acceptable_offers`` decides: no header, an empty one or one that does not
    parse accepts anything; otherwise each type takes the q-value of the most specific range
    that matches it, q=0 refuses it, and equal q-values keep our order of preference.
    """
    parts = [part for part in (accept or "").split(",") if part.strip()]
    ranges = [parsed for part in parts if (parsed := _media_range(part))]
    if not parts or len(ranges) < len(parts):
        return CONTENT_TYPES[0]
    ranked = []
    for index, offer in enumerate(CONTENT_TYPES):
        quality = _quality(offer, ranges)
        if quality > 0:
            ranked.append((-quality, index, offer))
    return min(ranked)[2] if ranked else None


def provenance_body(document: dict[str, Any]) -> bytes:
    """The stored provenance object as the public index writes JSON."""
    return dumps(document)


def not_found_body(filename: str) -> bytes:
    return dumps({"message": f"No provenance available for {filename}"})


def not_acceptable_body() -> bytes:
    return dumps({"message": "Request not acceptable"})


def disabled_body() -> bytes:
    """The 403 while the ``disable-pep740`` switch is on."""
    return dumps({"message": "Attestations temporarily disabled"})


def _segment(value: str) -> str:
    return quote(value, safe="!+")


def _media_range(part: str) -> tuple[str, str, float] | None:
    """``(type, subtype, q)`` of one media range, None when it is not one."""
    media, *params = (piece.strip() for piece in part.lower().split(";"))
    main, slash, sub = media.partition("/")
    if not (main and slash and sub):
        return None
    quality = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 1.0
    return main, sub, quality


def _quality(offer: str, ranges: list[tuple[str, str, float]]) -> float:
    main, sub = offer.split("/")
    best, quality = 0, 0.0
    for range_main, range_sub, q in ranges:
        if (range_main, range_sub) == (main, sub):
            specificity = 3
        elif range_main == main and range_sub == "*":
            specificity = 2
        elif (range_main, range_sub) == ("*", "*"):
            specificity = 1
        else:
            continue
        if specificity > best:
            best, quality = specificity, q
    return quality
