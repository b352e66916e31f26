"""``/simple/`` and ``/simple/<name>/``: the Simple Repository API pip, uv and mirrors read."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.views.decorators.http import require_safe

from .. import simple
from ..apiheaders import add_caching, add_cors, add_serial
from ..models import Project
from ..names import normalize_name
from ..services import journal
from ..storage import files_base_url


def negotiate(request: HttpRequest) -> str:
    """PEP 691: ``?format=`` first, then the Accept header; HTML when nothing matches."""
    requested = request.GET.get("format")
    if requested in simple.CONTENT_TYPES:
        return requested
    return request.get_preferred_type(simple.CONTENT_TYPES) or simple.TEXT_HTML


def _respond(body: bytes, content_type: str, serial: int, keys: list[str]) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Vary"] = "Accept"
    add_serial(response, serial)
    add_caching(response, max_age=600, surrogate_keys=keys)
    return add_cors(response)


@require_safe
def simple_index(request: HttpRequest) -> HttpResponse:
    content_type = negotiate(request)
    serial = journal.last_serial()
    return _respond(simple.index(content_type, serial), content_type, serial, ["simple-index"])


@require_safe
def simple_detail(request: HttpRequest, name: str) -> HttpResponse:
    normalized = normalize_name(name)
    if name != normalized:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return add_cors(HttpResponsePermanentRedirect(f"/simple/{normalized}/{query}"))
    project = Project.objects.filter(normalized_name=normalized).first()
    if project is None:
        raise Http404(name)
    content_type = negotiate(request)
    body = simple.detail(project, content_type, files_base_url(request))
    return _respond(body, content_type, project.last_serial, [f"project/{normalized}"])
