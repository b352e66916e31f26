"""Parse an upload body, keeping the client's filename exactly as sent.

Django's parser quietly strips path separators and non-printable characters from filenames;
the upload API must see them to refuse such names with Warehouse's messages.

A body sent with ``Transfer-Encoding: chunked`` has no ``Content-Length``, and Django's parser
reads nothing of such a body (under WSGI it limits the stream to the declared length, 0). It is
read here all the same: under ASGI from the request (the handler has received the whole body),
under WSGI from the server's ``wsgi.input`` when the server de-chunks the body and ends that
stream with it, which it says with ``wsgi.input_terminated`` (gunicorn does). Other WSGI servers
get ``LengthRequired``.
"""

from __future__ import annotations

import sys
from typing import IO, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict

from .handlers import DistributionUploadHandler, SmallFileUploadHandler

# What Django's parser is told a body of unknown length measures: it only needs a length
# that is not 0 and reads the stream to its end.
_UNKNOWN_LENGTH = sys.maxsize


class LengthRequired(Exception):
    """A body without ``Content-Length`` that the server does not end for us."""


class RawFilenameMultiPartParser(MultiPartParser):
    def sanitize_file_name(self, file_name: str) -> str | None:
        return file_name or None


def _unmeasured_body(request: HttpRequest) -> IO[bytes] | None:
    """The stream of a body sent without ``Content-Length`` (None for any other request)."""
    meta = request.META
    if meta.get("CONTENT_LENGTH"):
        return None
    if isinstance(request, ASGIRequest):
        # Django's ASGI handler has received the whole body: the request's stream ends with it.
        return cast(IO[bytes], request)
    if not meta.get("HTTP_TRANSFER_ENCODING"):
        return None  # no body
    if not meta.get("wsgi.input_terminated"):
        raise LengthRequired
    return cast(IO[bytes], meta["wsgi.input"])


def _read_form(stream: IO[bytes]) -> bytes:
    """A URL-encoded body of unknown length, refused past DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(64 * 1024):
        size += len(chunk)
        if limit is not None and size > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_upload_body(request: HttpRequest) -> tuple[QueryDict, MultiValueDict]:
    """The form fields and file parts of a multipart upload, the distribution streamed to disk.

    Raises django's ``MultiPartParserError``, ``RequestDataTooBig`` or ``TooManyFieldsSent``
    for bodies it cannot accept, and ``LengthRequired`` for a body of unknown length that
    cannot be read.
    """
    unmeasured = _unmeasured_body(request)
    if not request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        data = request.body if unmeasured is None else _read_form(unmeasured)
        return QueryDict(data, encoding=request.encoding), MultiValueDict()
    handlers = [DistributionUploadHandler(request), SmallFileUploadHandler(request)]
    if unmeasured is None:
        # The request is the body stream, as in Django's own HttpRequest.parse_file_upload().
        stream, meta = cast(IO[bytes], request), request.META
    else:
        stream, meta = unmeasured, {**request.META, "CONTENT_LENGTH": str(_UNKNOWN_LENGTH)}
    parser = RawFilenameMultiPartParser(meta, stream, handlers, request.encoding)
    return parser.parse()
