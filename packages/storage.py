"""Where distribution files live and how clients reach them.

Files are stored content-addressed, as the public index stores them:
``<h[:2]>/<h[2:4]>/<h[4:]>/<filename>`` with ``h`` the BLAKE2b-256 of the bytes, and a wheel's
METADATA beside it as ``<path>.metadata``. The backend is the ``packages`` entry of
``STORAGES`` (local disk or S3-compatible).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files import File as DjangoFile
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.http import HttpRequest


def package_storage() -> Storage:
    return storages["packages"]


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
        name = self.storage.save(path, content)
        self.written.append(name)
        if name != path:
            raise OSError(f"storage stored {path!r} as {name!r}")

    def remove_all(self) -> None:
        for name in reversed(self.written):
            self.storage.delete(name)
        self.written.clear()
