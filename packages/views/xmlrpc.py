"""``POST /pypi`` and ``/RPC2``: XML-RPC for mirrors (bandersnatch's ``api-method = xmlrpc``)."""

from __future__ import annotations

import xmlrpc.client

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponsePermanentRedirect,
)
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .. import xmlrpc as rpc
from ..storage import files_base_url
from ..upload.errors import UploadError
from ..upload.views import error_response

MAX_BODY = 1024 * 1024
LEGACY_FEEDS = {"rss": "/rss/updates.xml", "packages_rss": "/rss/packages.xml"}


def _xml(body: str) -> HttpResponse:
    return HttpResponse(body.encode(), content_type="text/xml; charset=utf-8")


@csrf_exempt
def xmlrpc_endpoint(request: HttpRequest) -> HttpResponse:
    action = request.GET.get(":action")
    if action in LEGACY_FEEDS:
        return HttpResponsePermanentRedirect(LEGACY_FEEDS[action])
    if action is not None:
        return error_response(
            UploadError(
                410,
                _("This API has moved to {url}. See the Help page for more information.").format(
                    url=request.build_absolute_uri("/legacy/")
                ),
            )
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return _xml(
            xmlrpc.client.dumps(
                xmlrpc.client.Fault(-32600, "client error; request too large"), methodresponse=True
            )
        )
    try:
        method, params = rpc.parse_call(request.body)
        result = rpc.dispatch(method, params, files_base=files_base_url(request))
        body = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True)
    except rpc.ClientError as exc:
        body = xmlrpc.client.dumps(xmlrpc.client.Fault(-32600, str(exc)), methodresponse=True)
    except xmlrpc.client.Fault as fault:
        body = xmlrpc.client.dumps(fault, methodresponse=True)
    return _xml(body)
