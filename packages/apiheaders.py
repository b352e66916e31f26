"""Headers shared by the machine-readable surfaces (Simple, JSON, RSS): CORS, caching, serial."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http.response import HttpResponseBase

_Response = TypeVar("_Response", bound=HttpResponseBase)  # buffered or streamed

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": (
        "Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since"
    ),
    "Access-Control-Allow-Methods": "GET",
    "Access-Control-Max-Age": "86400",
    "Access-Control-Expose-Headers": "X-PyPI-Last-Serial",
}


def language_independent(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Mark a view's responses as the same in every language (no ``Vary: Accept-Language``)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(*args, **kwargs)
        # A marker that pypi_site.middleware.LanguageIndependentMiddleware reads.
        response.language_independent = True  # type: ignore[attr-defined]
        return response

    return wrapper


def add_cors(response: _Response) -> _Response:
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def add_caching(
    response: _Response, *, max_age: int, surrogate_keys: list[str], cdn_max_age: int = 86400
) -> _Response:
    """Browser caching plus the surrogate headers a CDN in front of the site purges by."""
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Surrogate-Control"] = (
        f"max-age={cdn_max_age}, stale-while-revalidate=300, stale-if-error=86400"
    )
    response["Surrogate-Key"] = " ".join(surrogate_keys)
    return response


def add_serial(response: _Response, serial: int) -> _Response:
    response["X-PyPI-Last-Serial"] = str(serial)
    return response
