"""Receive the uploaded distribution as a stream: to a temporary file, hashed on the way.

The ``content`` part never sits in memory. Past ``UPLOAD_LIMIT_CAP`` bytes (the largest limit any
project may have) nothing more is written; the file is only counted, so the endpoint can still
answer "File too large" in its proper turn.

The temporary file is named ``pypi-upload-<random>.part`` in ``FILE_UPLOAD_TEMP_DIR`` (the
system's temporary directory by default): it is removed when the request ends, and a process
killed meanwhile leaves it behind for ``packages.housekeeping`` to find by that name.
"""

from __future__ import annotations

import hashlib
import tempfile
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    TemporaryUploadedFile,
    UploadedFile,
)
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

CONTENT_FIELD = "content"
TEMP_FILE_PREFIX = "pypi-upload-"
TEMP_FILE_SUFFIX = ".part"


class ReceivedDistribution(TemporaryUploadedFile):
    """The uploaded file on disk, with its digests and whether it overflowed the cap."""

    raw_name: str  # the filename exactly as the client sent it
    size: int  # the bytes received, counted past the cap too
    md5: str
    sha256: str
    blake2_256: str
    truncated: bool

    def __init__(
        self,
        name: str,
        content_type: str | None,
        charset: str | None,
        content_type_extra: dict[str, bytes] | None,
    ) -> None:
        # Django's own name would carry the client's extension, which may hold any character
        # (a NUL makes the file impossible to create): only our prefix and suffix are used.
        file = tempfile.NamedTemporaryFile(
            prefix=TEMP_FILE_PREFIX, suffix=TEMP_FILE_SUFFIX, dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        UploadedFile.__init__(self, file, name, content_type, 0, charset, content_type_extra)
        self.raw_name = name


class DistributionUploadHandler(FileUploadHandler):
    file_name: str  # set by new_file() before anything reads it

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.active = False

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.active = field_name == CONTENT_FIELD
        if not self.active:
            return
        self.file = ReceivedDistribution(
            self.file_name, self.content_type, self.charset, self.content_type_extra
        )
        self.hashes = (
            hashlib.md5(usedforsecurity=False),
            hashlib.sha256(),
            hashlib.blake2b(digest_size=32),
        )
        self.received = 0
        self.cap = settings.UPLOAD_LIMIT_CAP
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if not self.active:
            return raw_data
        self.received += len(raw_data)
        if self.received <= self.cap:
            for h in self.hashes:
                h.update(raw_data)
            self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> ReceivedDistribution | None:
        if not self.active:
            return None
        self.active = False
        self.file.seek(0)
        self.file.size = self.received
        self.file.truncated = self.received > self.cap
        self.file.md5, self.file.sha256, self.file.blake2_256 = (h.hexdigest() for h in self.hashes)
        return self.file


class SmallFileUploadHandler(FileUploadHandler):
    """Any other file part (a legacy ``gpg_signature``): kept in memory, at most 64 KiB of it.

    Such parts are only ever looked at to be refused or ignored.
    """

    LIMIT = 64 * 1024

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        room = self.LIMIT - self.buffer.tell()
        if room > 0:
            self.buffer.write(raw_data[:room])
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer,
            self.field_name,
            self.file_name,
            self.content_type,
            self.buffer.getbuffer().nbytes,
            self.charset,
            self.content_type_extra,
        )
