"""Site-wide middleware (wiring only)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import cc_delim_re
from django.utils.translation import gettext as _

from accounts import ports


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


# Read-only mode -----------------------------------------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
RETRY_AFTER_SECONDS = 300

# What keeps accepting unsafe methods while the site is read-only. Everything else that is not
# a read is refused with 503, machines' endpoints too: leak reporters and observers send their
# reports again after a 503 (and a leaked token can do nothing while uploads and project
# changes are refused).
EXEMPT_PREFIXES: tuple[str, ...] = (
    # The admin: staff must be able to turn the switch off (and may act on incidents).
    "/admin/",
    # Logging in and its second step (code, recovery code, security key, the mailed
    # confirmation of a new address), re-entering the password, logging out: they write the
    # session and the security history, not the index.
    "/account/login/",
    "/account/two-factor/",
    "/account/webauthn/authentication/",
    "/account/confirm-login/",
    "/account/confirm-password/",
    "/account/reauthenticate/",
    "/account/logout/",
    # The footer's language switcher (a cookie).
    "/locale/",
    # The upload endpoint refuses in its own format (503, its message, before credentials).
    "/legacy",
    # The management API refuses changes in its own format (503, JSON).
    "/api/projects/",
    # Trusted publishing's token exchange (not built yet; it will answer to disallow-oidc).
    "/_/oidc/",
)
EXEMPT_PATHS = frozenset(
    {
        # XML-RPC: reads sent as POST.
        "/pypi",
        "/pypi/",
        "/RPC2",
    }
)

# The machine-readable APIs that reach the middleware hear the refusal as JSON, as DRF words it.
JSON_PREFIXES = ("/api/", "/danger-api/")


def exempt_from_read_only(path: str) -> bool:
    """True for the addresses that keep accepting unsafe methods in read-only mode."""
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


class ReadOnlyMiddleware:
    """While the administrators' ``read-only`` switch is on, refuse every unsafe request (POST,
    PUT, PATCH, DELETE, ...) with 503 and ``Retry-After``, except the addresses above.

    Reads cost nothing: the switch is looked up only for an unsafe method, and exactly (no
    cache), so that turning it off takes effect at once. The APIs hear the refusal as JSON,
    everyone else as a page (``503_read_only.html``). Place it after the session,
    authentication and message middlewares: the page shows who is logged in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in SAFE_METHODS
            or exempt_from_read_only(request.path_info)
            or not ports.is_on(ports.Switch.READ_ONLY)
        ):
            return self.get_response(request)
        return read_only_refusal(request)


def read_only_refusal(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path_info.startswith(JSON_PREFIXES):
        response = JsonResponse(
            {"detail": _("Read-only mode: changes are temporarily disabled.")}, status=503
        )
    else:
        response = render(request, "503_read_only.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
