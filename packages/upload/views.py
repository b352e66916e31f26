"""``/legacy/``: the upload endpoint twine speaks. Errors answer with the message as the HTTP
reason phrase and as the body, which is what upload clients show their users."""

from __future__ import annotations

import logging
import re

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts import ports, tokens
from accounts.identity import Identity, PasswordAuthRefused, identity_from_request
from help.links import help_url

from ..services.events import Actor
from .errors import UploadError, bad_request, forbidden
from .form import sanitize
from .handlers import CONTENT_FIELD
from .parser import LengthRequired, parse_upload_body
from .service import upload

logger = logging.getLogger(__name__)

# Control characters cannot be sent in a status line (RFC 9112: HTAB, SP, VCHAR, obs-text);
# gunicorn refuses such a status with a 500.
_UNSENDABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def error_response(error: UploadError) -> HttpResponse:
    response = HttpResponse(error.message, status=error.status, content_type="text/plain")
    phrase = " ".join(error.message.split())
    phrase = phrase.encode("iso-8859-1", "replace").decode("iso-8859-1")
    response.reason_phrase = _UNSENDABLE.sub("?", phrase)
    return response


def moved_legacy(request: HttpRequest) -> HttpResponse:
    """``/legacy`` without the slash: 308, so clients resend the body to ``/legacy/``."""
    message = _(
        "An upload was attempted to /legacy but the expected upload URL is /legacy/ "
        "(with a trailing slash)"
    )
    response = HttpResponse(message, status=308, content_type="text/plain")
    response["Location"] = "/legacy/"
    response.reason_phrase = message
    return response


def _identity(request: HttpRequest) -> Identity:
    if ports.is_on(ports.Switch.READ_ONLY):  # 1
        # 503, not the public index's 403: the refusal is temporary, and says nothing about
        # the client's credentials (it comes before them); the message is the public index's.
        raise UploadError(503, _("Read-only mode: Uploads are temporarily disabled."))
    if ports.is_on(ports.Switch.DISALLOW_NEW_UPLOAD):  # 2
        raise forbidden(
            _("New uploads are temporarily disabled. See {url} for more information.").format(
                url=help_url("admin-intervention")
            )
        )
    try:
        identity = identity_from_request(request)
    except PasswordAuthRefused:  # 2a
        raise forbidden(
            _(
                "Username/Password authentication is no longer supported. Migrate to API "
                "Tokens or Trusted Publishers instead. See {token_url} and {tp_url}"
            ).format(token_url=help_url("apitoken"), tp_url=help_url("trusted-publishers"))
        ) from None
    if identity is None:  # 3
        raise forbidden(
            _(
                "Invalid or non-existent authentication information. "
                "See {url} for more information."
            ).format(url=help_url("invalid-auth"))
        )
    return identity


def _route(action: str | None) -> None:
    """Refuse every ``:action`` but ``file_upload`` (docs/upload.md, "Routing")."""
    if action == "file_upload":
        return
    if action in ("submit", "submit_pkg_info"):
        raise UploadError(
            410,
            _(
                "Project pre-registration is no longer required or supported, "
                "upload your files instead."
            ),
        )
    if action == "doc_upload":
        raise UploadError(
            410,
            _(
                "Uploading documentation is no longer supported, we recommend using "
                "https://readthedocs.org/."
            ),
        )
    if not action:
        raise bad_request(_("Missing :action. This URL accepts uploads: :action=file_upload."))
    shown = repr(action) if len(action) <= 40 else repr(action[:40]) + "..."
    raise bad_request(
        _("Unknown :action {action}. This URL accepts uploads: :action=file_upload.").format(
            action=shown
        )
    )


def _parse(request: HttpRequest) -> tuple[QueryDict, MultiValueDict]:
    try:
        return parse_upload_body(request)
    except LengthRequired:
        raise UploadError(
            411,
            _(
                "Length Required: send the upload with a Content-Length header "
                "(this server cannot read a chunked request body)."
            ),
        ) from None
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, SuspiciousOperation) as exc:
        raise bad_request(_("Invalid upload request: {error}").format(error=exc)) from None


def _upload(request: HttpRequest) -> HttpResponse:
    """A POST: everything that can be refused from the request line and headers is refused
    before a byte of the body is read, so an anonymous client cannot make the site spool and
    hash a large body only to be told it may not upload."""
    query_action = request.GET.get(":action") or None
    if query_action is not None:
        _route(query_action)
    identity = _identity(request)  # 1-3, from the headers alone
    post, files = _parse(request)
    try:
        _route(query_action or post.get(":action"))
        fields = sanitize(post, files)
        upload(
            fields,
            files.get(CONTENT_FIELD),
            identity=identity,
            actor=Actor.from_request(request, identity.user, token=identity.token_label),
        )
    finally:
        for part in files.values():
            # Each name's last part: django-stubs adds the [] that a name without parts would
            # give, and the parser never keeps such a name.
            part.close()  # type: ignore[union-attr]
    tokens.record_use(identity.token)
    return HttpResponse("", content_type="text/plain")


@csrf_exempt
def legacy_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "packages/upload_landing.html")
    try:
        return _upload(request)
    except UploadError as error:
        return error_response(error)
