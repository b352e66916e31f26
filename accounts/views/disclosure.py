"""``POST /_/secrets/disclose-token``: leak reports from secret scanners (GitHub, deps.dev)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import disclosure


@csrf_exempt
@require_POST
def disclose_token(request: HttpRequest) -> HttpResponse:
    """204 for every report whose signature verifies, whatever its records matched."""
    reporter = disclosure.reporter_for(request.headers)
    if reporter is None:
        return HttpResponse(status=404)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > disclosure.MAX_REPORT_BYTES:
        return HttpResponse(status=413)  # refused unread
    try:
        disclosure.accept_report(
            reporter,
            request.body,
            key_id=request.headers.get(reporter.key_id_header),
            signature=request.headers.get(reporter.signature_header),
        )
    except disclosure.KeysUnavailable:
        # Neither trusted nor refused: the reporter sends the report again later.
        return HttpResponse(status=503, headers={"Retry-After": str(disclosure.RETRY_SECONDS)})
    except disclosure.InvalidReport:
        return HttpResponse(status=400)
    return HttpResponse(status=204)
