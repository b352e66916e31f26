"""Trusted publishing's endpoints, as twine, uv and the CI publish actions call them.

- ``GET /_/oidc/audience``: the audience a CI job must ask its platform's token for;
- ``POST /_/oidc/mint-token`` (and the older ``/_/oidc/github/mint-token``): a CI token in,
  ``{"token": "<JWT>"}``, an upload token out, or 422 with the reasons (errors.py).

Both answer JSON, are never cached, and the exchange needs no CSRF token (clients are not
browsers and send no cookie: the CI token is the credential).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts import ports
from accounts.ports import Switch

from ..models import PendingPublisher
from ..services.events import Actor
from . import issuers, replay
from .errors import OIDCError, as_response
from .minting import mint
from .publishers import find_publisher, reify
from .verify import verify

# A request is a JSON object holding a 1-2 KB token: anything larger is not read.
MAX_BODY_BYTES = 64 * 1024


@never_cache
@require_GET
def audience(request: HttpRequest) -> JsonResponse:
    """The audience (``aud``) CI tokens for this index must name; 403 while the
    ``disallow-oidc`` switch is on."""
    if ports.is_on(Switch.DISALLOW_OIDC):
        return JsonResponse(
            {"message": gettext("Trusted publishing functionality not enabled")}, status=403
        )
    return JsonResponse({"audience": issuers.audience()})


@csrf_exempt
@never_cache
@require_POST
def mint_token(request: HttpRequest) -> JsonResponse:
    """Exchange a CI platform's OIDC token for a short-lived upload token."""
    try:
        provider, claims = verify(_token_from(request))
        return _exchange(request, provider, claims)
    except OIDCError as error:
        return as_response(error)


def _token_from(request: HttpRequest) -> str:
    """The ``token`` of the request's JSON body; OIDCError (``invalid-payload``) otherwise."""
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise OIDCError("invalid-payload", gettext("the request body is too large"))
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        payload = None
    token = payload.get("token") if isinstance(payload, dict) else None
    if not isinstance(token, str):
        raise OIDCError(
            "invalid-payload",
            gettext('the request body must be a JSON object: {"token": "<the CI token>"}'),
        )
    return token


def _exchange(request: HttpRequest, provider: str, claims: dict[str, Any]) -> JsonResponse:
    """Find the publisher the verified ``claims`` speak for (a pending one's first use creates
    its project), then claim the token's ``jti`` and mint the upload token in one transaction:
    a failed minting leaves the CI token usable."""
    publisher = find_publisher(provider, claims)
    actor = Actor.from_request(request, None)  # no user: the publisher acts
    if isinstance(publisher, PendingPublisher):
        # Outside the transaction below: a refused pending publisher's deletion must stay.
        publisher = reify(publisher, actor=actor)
    with transaction.atomic():
        if "jti" in claims:
            expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
            if not replay.claim(f"{provider}:{claims['jti']}", expires):
                raise OIDCError("invalid-reuse-token", gettext("invalid token: already used"))
        token, expires_at = mint(publisher, claims, actor=actor)
    return JsonResponse({"success": True, "token": token, "expires": expires_at})
