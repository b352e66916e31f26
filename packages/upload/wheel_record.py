"""Check 43d: a wheel's RECORD lists every file of the wheel, with its right hash and size.

Installers trust RECORD to know what they installed (to uninstall it) and some verify the
hashes; the public index does not check it and only mails the owners. Here a wheel is refused
when its ``<name>-<version>.dist-info/RECORD``:

- does not list a member (other than RECORD itself, its signatures ``RECORD.jws`` and
  ``RECORD.p7s``, and directory entries), or lists one twice;
- lists a member without a ``sha256=`` hash (urlsafe base64 without padding, of 32 bytes), or
  with a hash or a size that does not match the member's contents;
- lists a file the wheel does not contain, or has a line that is not ``path,hash,size`` CSV.

Memory stays small: RECORD is parsed line by line (a line longer than any ZIP name can need is
refused) and every row must name a distinct member, so what is kept is at most one row per
member; members are hashed in pieces. The work is bounded by check 30: the members' declared
sizes add up to at most 64 MiB or 50 times the file's size, and no member inflates past its
declared size.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from django.utils.translation import gettext

from .archive import iter_member, unreadable_member
from .errors import UploadError, bad_request

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

# A ZIP name is at most 65,535 bytes; quoted in CSV at most twice that, plus hash and size.
_MAX_LINE = 256 * 1024
_SHA256_PREFIX = "sha256="
_SIGNATURES = ("RECORD.jws", "RECORD.p7s")


class _Listed(NamedTuple):
    sha256: str | None  # urlsafe base64 without padding; None: no sha256 hash given
    size: int | None  # None: no size given


def verify_record(path: Path, filename: str) -> None:
    """Check 43d for wheel ``filename`` stored at ``path``; 400 naming the first mismatch.

    RECORD's rows are read first, in their order (a malformed line, a path that is not in the
    wheel, a path listed twice), then the members are checked in the order of the central
    directory. Call after ``read_wheel_metadata`` (check 41 made sure RECORD exists).
    """
    name, version, _ = filename.split("-", 2)
    dist_info = f"{name}-{version}.dist-info"
    record = f"{dist_info}/RECORD"
    with zipfile.ZipFile(path) as zf, path.open("rb") as fp:
        members = {info.filename: info for info in zf.infolist()}
        exempt = {record, *(f"{dist_info}/{signature}" for signature in _SIGNATURES)}
        exempt.update(n for n, info in members.items() if info.is_dir() and not info.file_size)
        listed = _read_record(fp, members[record], members, exempt, filename)
        for info in members.values():
            if info.filename not in exempt:
                _check_member(fp, info, listed.get(info.filename), filename)


def _check_member(
    fp: BinaryIO, info: zipfile.ZipInfo, entry: _Listed | None, filename: str
) -> None:
    path = info.filename
    if entry is None:
        raise _mismatch(filename, gettext("{path} is not listed").format(path=path))
    if entry.sha256 is None:
        raise _mismatch(filename, gettext("{path} has no sha256 hash").format(path=path))
    if entry.size is None:
        raise _mismatch(filename, gettext("{path} has no size").format(path=path))
    if entry.size != info.file_size:
        raise _mismatch(
            filename,
            gettext("{path} is {actual} bytes, not {listed}").format(
                path=path, actual=info.file_size, listed=entry.size
            ),
        )
    sha256 = hashlib.sha256()
    for chunk in iter_member(fp, info):
        sha256.update(chunk)
    if _b64(sha256.digest()) != entry.sha256:
        raise _mismatch(filename, gettext("the sha256 hash of {path} differs").format(path=path))


def _read_record(
    fp: BinaryIO,
    info: zipfile.ZipInfo,
    members: dict[str, zipfile.ZipInfo],
    exempt: set[str],
    filename: str,
) -> dict[str, _Listed]:
    """RECORD's rows for the members that must be listed."""
    listed: dict[str, _Listed] = {}
    try:
        rows = csv.reader(_lines(fp, info), strict=True)
        for row in rows:
            if not row:
                continue  # a blank line
            if len(row) != 3:
                why = gettext("line {line} of RECORD is not path,hash,size")
                raise _mismatch(filename, why.format(line=rows.line_num))
            path, digest, size = row
            if path in exempt:
                continue
            if path not in members:
                why = gettext("{path} is listed but not in the wheel")
                raise _mismatch(filename, why.format(path=path))
            if path in listed:
                raise _mismatch(filename, gettext("{path} is listed twice").format(path=path))
            listed[path] = _Listed(_sha256_of(digest), _size_of(size))
    except (UnicodeDecodeError, csv.Error):
        raise unreadable_member(info.filename) from None
    return listed


def _lines(fp: BinaryIO, info: zipfile.ZipInfo) -> Iterator[str]:
    """RECORD's lines, decoded as UTF-8 while streaming; 400 for a line past ``_MAX_LINE``."""
    chunks = iter_member(fp, info)
    with io.TextIOWrapper(io.BufferedReader(_ChunkReader(chunks)), "utf-8", newline="") as text:
        while line := text.readline(_MAX_LINE + 1):
            if len(line) > _MAX_LINE:
                raise unreadable_member(info.filename)
            yield line


class _ChunkReader(io.RawIOBase):
    """A raw, readable stream over a generator of byte strings; closing it closes that."""

    def __init__(self, chunks: Generator[bytes, None, None]) -> None:
        self._chunks, self._pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        if not self._pending:
            self._pending = next(self._chunks, b"")
        view = memoryview(buffer).cast("B")
        size = min(len(view), len(self._pending))
        view[:size], self._pending = self._pending[:size], self._pending[size:]
        return size

    def close(self) -> None:
        self._chunks.close()
        super().close()


def _sha256_of(value: str) -> str | None:
    """The urlsafe base64 digest of a ``sha256=`` RECORD hash (padding dropped), else None."""
    if not value.startswith(_SHA256_PREFIX):
        return None
    return value.removeprefix(_SHA256_PREFIX).rstrip("=") or None


def _size_of(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _mismatch(filename: str, why: str) -> UploadError:
    return bad_request(
        gettext("Wheel '{filename}' does not match its RECORD file: {why}.").format(
            filename=filename, why=why
        )
    )
