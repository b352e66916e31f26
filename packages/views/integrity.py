"""``/integrity/<project>/<version>/<filename>/provenance``: a file's PEP 740 provenance (the
Integrity API). The bodies and the content negotiation are ``packages.provenance``'s.

In the order the public index answers: 404 for a file it does not know (or clients may not see:
quarantined), 406 for an ``Accept`` that allows neither JSON type, 404 for a file without
provenance, else the document. A file and its provenance never change once uploaded, so the
answer is cached like the Simple API's, under the project's purge key: deleting the file or
quarantining the project journals, which purges the project's key.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_version

from .. import provenance
from ..apiheaders import add_caching, add_cors, add_serial
from ..models import File
from ..names import normalize_name


@require_safe
def file_provenance(request: HttpRequest, name: str, version: str, filename: str) -> HttpResponse:
    file = _installable_file(name, version, filename)
    if file is None:
        return _json(provenance.not_found_body(filename), status=404)
    content_type = provenance.negotiate(request.headers.get("Accept"))
    if content_type is None:
        return _json(provenance.not_acceptable_body(), status=406)
    project = file.release.project
    document = getattr(file, "provenance", None)  # joined: no query when it has none
    if document is None:
        response = _json(provenance.not_found_body(filename), status=404)
    else:
        body = provenance.provenance_body(document.document)
        response = _json(body, content_type=content_type)
    response["Vary"] = "Accept"
    add_serial(response, project.last_serial)
    return add_caching(response, max_age=600, surrogate_keys=[f"project/{project.normalized_name}"])


def _installable_file(name: str, version: str, filename: str) -> File | None:
    """The file called ``filename`` if it belongs to the release ``version`` (1.0 = 1.0.0) of
    the project called ``name`` (any spelling), with its project and provenance, in one query."""
    file = (
        File.objects.installable()
        .select_related("release__project", "provenance")
        .filter(filename=filename)
        .first()
    )
    if file is None:
        return None
    release = file.release
    if release.project.normalized_name != normalize_name(name):
        return None
    if release.canonical_version != canonicalize_version(version):
        return None
    return file


def _json(
    body: bytes, *, status: int = 200, content_type: str = provenance.APPLICATION_JSON
) -> HttpResponse:
    return add_cors(HttpResponse(body, status=status, content_type=content_type))
