"""ZIP framing: an accepted ZIP reads the same to every ZIP reader (part of upload check 30).

Local headers agree with the central directory, entries neither overlap nor leave gaps, nothing
precedes the first entry or follows the end record, names are unique, printable and
unambiguous, and every name is a relative path that stays inside the directory it is extracted
to (no absolute path, drive letter, backslash or ``..`` component). The file is scanned header
by header with ``struct``: memory stays small whatever its size.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import BinaryIO, NamedTuple

from django.utils.translation import gettext

from help.links import help_url


class InvalidArchive(Exception):
    """The reason a file is not a valid distribution (check 30)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The ZIP records this module reads (APPNOTE.TXT 4.3), little-endian.
_LOCAL = struct.Struct("<4s2xHH4xIIIHH")  # sig, flags, method, crc, csize, usize, nlen, xlen
_CENTRAL = struct.Struct("<4s4xHH4xIIIHHHHxxxxxxL")  # ... + clen, disk, offset
_EOCD = struct.Struct("<4sHHHHIIH")  # sig, disk, cd disk, entries here, entries, size, offset
_EOCD64_LOCATOR = struct.Struct("<4sIQI")  # sig, disk, EOCD64 offset, disks
_EOCD64 = struct.Struct("<4sQ4xIIQQQQ")  # sig, record size, disk, cd disk, entries x2, size, off
_SIG_LOCAL, _SIG_CENTRAL = b"PK\x03\x04", b"PK\x01\x02"
_SIG_EOCD, _SIG_EOCD64, _SIG_LOCATOR = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"
_ZIP64_EXTRA, _UNICODE_PATH_EXTRA = 0x0001, 0x7075
_FLAG_ENCRYPTED, _FLAG_DATA_DESCRIPTOR, _FLAG_UTF8 = 0x01, 0x08, 0x800
_UNPRINTABLE = frozenset([*range(0x20), 0x7F])
_DRIVE = re.compile(rb"[A-Za-z]:")


class _Entry(NamedTuple):
    name: bytes
    offset: int
    compressed_size: int
    file_size: int
    crc: int
    method: int


class _NotAccepted(InvalidArchive):
    def __init__(self, why: str) -> None:
        super().__init__(
            gettext("ZIP archive not accepted: {why}. See {url} for more information").format(
                why=why, url=help_url("file-validity")
            )
        )


def check_zip_structure(path: Path) -> None:
    """Every byte of the file belongs to exactly one record, as the central directory says."""
    with path.open("rb") as fp:
        cd_offset, cd_size, count, cd_end = _read_end_records(fp)
        if cd_offset + cd_size != cd_end:
            raise _NotAccepted(gettext("Mismatched central directory offset"))
        entries = _read_central_directory(fp, cd_offset, count)
        if fp.tell() != cd_end:
            raise _NotAccepted(gettext("Mismatched central directory size"))
        end_of_entries = 0
        for entry in sorted(entries, key=lambda e: e.offset):
            if entry.offset != end_of_entries:
                raise _NotAccepted(_gap_reason(end_of_entries, entry.offset))
            end_of_entries = _check_local_header(fp, entry)
        if end_of_entries != cd_offset:
            raise _NotAccepted(_gap_reason(end_of_entries, cd_offset))


def _gap_reason(expected: int, actual: int) -> str:
    if actual < expected:
        return gettext("Overlapping entries")
    if expected == 0:
        return gettext("Data before the first local file header")
    return gettext("Unaccounted data between entries")


def _read_exact(fp: BinaryIO, size: int) -> bytes:
    data = fp.read(size)
    if len(data) != size:
        raise _NotAccepted(gettext("Malformed zip file"))
    return data


def _read_end_records(fp: BinaryIO) -> tuple[int, int, int, int]:
    """(central directory offset, size, entry count, where it must end) from the end records."""
    size = fp.seek(0, os.SEEK_END)
    tail_start = max(0, size - _EOCD.size - 0xFFFF)
    fp.seek(tail_start)
    tail = fp.read()
    found = tail.rfind(_SIG_EOCD)
    if found < 0 or len(tail) - found < _EOCD.size:
        raise _NotAccepted(gettext("Malformed zip file"))
    eocd_at = tail_start + found
    _, disk, cd_disk, here, count, cd_size, cd_offset, comment = _EOCD.unpack_from(tail, found)
    if eocd_at + _EOCD.size + comment != size:
        raise _NotAccepted(gettext("Trailing data"))
    if disk or cd_disk or here != count:
        raise _NotAccepted(gettext("Malformed zip file"))
    locator_at = eocd_at - _EOCD64_LOCATOR.size
    if locator_at >= 0 and _read_at(fp, locator_at, 4) == _SIG_LOCATOR:
        return _read_zip64_end_records(fp, locator_at, (count, cd_size, cd_offset))
    return cd_offset, cd_size, count, eocd_at


def _read_at(fp: BinaryIO, offset: int, size: int) -> bytes:
    fp.seek(offset)
    return _read_exact(fp, size)


def _read_zip64_end_records(
    fp: BinaryIO, locator_at: int, eocd_values: tuple[int, int, int]
) -> tuple[int, int, int, int]:
    # zipfile has checked the locator's disk numbers; its offset is checked below.
    _, _, eocd64_at, _ = _EOCD64_LOCATOR.unpack(_read_at(fp, locator_at, _EOCD64_LOCATOR.size))
    record = _EOCD64.unpack(_read_at(fp, eocd64_at, _EOCD64.size))
    sig, _, disk, cd_disk, here, count, cd_size, cd_offset = record
    if sig != _SIG_EOCD64 or disk or cd_disk or here != count:
        raise _NotAccepted(gettext("Malformed zip file"))
    if eocd64_at + _EOCD64.size != locator_at:  # where other readers look for it
        raise _NotAccepted(gettext("Malformed zip file"))
    # A 32-bit field is either the "see ZIP64" marker or the same value: readers that ignore
    # the ZIP64 record must not see a different archive.
    for value32, value64, marker in zip(
        eocd_values, (count, cd_size, cd_offset), (0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF), strict=True
    ):
        if value32 not in (marker, value64):
            raise _NotAccepted(gettext("Mismatched ZIP64 end of central directory"))
    return cd_offset, cd_size, count, eocd64_at


def _read_central_directory(fp: BinaryIO, cd_offset: int, count: int) -> list[_Entry]:
    fp.seek(cd_offset)
    entries, seen = [], set()
    for _ in range(count):
        header = _read_exact(fp, _CENTRAL.size)
        sig, flags, method, crc, csize, usize, nlen, xlen, clen, disk, offset = _CENTRAL.unpack(
            header
        )
        if sig != _SIG_CENTRAL:
            raise _NotAccepted(gettext("Mismatched central directory records"))
        name, extras = _read_exact(fp, nlen), _extra_fields(_read_exact(fp, xlen))
        if clen:
            raise _NotAccepted(gettext("Comment in central directory"))
        _check_name(name, flags, extras)
        if flags & _FLAG_ENCRYPTED:
            raise _NotAccepted(gettext("Encrypted entries are not allowed"))
        usize, csize, offset, disk = _zip64_values(extras, (usize, csize, offset, disk))
        if disk != 0:
            raise _NotAccepted(gettext("Malformed zip file"))
        if name in seen:
            raise _NotAccepted(gettext("Duplicate filename in central directory"))
        seen.add(name)
        entries.append(_Entry(name, offset, csize, usize, crc, method))
    return entries


def _check_local_header(fp: BinaryIO, entry: _Entry) -> int:
    """Compare the local header at ``entry.offset`` with the central one; where its data ends."""
    header = _read_at(fp, entry.offset, _LOCAL.size)
    sig, flags, method, crc, csize, usize, nlen, xlen = _LOCAL.unpack(header)
    if sig != _SIG_LOCAL:
        raise _NotAccepted(gettext("Missing local file header"))
    name, extras = _read_exact(fp, nlen), _extra_fields(_read_exact(fp, xlen))
    if name != entry.name:
        raise _NotAccepted(gettext("Filename not in central directory"))
    _check_name(name, flags, extras)
    if flags & _FLAG_DATA_DESCRIPTOR:
        raise _NotAccepted(gettext("ZIP contains a data descriptor"))
    usize, csize = _zip64_values(extras, (usize, csize), all_present=True)
    mismatches = [
        (method != entry.method, gettext("Mis-matched compression method")),
        (crc != entry.crc, gettext("Mis-matched CRC")),
        (csize != entry.compressed_size, gettext("Mis-matched data size")),
        (usize != entry.file_size, gettext("Mis-matched file size")),
    ]
    for mismatched, why in mismatches:
        if mismatched:
            raise _NotAccepted(why)
    return entry.offset + _LOCAL.size + nlen + xlen + csize


def _extra_fields(extra: bytes) -> dict[int, bytes]:
    fields: dict[int, bytes] = {}
    while extra:
        if len(extra) < 4:
            raise _NotAccepted(gettext("Malformed zip file"))
        field_id, size = struct.unpack_from("<HH", extra)
        if size + 4 > len(extra):
            raise _NotAccepted(gettext("Malformed zip file"))
        if field_id in fields and field_id in (_ZIP64_EXTRA, _UNICODE_PATH_EXTRA):
            raise _NotAccepted(gettext("Invalid duplicate extra"))
        fields[field_id] = extra[4 : 4 + size]
        extra = extra[4 + size :]
    return fields


def _zip64_values(
    extras: dict[int, bytes], values: tuple[int, ...], *, all_present: bool = False
) -> tuple[int, ...]:
    """Resolve 32-bit fields set to their maximum from the ZIP64 extra, in APPNOTE order.

    Local headers carry both sizes once either needs ZIP64 (``all_present``).
    """
    markers = (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFF)
    needed = [value == marker for value, marker in zip(values, markers, strict=False)]
    if all_present and any(needed):
        needed = [True] * len(values)
    data = extras.get(_ZIP64_EXTRA, b"")
    resolved: list[int] = []
    for value, is_needed in zip(values, needed, strict=True):
        if is_needed:
            width = 4 if len(resolved) == 3 else 8
            if len(data) < width:
                raise _NotAccepted(gettext("Malformed zip file"))
            value = int.from_bytes(data[:width], "little")
            data = data[width:]
        resolved.append(value)
    return tuple(resolved)


def _check_name(name: bytes, flags: int, extras: dict[int, bytes]) -> None:
    """Names must be printable, and mean the same thing to every reader."""
    if any(byte in _UNPRINTABLE for byte in name):
        raise _NotAccepted(gettext("Invalid character in filename"))
    if not name.isascii():
        # Without the UTF-8 flag, readers disagree (CP437 or the local code page).
        try:
            name.decode("utf-8")
        except UnicodeDecodeError:
            raise _NotAccepted(gettext("Filename not valid UTF-8")) from None
        if not flags & _FLAG_UTF8:
            raise _NotAccepted(gettext("Filename not flagged as UTF-8"))
    unicode_path = extras.get(_UNICODE_PATH_EXTRA)
    if unicode_path is not None and unicode_path[5:] != name:
        raise _NotAccepted(gettext("Mismatched Unicode path extra"))
    _check_path(name)


def _check_path(name: bytes) -> None:
    """The name stays inside the extraction directory, on POSIX and on Windows alike."""
    shown = name.decode("utf-8")  # _check_name made sure it decodes
    if b"\\" in name:  # a separator on Windows, where "..\x" climbs out
        why = gettext("Backslash in path '{name}'")
    elif name.startswith(b"/"):
        why = gettext("Absolute path '{name}'")
    elif any(_DRIVE.match(part) for part in name.split(b"/")):  # Windows joins "x/C:" as "C:"
        why = gettext("Drive letter in path '{name}'")
    elif b".." in name.split(b"/"):
        why = gettext("'..' component in path '{name}'")
    else:
        return
    raise _NotAccepted(why.format(name=shown))
