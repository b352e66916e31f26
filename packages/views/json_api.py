"""``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``."""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponsePermanentRedirect,
)
from django.views.decorators.http import require_safe

from .. import json_api
from ..apiheaders import add_caching, add_cors, add_serial
from ..encoding import dumps
from ..models import Project
from ..names import normalize_name
from ..storage import files_base_url

JSON = "application/json"


def _not_found() -> HttpResponse:
    """Nothing to show: 404 with the CORS headers (browser tools read it), as Warehouse does."""
    return add_cors(HttpResponseNotFound(dumps({"message": "Not Found"}), content_type=JSON))


def _project(name: str) -> Project | None:
    return Project.objects.installable().find_by_name(name)


def _respond(body: bytes, project: Project) -> HttpResponse:
    response = HttpResponse(body, content_type=JSON)
    add_serial(response, project.last_serial)
    add_caching(response, max_age=900, surrogate_keys=[f"project/{project.normalized_name}"])
    return add_cors(response)


@require_safe
def project_json(request: HttpRequest, name: str) -> HttpResponse:
    if name != normalize_name(name):
        return add_cors(HttpResponsePermanentRedirect(f"/pypi/{normalize_name(name)}/json"))
    project = _project(name)
    if project is None:
        return _not_found()
    body = json_api.project_document(project, files_base_url(request))
    if body is None:
        return _not_found()
    return _respond(body, project)


@require_safe
def release_json(request: HttpRequest, name: str, version: str) -> HttpResponse:
    if name != normalize_name(name):
        target = f"/pypi/{normalize_name(name)}/{version}/json"
        return add_cors(HttpResponsePermanentRedirect(target))
    project = _project(name)
    if project is None:
        return _not_found()
    release = project.releases.installable().with_details().find_by_version(version)
    if release is None:
        return _not_found()
    return _respond(json_api.release_document(project, release, files_base_url(request)), project)
