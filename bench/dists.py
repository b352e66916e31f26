"""The distributions a run uploads, built before any timing starts.

Small files come from ``tests/distributions.py`` and are encoded with ``tests/uploads.py``, so
every request carries exactly the multipart fields twine sends. The big wheel is written to disk
and streamed from there.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packages.names import wheel_name
from tests import distributions, uploads

MIB = 1024 * 1024
WHEEL_TAGS = ("py3-none-any", "cp311-cp311-manylinux_2_17_x86_64")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class PreparedUpload:
    """One upload request's body, ready to send."""

    kind: str  # "wheel (new release)", "wheel", "sdist"
    filename: str
    body: bytes
    content_type: str


def _prepare(kind: str, filename: str, content: bytes, name: str, version: str) -> PreparedUpload:
    body, content_type = uploads.for_file(filename, content, name=name, version=version).encode()
    return PreparedUpload(kind, filename, body, content_type)


def release_uploads(name: str, version: str) -> list[PreparedUpload]:
    """One release: two wheels (different tags, the first creates the release), an sdist."""
    uploads_: list[PreparedUpload] = []
    for n, tag in enumerate(WHEEL_TAGS):
        filename, content = distributions.make_wheel(name, version, tag=tag)
        kind = "wheel (new release)" if n == 0 else "wheel"
        uploads_.append(_prepare(kind, filename, content, name, version))
    filename, content = distributions.make_sdist(name, version)
    uploads_.append(_prepare("sdist", filename, content, name, version))
    return uploads_


def fill_plan(name: str, releases: int) -> list[PreparedUpload]:
    """``releases`` releases of ``name``: versions 1.0.0 ... 1.999.0, 2.0.0 ..."""
    plan: list[PreparedUpload] = []
    for i in range(releases):
        plan.extend(release_uploads(name, f"{1 + i // 1000}.{i % 1000}.0"))
    return plan


def single_wheel(name: str, version: str) -> PreparedUpload:
    filename, content = distributions.make_wheel(name, version)
    return _prepare("wheel (new release)", filename, content, name, version)


def write_big_wheel(directory: Path, name: str, version: str, size: int) -> Path:
    """A valid wheel of exactly ``size`` bytes, nearly all of it random bytes stored as is."""
    dist = f"{wheel_name(name)}-{version}"
    path = directory / f"{dist}-py3-none-any.whl"
    small = {
        f"{wheel_name(name)}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{dist}.dist-info/METADATA": distributions.metadata_text(name, version).encode(),
        f"{dist}.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    blob_name = f"{wheel_name(name)}/blob.bin"
    # Archive framing (headers, central directory, RECORD) is a few hundred bytes: write once
    # with a guess, then again with the payload corrected by the difference.
    payload = size - 4096
    for _ in range(2):
        _write_wheel(path, small, blob_name, payload, f"{dist}.dist-info/RECORD")
        payload += size - path.stat().st_size
        if path.stat().st_size == size:
            return path
    raise RuntimeError(f"could not size the wheel to {size} bytes")


def _write_wheel(
    path: Path, small: dict[str, bytes], blob_name: str, payload: int, record_name: str
) -> None:
    record = [
        f"{member},{distributions.record_hash(data)},{len(data)}" for member, data in small.items()
    ]
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in small.items():
            info = zipfile.ZipInfo(member, date_time=(2020, 2, 2, 0, 0, 0))
            zf.writestr(info, data, compress_type=zipfile.ZIP_STORED)
        info = zipfile.ZipInfo(blob_name, date_time=(2020, 2, 2, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = payload
        digest = hashlib.sha256()
        with zf.open(info, "w") as out:
            for chunk in _random_chunks(payload):
                digest.update(chunk)
                out.write(chunk)
        b64 = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
        record.append(f"{blob_name},sha256={b64},{payload}")
        record.append(f"{record_name},,")
        info = zipfile.ZipInfo(record_name, date_time=(2020, 2, 2, 0, 0, 0))
        zf.writestr(info, ("\n".join(record) + "\n").encode(), compress_type=zipfile.ZIP_STORED)


def _random_chunks(size: int) -> Iterator[bytes]:
    """``size`` incompressible bytes."""
    remaining = size
    while remaining > 0:
        chunk = os.urandom(min(_CHUNK, remaining))
        remaining -= len(chunk)
        yield chunk


@dataclass(frozen=True)
class StreamedUpload:
    """A multipart body of three parts: ``head`` bytes, the file at ``path``, ``tail`` bytes."""

    path: Path
    head: bytes
    tail: bytes
    content_type: str

    @property
    def length(self) -> int:
        return len(self.head) + self.path.stat().st_size + len(self.tail)

    def chunks(self) -> Iterator[bytes]:
        yield self.head
        with self.path.open("rb") as source:
            while chunk := source.read(_CHUNK):
                yield chunk
        yield self.tail


def streamed_upload(path: Path, name: str, version: str) -> StreamedUpload:
    """Twine's form for the file at ``path``, digests computed by reading it in chunks."""
    sha256, blake2 = hashlib.sha256(), hashlib.blake2b(digest_size=32)
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            sha256.update(chunk)
            blake2.update(chunk)
    form = uploads.for_file(path.name, b"", name=name, version=version)
    form.set("sha256_digest", sha256.hexdigest()).set("blake2_256_digest", blake2.hexdigest())
    marker = b"\x00BENCH-FILE-CONTENT\x00"
    form.files[0].content = marker
    body, content_type = form.encode()
    head, tail = body.split(marker)
    return StreamedUpload(path, head, tail, content_type)
