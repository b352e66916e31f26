"""Site-wide middleware (wiring only)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re


class LanguageIndependentMiddleware:
    """Keep ``Accept-Language`` out of ``Vary`` on responses marked language-independent.

    LocaleMiddleware adds it to every response; on the machine-readable APIs it would only split
    CDN and client caches by language for bytes that never change with it. Place this before
    LocaleMiddleware so it sees the response after it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, "language_independent", False) and response.has_header("Vary"):
            kept = [
                v for v in cc_delim_re.split(response["Vary"]) if v.lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
