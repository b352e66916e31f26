"""What an uploaded archive must contain and how it must be framed (upload checks 30, 34, 40-43).

Guarantees, for files of any size the upload limit allows:

- Memory stays small: ZIPs are read through their central directory and a header-by-header
  ``struct`` scan; gzip'd tars are streamed header by header (member data is skipped, never
  held). Only small members are read whole: a wheel's ``entry_points.txt`` and ``METADATA``.
- Decompression is bounded: a ZIP whose members declare more than 64 MiB in total at over 50
  times the file's size is refused before anything is decompressed, and a tar.gz is refused as
  soon as its decompressed stream passes that same bound.
- An accepted ZIP reads the same to every ZIP reader: local headers agree with the central
  directory, entries neither overlap nor leave gaps, nothing precedes the first entry or follows
  the end record, names are unique, printable and unambiguous.
- An accepted tar.gz has one top-level directory holding ``PKG-INFO``, and no sparse members,
  absolute or ``..`` paths, links leading out of the archive, or device/FIFO members.

Refusals are ``UploadError(400, ...)`` with Warehouse's messages; where Warehouse links to its
documentation on archives, the link goes to this site's Help page.
"""

from __future__ import annotations

import configparser
import gzip
import os
import posixpath
import re
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

from django.utils.translation import gettext

from help.links import help_url
from packages.upload.errors import UploadError, bad_request

COMPRESSION_RATIO_MIN_SIZE = 64 * 1024 * 1024
COMPRESSION_RATIO_THRESHOLD = 50
# Tar headers (pax records, GNU long names) are read whole; real ones are a few KiB at most.
_MAX_TAR_HEADER_READ = 1024 * 1024
_SCRIPT_GROUPS = ("console_scripts", "gui_scripts")
_SCRIPT_NAME_RE = re.compile(r"[\w.-]+")


class _Invalid(Exception):
    """Internal: the reason a file is not a valid distribution (check 30)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_distribution(path: Path, filename: str) -> None:
    """Check 30: ``path`` holds a well-formed sdist or wheel for an upload named ``filename``.

    Raises ``UploadError(400, "Invalid distribution file. <reason>")``.
    """
    try:
        if zipfile.is_zipfile(path) and _starts_like_tar(path):
            raise _Invalid(gettext("File is both a zip and a tar file"))
        if filename.endswith((".zip", ".whl")):
            _validate_zip(path, filename)
        else:
            layout = _scan_sdist(path, filename)
            layout.require_pkg_info()
    except _Invalid as exc:
        raise bad_request(
            gettext("Invalid distribution file. {reason}").format(reason=exc.reason)
        ) from None


def check_sdist_license_files(path: Path, filename: str, license_files: Sequence[str]) -> None:
    """Check 34: every License-File is present under the sdist's top-level directory.

    Call after ``validate_distribution`` accepted the file.
    """
    if not license_files:
        return
    try:
        layout = _scan_sdist(path, filename, wanted=license_files)
    except _Invalid as exc:  # a file validate_distribution would have refused
        raise bad_request(
            gettext("Invalid distribution file. {reason}").format(reason=exc.reason)
        ) from None
    for license_file in license_files:
        if license_file not in layout.found:
            raise _missing_license_file(license_file, filename, f"{layout.top}/{license_file}")


def read_wheel_metadata(path: Path, filename: str, license_files: Sequence[str]) -> bytes:
    """Checks 40-43, in Warehouse's order; the exact bytes of the wheel's ``METADATA``.

    The ``.dist-info`` directory is named after the filename's name and version segments as
    they literally appear. Call after ``validate_distribution`` and ``check_wheel_filename``.
    """
    name, version, _ = filename.split("-", 2)
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path) as zf:
        for license_file in license_files:
            target = f"{dist_info}/licenses/{license_file}"
            if not _has_member(zf, target):
                raise _missing_license_file(license_file, filename, target)
        if not _has_member(zf, f"{dist_info}/RECORD"):
            raise bad_request(
                gettext(
                    "Wheel '{filename}' does not contain the required RECORD file: {member}"
                ).format(filename=filename, member=f"{dist_info}/RECORD")
            )
        _check_entry_points(zf, f"{dist_info}/entry_points.txt", filename)
        metadata = f"{dist_info}/METADATA"
        if not _has_member(zf, metadata):
            raise bad_request(
                gettext(
                    "Wheel '{filename}' does not contain the required METADATA file: {member}"
                ).format(filename=filename, member=metadata)
            )
        return _read_member(zf, metadata)


def _missing_license_file(license_file: str, filename: str, target: str) -> UploadError:
    return bad_request(
        gettext(
            "License-File {license_file} does not exist in distribution file {filename} at {target}"
        ).format(license_file=license_file, filename=filename, target=target)
    )


def _starts_like_tar(path: Path) -> bool:
    """True if the file opens with a tar header, plain or gzip'd (reads one block only)."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        try:
            block = (gzip.GzipFile(fileobj=raw) if gzipped else raw).read(tarfile.BLOCKSIZE)
            tarfile.TarInfo.frombuf(block, tarfile.ENCODING, "surrogateescape")
        except (tarfile.TarError, EOFError, OSError, zlib.error):
            return False
    return True


# ZIP archives (wheels and zip sdists) ---------------------------------------------------------


def _validate_zip(path: Path, filename: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, OverflowError):
        raise _Invalid(gettext("File is not a zipfile")) from None
    _check_zip_expansion(path, infos)
    names = [info.filename for info in infos]
    if filename.endswith(".zip"):
        layout = _SdistLayout()
        for name in names:
            layout.add(name, is_dir=name.endswith("/"))
        layout.require_pkg_info()
    else:
        _require_wheel_file(names, filename)
    _check_zip_structure(path)


def _check_zip_expansion(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    compressed = path.stat().st_size
    decompressed = sum(info.file_size for info in infos)
    if (
        decompressed > COMPRESSION_RATIO_MIN_SIZE
        and decompressed / compressed > COMPRESSION_RATIO_THRESHOLD
    ):
        raise _ratio_exceeded()
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in infos):
        raise _Invalid(gettext("File does not use a supported compression type"))


def _ratio_exceeded() -> _Invalid:
    return _Invalid(
        gettext("File exceeds compression ratio of {ratio}").format(
            ratio=COMPRESSION_RATIO_THRESHOLD
        )
    )


def _require_wheel_file(names: list[str], filename: str) -> None:
    try:
        name, version, _ = filename.split("-", 2)
    except ValueError:
        raise _Invalid(gettext("Unable to parse name and version from wheel filename")) from None
    target = f"{name}-{version}.dist-info/WHEEL"
    if target not in names:
        raise _Invalid(gettext("WHEEL not found at {path}").format(path=target))


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


class _Entry(NamedTuple):
    name: bytes
    offset: int
    compressed_size: int
    file_size: int
    crc: int
    method: int


class _NotAccepted(_Invalid):
    def __init__(self, why: str) -> None:
        super().__init__(
            gettext("ZIP archive not accepted: {why}. See {url} for more information").format(
                why=why, url=help_url("file-validity")
            )
        )


def _check_zip_structure(path: Path) -> None:
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
    data, resolved = extras.get(_ZIP64_EXTRA, b""), []
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


# Tar archives (sdists) ----------------------------------------------------------------------


class _BoundedStream:
    """A read-only view of a decompressed stream that refuses to expand past ``limit`` bytes."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw, self._limit, self._pos = raw, limit, 0

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > _MAX_TAR_HEADER_READ:
            raise _Invalid(_tar_refusal(gettext("Oversized header")))
        data = self._raw.read(min(size, self._limit - self._pos + 1))
        self._pos += len(data)
        self._check()
        return data

    def seek(self, offset: int) -> int:
        # Seeking forward decompresses everything in between: stop one byte past the limit.
        self._raw.seek(min(offset, self._limit + 1))
        self._pos = self._raw.tell()
        self._check()
        return self._pos

    def tell(self) -> int:
        return self._pos

    def _check(self) -> None:
        if self._pos > self._limit:
            raise _ratio_exceeded()


def _tar_refusal(why: str) -> str:
    return gettext("tar archive not accepted: {why}. See {url} for more information").format(
        why=why, url=help_url("file-validity")
    )


def _tar_members(path: Path) -> Iterator[tarfile.TarInfo]:
    """Stream a tar.gz's member headers, decompressing no more than Warehouse's ratio allows."""
    limit = max(COMPRESSION_RATIO_MIN_SIZE, COMPRESSION_RATIO_THRESHOLD * path.stat().st_size)
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            with tarfile.open(fileobj=_BoundedStream(unzipped, limit), mode="r:") as tar:
                while (member := tar.next()) is not None:
                    tar.members.clear()  # keep memory flat: headers are not needed again
                    yield member
    except (tarfile.TarError, EOFError, OSError, zlib.error):
        raise _Invalid(gettext("File is not a tarfile")) from None


def _check_tar_member(member: tarfile.TarInfo) -> None:
    if member.issparse():
        raise _Invalid(_tar_refusal(gettext("Sparse members are not allowed")))
    if _unsafe_path(member.name) or (member.islnk() and _unsafe_path(member.linkname)):
        raise _Invalid(_tar_refusal(gettext("Absolute paths and '..' components are not allowed")))
    if member.issym() and _leaves_archive(member.name, member.linkname):
        raise _Invalid(_tar_refusal(gettext("Links must point inside the archive")))
    if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
        raise _Invalid(
            _tar_refusal(gettext("Devices, FIFOs and other special files are not allowed"))
        )


def _unsafe_path(name: str) -> bool:
    return name.startswith("/") or ".." in name.split("/")


def _leaves_archive(name: str, link_target: str) -> bool:
    """True if a symlink at ``name`` to ``link_target`` resolves outside the archive's root."""
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), link_target))
    return link_target.startswith("/") or resolved == ".." or resolved.startswith("../")


class _SdistLayout:
    """An sdist's members as seen from its one top-level directory."""

    def __init__(self, wanted: Collection[str] = ()) -> None:
        self.top: str | None = None
        self.has_pkg_info = False
        self.found: set[str] = set()
        self._wanted = set(wanted)

    def add(self, name: str, *, is_dir: bool) -> None:
        head, slash, rest = name.partition("/")
        if head in ("", ".") or (not slash and not is_dir) or self.top not in (None, head):
            raise _Invalid(gettext("Incorrect number of top-level directories in sdist"))
        self.top = head
        if rest == "PKG-INFO" and not is_dir:
            self.has_pkg_info = True
        if rest in self._wanted:
            self.found.add(rest)

    def require_pkg_info(self) -> None:
        if self.top is None:
            raise _Invalid(gettext("Incorrect number of top-level directories in sdist"))
        if not self.has_pkg_info:
            raise _Invalid(
                gettext("PKG-INFO not found at {path}").format(path=f"{self.top}/PKG-INFO")
            )


def _scan_sdist(path: Path, filename: str, wanted: Collection[str] = ()) -> _SdistLayout:
    layout = _SdistLayout(wanted)
    if filename.endswith(".zip"):  # only reached for license files; validated as a ZIP
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                layout.add(name, is_dir=name.endswith("/"))
        return layout
    for member in _tar_members(path):
        _check_tar_member(member)
        layout.add(member.name, is_dir=member.isdir())
    return layout


# Wheel contents -----------------------------------------------------------------------------


def _has_member(zf: zipfile.ZipFile, name: str) -> bool:
    try:
        zf.getinfo(name)
    except KeyError:
        return False
    return True


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise bad_request(
            gettext("Invalid distribution file. {member} could not be read").format(member=name)
        ) from None


def _check_entry_points(zf: zipfile.ZipFile, member: str, filename: str) -> None:
    """Check 42: entry_points.txt, if present, is UTF-8 INI with valid script names."""
    if _has_member(zf, member) and not _entry_points_valid(_read_member(zf, member)):
        raise bad_request(
            gettext(
                "Wheel '{filename}' has invalid entry points defined in the entry_points.txt file"
            ).format(filename=filename)
        )


class _EntryPointsParser(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # entry point names are case-sensitive


def _entry_points_valid(data: bytes) -> bool:
    parser = _EntryPointsParser(delimiters=("=",), interpolation=None)
    try:
        parser.read_string(data.decode("utf-8"))
    except (UnicodeDecodeError, configparser.Error):
        return False
    # Installers turn these names into files in bin/ or Scripts/: bare names only. Other groups'
    # names mean whatever their application says.
    return all(
        _SCRIPT_NAME_RE.fullmatch(name) and name.strip(".")
        for group in _SCRIPT_GROUPS
        if parser.has_section(group)
        for name in parser.options(group)
    )
