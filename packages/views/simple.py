"""``/simple/`` and ``/simple/<name>/``: the Simple Repository API pip, uv and mirrors read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    StreamingHttpResponse,
)
from django.utils.http import parse_header_parameters
from django.views.decorators.http import require_safe

from .. import simple
from ..apiheaders import add_caching, add_cors, add_serial
from ..models import Project
from ..names import normalize_name
from ..services import journal
from ..storage import files_base_url

_Response = TypeVar("_Response", HttpResponse, StreamingHttpResponse)


def negotiate(request: HttpRequest) -> str:
    """PEP 691: ``?format=`` first, then the Accept header; HTML when nothing matches.

    Ranked as Warehouse (WebOb's ``acceptable_offers``) ranks: each type takes the q-value of
    the most specific range matching it, q=0 refuses it, and equal q-values keep our order of
    preference, not the client's (Django's ``get_preferred_type`` keeps the client's).
    """
    requested = request.GET.get("format")
    if requested in simple.CONTENT_TYPES:
        return requested
    ranges = _accept_ranges(request.headers.get("Accept", ""))
    ranked = []
    for index, offer in enumerate(simple.CONTENT_TYPES):
        q = _quality(offer, ranges)
        if q:
            ranked.append((-q, index, offer))
    return min(ranked)[2] if ranked else simple.TEXT_HTML


def _accept_ranges(header: str) -> list[tuple[str, str, bool, float]]:
    """``(type, subtype, has_params, q)`` of each media range of an Accept header."""
    ranges = []
    for token in header.lower().split(","):
        full_type, params = parse_header_parameters(token)
        main, _, sub = full_type.partition("/")
        if not main or not sub:
            continue
        try:
            q = float(params.pop("q", 1))
        except ValueError:
            q = 1.0
        ranges.append((main, sub, bool(params), q))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, str, bool, float]]) -> float:
    main, sub = offer.split("/")
    best, quality = 0, 0.0
    for range_main, range_sub, has_params, q in ranges:
        if (range_main, range_sub) == (main, sub):
            specificity = 0 if has_params else 3  # our types take no parameters
        elif range_main == main and range_sub == "*":
            specificity = 2
        else:
            specificity = 1 if (range_main, range_sub) == ("*", "*") else 0
        if specificity > best:
            best, quality = specificity, q
    return quality


def _respond(body: bytes, content_type: str, serial: int, keys: list[str]) -> HttpResponse:
    return _headers(HttpResponse(body, content_type=content_type), serial, keys)


def _headers(response: _Response, serial: int, keys: list[str]) -> _Response:
    response["Vary"] = "Accept"
    add_serial(response, serial)
    add_caching(response, max_age=600, surrogate_keys=keys)
    return add_cors(response)


@require_safe
def simple_index(request: HttpRequest) -> StreamingHttpResponse:
    """Streamed from the database: its memory does not grow with the number of projects. Not
    cached here (the CDN in front caches it until a change purges ``simple-index``)."""
    content_type = negotiate(request)
    serial = journal.last_serial()
    head = request.method == "HEAD"  # the headers only: no need to read every project
    chunks: Iterator[bytes] = iter(()) if head else simple.index(content_type, serial)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    return _headers(response, serial, ["simple-index"])


@require_safe
def simple_detail(request: HttpRequest, name: str) -> HttpResponse:
    normalized = normalize_name(name)
    if name != normalized:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return add_cors(HttpResponsePermanentRedirect(f"/simple/{normalized}/{query}"))
    # Any project, quarantined ones too: their page lists no files and says "quarantined".
    project = Project.objects.find_by_name(normalized)
    if project is None:
        raise Http404(name)
    content_type = negotiate(request)
    site = request.build_absolute_uri("/").rstrip("/")  # provenance addresses: this site
    body = simple.detail(project, content_type, files_base_url(request), site)
    return _respond(body, content_type, project.last_serial, [f"project/{normalized}"])
