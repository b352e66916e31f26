"""``/packages/<path>``: distribution files and their PEP 658 ``.metadata`` sidecars.

Only files the index knows are served, and none of a quarantined project. Depending on
``FILES_SERVE_MODE`` the bytes are streamed from storage, handed to nginx with
``X-Accel-Redirect``, or the client is redirected to the storage's own URL (S3, a CDN).
"""

from __future__ import annotations

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from ..models import File
from ..storage import package_storage

METADATA_SUFFIX = ".metadata"


def _known(path: str) -> bool:
    is_metadata = path.endswith(METADATA_SUFFIX)
    files = File.objects.installable()
    if is_metadata:
        return (
            files.filter(path=path[: -len(METADATA_SUFFIX)])
            .exclude(metadata_file_sha256_digest="")
            .exists()
        )
    return files.filter(path=path).exists()


@require_safe
def package_file(request: HttpRequest, path: str) -> HttpResponseBase:
    if not _known(path):
        raise Http404(path)
    storage = package_storage()
    mode = settings.FILES_SERVE_MODE
    if mode == "redirect":
        return HttpResponseRedirect(storage.url(path))
    response: HttpResponse | FileResponse
    if mode == "accel":
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.FILES_ACCEL_PREFIX + path
        response["Content-Type"] = ""
    else:
        response = FileResponse(storage.open(path, "rb"))
        response["Content-Type"] = (
            "text/plain; charset=utf-8"
            if path.endswith(METADATA_SUFFIX)
            else "application/octet-stream"
        )
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
