"""Parse an upload body, keeping the client's filename exactly as sent.

Django's parser quietly strips path separators and non-printable characters from filenames;
the upload API must see them to refuse such names with Warehouse's messages.
"""

from __future__ import annotations

from typing import IO, cast

from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict

from .handlers import DistributionUploadHandler, SmallFileUploadHandler


class RawFilenameMultiPartParser(MultiPartParser):
    def sanitize_file_name(self, file_name: str) -> str | None:
        return file_name or None


def parse_upload_body(request: HttpRequest) -> tuple[QueryDict, MultiValueDict]:
    """The form fields and file parts of a multipart upload, the distribution streamed to disk.

    Raises django's ``MultiPartParserError``, ``RequestDataTooBig`` or ``TooManyFieldsSent``
    for bodies it cannot accept.
    """
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith("multipart/form-data"):
        return QueryDict(request.body, encoding=request.encoding), MultiValueDict()
    handlers = [DistributionUploadHandler(request), SmallFileUploadHandler(request)]
    # The request is the body stream, as in Django's own HttpRequest.parse_file_upload().
    body = cast(IO[bytes], request)
    parser = RawFilenameMultiPartParser(request.META, body, handlers, request.encoding)
    return parser.parse()
