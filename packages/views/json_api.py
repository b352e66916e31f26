"""``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion

from .. import json_api
from ..apiheaders import add_caching, add_cors, add_serial
from ..models import LifecycleStatus, Project, Release
from ..names import normalize_name
from ..storage import files_base_url


def _project(name: str) -> Project:
    project = Project.objects.filter(normalized_name=normalize_name(name)).first()
    if project is None or project.is_quarantined:
        raise Http404(name)
    return project


def _respond(body: bytes, project: Project) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    add_serial(response, project.last_serial)
    add_caching(response, max_age=900, surrogate_keys=[f"project/{project.normalized_name}"])
    return add_cors(response)


@require_safe
def project_json(request: HttpRequest, name: str) -> HttpResponse:
    if name != normalize_name(name):
        return add_cors(HttpResponsePermanentRedirect(f"/pypi/{normalize_name(name)}/json"))
    project = _project(name)
    body = json_api.project_document(project, files_base_url(request))
    if body is None:
        raise Http404(name)
    return _respond(body, project)


@require_safe
def release_json(request: HttpRequest, name: str, version: str) -> HttpResponse:
    if name != normalize_name(name):
        target = f"/pypi/{normalize_name(name)}/{version}/json"
        return add_cors(HttpResponsePermanentRedirect(target))
    project = _project(name)
    try:
        canonical = canonicalize_version(version)
    except InvalidVersion:
        raise Http404(version) from None
    release = (
        Release.objects.filter(project=project, canonical_version=canonical)
        .exclude(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)
        .first()
    )
    if release is None:
        raise Http404(version)
    return _respond(json_api.release_document(project, release, files_base_url(request)), project)
