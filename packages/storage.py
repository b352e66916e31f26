"""Where distribution files live and how clients reach them.

Files are stored content-addressed, as the public index stores them:
``<h[:2]>/<h[2:4]>/<h[4:]>/<filename>`` with ``h`` the BLAKE2b-256 of the bytes, and a wheel's
METADATA beside it as ``<path>.metadata``. The backend is the ``packages`` entry of
``STORAGES`` (local disk or S3-compatible).
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any
from urllib.parse import quote

from boto3.exceptions import Boto3Error  # type: ignore[import-untyped]  # no type stubs
from botocore.config import Config  # type: ignore[import-untyped]  # no type stubs
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]  # no type stubs
from django.conf import settings
from django.core.files import File as DjangoFile
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.http import HttpRequest
from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]  # no type stubs
from storages.utils import clean_name  # type: ignore[import-untyped]  # no type stubs

logger = logging.getLogger(__name__)


def package_storage() -> Storage:
    return storages["packages"]


class StorageUnavailable(Exception):
    """The file store could not be reached, or failed: nothing can be stored or read now."""


# S3 answers for a key that is not there: a missing object, not an unavailable store.
_MISSING = {"404", "NoSuchKey", "NotFound"}
# S3's answer for a key over 1,024 bytes: the same refusal as a name too long for a disk.
_TOO_LONG = {"KeyTooLongError"}


@contextmanager
def unavailable_on_failure() -> Iterator[None]:
    """Turn the store's own failures into ``StorageUnavailable`` (the cause kept as
    ``__cause__``), and leave alone what says something about the file itself:
    ``FileNotFoundError`` for a missing object and ``OSError(ENAMETOOLONG)`` for a name the
    store cannot hold."""
    try:
        yield
    except (FileNotFoundError, StorageUnavailable):
        raise
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise
        raise StorageUnavailable(str(exc)) from exc
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise FileNotFoundError(errno.ENOENT, "no such object", code) from exc
        if code in _TOO_LONG:
            raise OSError(errno.ENAMETOOLONG, "key too long") from exc
        raise StorageUnavailable(str(exc)) from exc
    except (BotoCoreError, Boto3Error) as exc:
        raise StorageUnavailable(str(exc)) from exc


class S3PackageStorage(S3Storage):
    """django-storages' S3 backend with bounded waits, and reads streamed from the object.

    Extra options: ``connect_timeout`` and ``read_timeout`` (seconds) and ``max_attempts``
    (botocore's "standard" retries, with back-off), so that a store that is down or hangs
    refuses an upload in seconds rather than botocore's minute-long defaults.
    """

    def __init__(self, **options: Any) -> None:
        connect_timeout = options.pop("connect_timeout", 5.0)
        read_timeout = options.pop("read_timeout", 30.0)
        max_attempts = options.pop("max_attempts", 3)
        super().__init__(**options)
        self.client_config = Config(
            s3={"addressing_style": self.addressing_style},
            signature_version=self.signature_version,
            proxies=self.proxies,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
        )

    def stream(self, name: str) -> tuple[IO[bytes], int]:
        """The object's body, read as it is sent on (not spooled whole first), and its size."""
        key = self._normalize_name(clean_name(name))
        answer = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        return answer["Body"], int(answer["ContentLength"])


def open_stream(path: str) -> tuple[IO[bytes], int]:
    """The stored bytes of ``path`` to send to a client, and their size.

    Raises ``FileNotFoundError`` if the store has no such object, ``StorageUnavailable`` if
    it cannot be read now.
    """
    storage = package_storage()
    with unavailable_on_failure():
        if isinstance(storage, S3PackageStorage):
            return storage.stream(path)
        file = storage.open(path, "rb")
        return file, file.size


def stored_size(path: str) -> int:
    """The size of the stored object ``path`` (same errors as ``open_stream``)."""
    with unavailable_on_failure():
        return package_storage().size(path)


def file_path(blake2_256: str, filename: str) -> str:
    h = blake2_256.lower()
    return f"{h[:2]}/{h[2:4]}/{h[4:]}/{filename}"


def files_base_url(request: HttpRequest) -> str:
    """Base URL of ``/packages/``: ``FILES_URL`` (a CDN) or this site as the client reached it."""
    if settings.FILES_URL:
        return settings.FILES_URL
    return request.build_absolute_uri("/packages").rstrip("/")


def file_url(base: str, path: str) -> str:
    return f"{base}/{quote(path, safe='/!+')}"


class StoredObjects:
    """The objects one upload wrote, so they can be removed if its transaction fails."""

    def __init__(self, storage: Storage | None = None) -> None:
        self.storage = storage or package_storage()
        self.written: list[str] = []

    def save_file(self, path: str, content: DjangoFile) -> None:
        self._save(path, content)

    def save_bytes(self, path: str, data: bytes) -> None:
        self._save(path, ContentFile(data))

    def _save(self, path: str, content: DjangoFile) -> None:
        """Raises ``StorageUnavailable`` when the store fails, ``OSError`` when it cannot
        hold this name (too long, or saved under another one)."""
        # Counted as written before the store answers: a failed write may have left a part.
        self.written.append(path)
        try:
            with unavailable_on_failure():
                name = self.storage.save(path, content)
        except FileNotFoundError as exc:  # a directory or bucket gone: the store, not the file
            raise StorageUnavailable(str(exc)) from exc
        if name != path:
            self.written.append(name)
            raise OSError(f"storage stored {path!r} as {name!r}")

    def remove_all(self) -> None:
        """Remove what was written, as far as the store lets us now: an object that cannot be
        removed (the store is down) is logged and left to housekeeping, which removes objects
        no file row references (``packages/housekeeping.py``)."""
        for name in reversed(self.written):
            try:
                with unavailable_on_failure():
                    self.storage.delete(name)
            except (StorageUnavailable, OSError) as exc:
                if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
                    continue  # nothing was written under a name the store cannot hold
                logger.warning(
                    "Could not remove %s from file storage after a failed upload (%s); "
                    "housekeeping will remove it.",
                    name,
                    exc,
                )
        self.written.clear()
