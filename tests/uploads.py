"""Build upload requests exactly as twine sends them (multipart, Basic ``__token__`` auth).

Django's test client rewrites file names (basename only), so bodies are encoded by hand here:
tests can then send any filename, duplicate keys or extra file parts.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field

from django.test import Client

from tests import distributions


@dataclass
class FilePart:
    field: str
    filename: str
    content: bytes
    content_type: str | None = "application/octet-stream"


@dataclass
class Upload:
    """The form of one upload; ``fields`` may be edited before ``post``."""

    fields: list[tuple[str, str]]
    files: list[FilePart] = field(default_factory=list)

    def set(self, key: str, value: str | None) -> Upload:
        self.fields = [(k, v) for k, v in self.fields if k != key]
        if value is not None:
            self.fields.append((key, value))
        return self

    def add(self, key: str, value: str) -> Upload:
        self.fields.append((key, value))
        return self

    def encode(self) -> tuple[bytes, str]:
        boundary = uuid.uuid4().hex
        chunks: list[bytes] = []
        for key, value in self.fields:
            chunks.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
                + value.encode()
                + b"\r\n"
            )
        for part in self.files:
            head = (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{part.field}"; filename="{part.filename}"\r\n'
            )
            if part.content_type is not None:
                head += f"Content-Type: {part.content_type}\r\n"
            chunks.append(head.encode() + b"\r\n" + part.content + b"\r\n")
        chunks.append(f"--{boundary}--\r\n".encode())
        return b"".join(chunks), f"multipart/form-data; boundary={boundary}"

    def post(self, client: Client, token: str | None, **extra: str):
        body, content_type = self.encode()
        headers = dict(extra)
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = basic_auth("__token__", token)
        return client.generic("POST", "/legacy/", body, content_type=content_type, **headers)


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def for_file(
    filename: str,
    content: bytes,
    *,
    name: str,
    version: str,
    filetype: str | None = None,
    pyversion: str | None = None,
    metadata: dict[str, str | list[str]] | None = None,
) -> Upload:
    """The fields twine sends for ``filename`` (digests included), plus ``metadata``."""
    is_wheel = filename.endswith(".whl")
    fields: list[tuple[str, str]] = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("metadata_version", "2.1"),
        ("name", name),
        ("version", version),
        ("filetype", filetype or ("bdist_wheel" if is_wheel else "sdist")),
        ("pyversion", pyversion if pyversion is not None else ("py3" if is_wheel else "source")),
        ("sha256_digest", hashlib.sha256(content).hexdigest()),
        ("blake2_256_digest", hashlib.blake2b(content, digest_size=32).hexdigest()),
        ("summary", f"{name} for tests"),
    ]
    for key, value in (metadata or {}).items():
        for item in [value] if isinstance(value, str) else value:
            fields.append((key, item))
    return Upload(fields=fields, files=[FilePart("content", filename, content)])


def wheel_upload(name: str = "sample", version: str = "1.0", **kwargs) -> Upload:
    """A wheel whose METADATA holds ``metadata`` too, as twine sends what the wheel says."""
    metadata = kwargs.pop("metadata", None)
    filename, content = distributions.make_wheel(name, version, metadata=metadata, **kwargs)
    return for_file(filename, content, name=name, version=version, metadata=metadata)


def sdist_upload(name: str = "sample", version: str = "1.0", **kwargs) -> Upload:
    metadata = kwargs.pop("metadata", None)
    filename, content = distributions.make_sdist(name, version, **kwargs)
    return for_file(filename, content, name=name, version=version, metadata=metadata)
