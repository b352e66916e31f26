"""Site-wide middleware (wiring only)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re


class LanguageIndependentMiddleware:
    """Keep ``Accept-Language`` out of ``Vary``, and ``Content-Language`` off, on responses
    marked language-independent.

    LocaleMiddleware adds both to every response; on the machine-readable APIs they would only
    split CDN and client caches by language (and claim a language) for bytes that never change
    with it. Place this before LocaleMiddleware so it sees the response after it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(response, "language_independent", False):
            return response
        if response.has_header("Content-Language"):
            del response["Content-Language"]
        if response.has_header("Vary"):
            kept = [
                v for v in cc_delim_re.split(response["Vary"]) if v.lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
