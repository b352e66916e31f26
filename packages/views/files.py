"""``/packages/<path>``: distribution files and their PEP 658 ``.metadata`` sidecars.

Only files the index knows are served, and none of a quarantined project. Depending on
``FILES_SERVE_MODE`` the bytes are streamed from storage (a local disk, or S3 read as it is
sent), handed to nginx with ``X-Accel-Redirect``, or the client is redirected to the
storage's own URL (S3, a CDN).

Caching: a file's bytes never change under its path (the path holds their BLAKE2b-256), so
what this site sends is cacheable for a year by browsers and a CDN alike, with the surrogate
keys ``files`` and ``files/<project>``; they are purged only when a change takes files away
(a file, release or project removed, a project quarantined: ``packages.cdn.project_keys``).
A redirect to a presigned URL expires with the URL, so it is never cached (``no-store``); a
redirect to a permanent object URL is as immutable as the file.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..models import File
from ..storage import StorageUnavailable, open_stream, package_storage, stored_size

logger = logging.getLogger(__name__)

METADATA_SUFFIX = ".metadata"
IMMUTABLE = "public, max-age=31536000, immutable"
RETRY_AFTER_SECONDS = 60


def _project_of(path: str) -> str | None:
    """The normalised name of the project whose installable file (or ``.metadata``) is at
    ``path``; None if the index serves nothing there."""
    files = File.objects.installable()
    if path.endswith(METADATA_SUFFIX):
        files = files.filter(path=path[: -len(METADATA_SUFFIX)]).exclude(
            metadata_file_sha256_digest=""
        )
    else:
        files = files.filter(path=path)
    return files.values_list("release__project__normalized_name", flat=True).first()


@require_safe
def package_file(request: HttpRequest, path: str) -> HttpResponseBase:
    project = _project_of(path)
    if project is None:
        raise Http404(path)
    mode = settings.FILES_SERVE_MODE
    response: HttpResponseBase
    if mode == "redirect":
        response = _redirect(path)
    elif mode == "accel":
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.FILES_ACCEL_PREFIX + path
        response["Content-Type"] = ""
        response["Cache-Control"] = IMMUTABLE
    else:
        try:
            response = _serve(request, path)
        except StorageUnavailable as exc:
            logger.error("File storage failed while reading %s: %s", path, exc)
            return _unavailable()
        except FileNotFoundError:
            # A file the index knows whose bytes are missing: an operator must restore them.
            logger.error("The stored object of %s is missing from file storage.", path)
            raise Http404(path) from None
        response["Cache-Control"] = IMMUTABLE
    response["Surrogate-Key"] = f"files files/{project}"
    return response


def _serve(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    response: HttpResponse | FileResponse
    if request.method == "HEAD":
        response = HttpResponse()  # the size alone: no need to read the object
        size = stored_size(path)
    else:
        stream, size = open_stream(path)
        response = FileResponse(stream)
    response["Content-Length"] = str(size)
    is_metadata = path.endswith(METADATA_SUFFIX)
    response["Content-Type"] = (
        "text/plain; charset=utf-8" if is_metadata else "application/octet-stream"
    )
    return response


def _redirect(path: str) -> HttpResponseRedirect:
    storage = package_storage()
    response = HttpResponseRedirect(storage.url(path))
    # A presigned URL stops working after a few minutes: a cached redirect would outlive it.
    expiring = bool(getattr(storage, "querystring_auth", False))
    response["Cache-Control"] = "no-store" if expiring else IMMUTABLE
    return response


def _unavailable() -> HttpResponse:
    response = HttpResponse(
        _("File storage is unavailable. Please try again later."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
