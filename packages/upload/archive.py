"""What an uploaded archive must contain and how it must be framed (upload checks 30, 34, 40-43a).

Guarantees, for files of any size the upload limit allows:

- Memory stays small: ZIPs are read through their central directory and a header-by-header
  ``struct`` scan; gzip'd tars are streamed header by header (member data is skipped, never
  held). Only two members of a wheel are held, ``entry_points.txt`` and ``METADATA``, and
  only up to ``UPLOAD_MAX_METADATA_BYTES``: a larger declared size is refused before anything
  is decompressed, and reading stops as soon as the limit is passed (checks 42a, 43a).
- Decompression is bounded: a ZIP whose members declare more than 64 MiB in total at over 50
  times the file's size is refused before anything is decompressed, and a tar.gz is refused as
  soon as its decompressed stream passes that same bound. A ZIP member is read only up to its
  declared size (``iter_member`` refuses it one piece later), so hashing every member (check
  43d) inflates at most that declared total.
- An accepted ZIP reads the same to every ZIP reader: local headers agree with the central
  directory, entries neither overlap nor leave gaps, nothing precedes the first entry or follows
  the end record, names are unique, printable, unambiguous and stay inside the install root;
  and every member read inflates to exactly what its headers declare.
- An accepted tar.gz has one top-level directory holding ``PKG-INFO``, and no sparse members,
  absolute or ``..`` paths, links leading out of the archive, or device/FIFO members.

Refusals are ``UploadError(400, ...)`` with Warehouse's messages; where Warehouse links to its
documentation on archives, the link goes to this site's Help page.
"""

from __future__ import annotations

import configparser
import gzip
import posixpath
import re
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Collection, Generator, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext

from help.links import help_url
from packages.upload.errors import UploadError, bad_request
from packages.upload.zip_structure import InvalidArchive, check_zip_structure

COMPRESSION_RATIO_MIN_SIZE = 64 * 1024 * 1024
COMPRESSION_RATIO_THRESHOLD = 50
# Tar headers (pax records, GNU long names) are read whole; real ones are a few KiB at most.
_MAX_TAR_HEADER_READ = 1024 * 1024
# Members are read and inflated in pieces of this size.
CHUNK_SIZE = 64 * 1024
# A ZIP local file header; the last two fields are the lengths of the name and extra field.
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_SCRIPT_GROUPS = ("console_scripts", "gui_scripts")
_SCRIPT_NAME_RE = re.compile(r"[\w.-]+")


def validate_distribution(path: Path, filename: str) -> None:
    """Check 30: ``path`` holds a well-formed sdist or wheel for an upload named ``filename``.

    Raises ``UploadError(400, "Invalid distribution file. <reason>")``.
    """
    try:
        if zipfile.is_zipfile(path) and _starts_like_tar(path):
            raise InvalidArchive(gettext("File is both a zip and a tar file"))
        if filename.endswith((".zip", ".whl")):
            _validate_zip(path, filename)
        else:
            layout = _scan_sdist(path, filename)
            layout.require_pkg_info()
    except InvalidArchive as exc:
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
    except InvalidArchive as exc:  # a file validate_distribution would have refused
        raise bad_request(
            gettext("Invalid distribution file. {reason}").format(reason=exc.reason)
        ) from None
    for license_file in license_files:
        if license_file not in layout.found:
            raise _missing_license_file(license_file, filename, f"{layout.top}/{license_file}")


def read_wheel_metadata(path: Path, filename: str, license_files: Sequence[str]) -> bytes:
    """Checks 40-43a, in Warehouse's order; the exact bytes of the wheel's ``METADATA``.

    The ``.dist-info`` directory is named after the filename's name and version segments as
    they literally appear. ``entry_points.txt`` and ``METADATA`` are read only up to
    ``UPLOAD_MAX_METADATA_BYTES`` (42a, 43a). Call after ``validate_distribution`` and
    ``check_wheel_filename``.
    """
    name, version, _ = filename.split("-", 2)
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path) as zf, path.open("rb") as fp:
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
        _check_entry_points(zf, fp, f"{dist_info}/entry_points.txt", filename)
        metadata = f"{dist_info}/METADATA"
        if not _has_member(zf, metadata):
            raise bad_request(
                gettext(
                    "Wheel '{filename}' does not contain the required METADATA file: {member}"
                ).format(filename=filename, member=metadata)
            )
        return _read_member(zf, fp, metadata, filename)  # 43a


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
        raise InvalidArchive(gettext("File is not a zipfile")) from None
    _check_zip_expansion(path, infos)
    names = [info.filename for info in infos]
    if filename.endswith(".zip"):
        layout = _SdistLayout()
        for name in names:
            layout.add(name, is_dir=name.endswith("/"))
        layout.require_pkg_info()
    else:
        _require_wheel_file(names, filename)
    check_zip_structure(path)


def _check_zip_expansion(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    compressed = path.stat().st_size
    decompressed = sum(info.file_size for info in infos)
    if (
        decompressed > COMPRESSION_RATIO_MIN_SIZE
        and decompressed / compressed > COMPRESSION_RATIO_THRESHOLD
    ):
        raise _ratio_exceeded()
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in infos):
        raise InvalidArchive(gettext("File does not use a supported compression type"))


def _ratio_exceeded() -> InvalidArchive:
    return InvalidArchive(
        gettext("File exceeds compression ratio of {ratio}").format(
            ratio=COMPRESSION_RATIO_THRESHOLD
        )
    )


def _require_wheel_file(names: list[str], filename: str) -> None:
    try:
        name, version, _ = filename.split("-", 2)
    except ValueError:
        reason = gettext("Unable to parse name and version from wheel filename")
        raise InvalidArchive(reason) from None
    target = f"{name}-{version}.dist-info/WHEEL"
    if target not in names:
        raise InvalidArchive(gettext("WHEEL not found at {path}").format(path=target))


# Tar archives (sdists) ----------------------------------------------------------------------


class _BoundedStream:
    """A read-only view of a decompressed stream that refuses to expand past ``limit`` bytes."""

    def __init__(self, raw: gzip.GzipFile, limit: int) -> None:
        self._raw, self._limit, self._pos = raw, limit, 0

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > _MAX_TAR_HEADER_READ:
            raise InvalidArchive(_tar_refusal(gettext("Oversized header")))
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
            # Read mode: tarfile never writes to nor closes a fileobj it was handed, the two
            # methods its fileobj protocol asks for beyond the ones defined here.
            bounded = _BoundedStream(unzipped, limit)
            with tarfile.open(fileobj=bounded, mode="r:") as tar:  # type: ignore[call-overload]
                while (member := tar.next()) is not None:
                    tar.members.clear()  # keep memory flat: headers are not needed again
                    yield member
    except (tarfile.TarError, EOFError, OSError, zlib.error):
        raise InvalidArchive(gettext("File is not a tarfile")) from None


def _check_tar_member(member: tarfile.TarInfo) -> None:
    if member.issparse():
        raise InvalidArchive(_tar_refusal(gettext("Sparse members are not allowed")))
    if _unsafe_path(member.name) or (member.islnk() and _unsafe_path(member.linkname)):
        why = gettext("Absolute paths and '..' components are not allowed")
        raise InvalidArchive(_tar_refusal(why))
    if member.issym() and _leaves_archive(member.name, member.linkname):
        raise InvalidArchive(_tar_refusal(gettext("Links must point inside the archive")))
    if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
        raise InvalidArchive(
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
            raise InvalidArchive(gettext("Incorrect number of top-level directories in sdist"))
        self.top = head
        if rest == "PKG-INFO" and not is_dir:
            self.has_pkg_info = True
        if rest in self._wanted:
            self.found.add(rest)

    def require_pkg_info(self) -> None:
        if self.top is None:
            raise InvalidArchive(gettext("Incorrect number of top-level directories in sdist"))
        if not self.has_pkg_info:
            raise InvalidArchive(
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


def iter_member(fp: BinaryIO, info: zipfile.ZipInfo) -> Generator[bytes, None, None]:
    """The member's bytes, inflated in pieces of at most ``CHUNK_SIZE``, from the raw file ``fp``.

    The member must be exactly what its headers declare: its compressed bytes inflate to a
    stream that ends with them, to no more and no fewer bytes than the declared size, with
    the declared CRC. ``zipfile`` itself stops at the declared size and would silently ignore
    what follows, which other ZIP readers might extract. Call on an archive check 30
    accepted (headers agree, only stored and deflated members). Raises ``UploadError(400,
    "Invalid distribution file. <member> could not be read")``.
    """
    fp.seek(info.header_offset)
    local = fp.read(_LOCAL_HEADER.size)
    if len(local) != _LOCAL_HEADER.size:
        raise unreadable_member(info.filename)
    name_length, extra_length = _LOCAL_HEADER.unpack(local)[-2:]
    position = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    if inflater is None and info.compress_size != info.file_size:
        raise unreadable_member(info.filename)
    left, produced, crc = info.compress_size, 0, 0
    try:
        while left:
            fp.seek(position)  # another reader of fp may have moved it while we yielded
            raw = fp.read(min(CHUNK_SIZE, left))
            if not raw:
                raise unreadable_member(info.filename)
            position, left = position + len(raw), left - len(raw)
            for data in _inflate(inflater, raw):
                produced, crc = produced + len(data), zlib.crc32(data, crc)
                if produced > info.file_size:
                    raise unreadable_member(info.filename)
                yield data
    except zlib.error:
        raise unreadable_member(info.filename) from None
    ended = (
        inflater is None
        or (inflater.eof and not inflater.unused_data)
        or info.compress_size == info.file_size == 0  # an empty member, deflated to nothing
    )
    if not ended or produced != info.file_size or crc != info.CRC:
        raise unreadable_member(info.filename)


def _inflate(inflater: zlib._Decompress | None, raw: bytes) -> Iterator[bytes]:
    """What ``raw`` inflates to, in pieces of at most ``CHUNK_SIZE`` (``raw`` if stored)."""
    if inflater is None:
        yield raw
        return
    while True:
        data = inflater.decompress(raw, CHUNK_SIZE)
        raw = inflater.unconsumed_tail
        if data:
            yield data
        if not raw and len(data) < CHUNK_SIZE:
            return


def unreadable_member(name: str) -> UploadError:
    return bad_request(
        gettext("Invalid distribution file. {member} could not be read").format(member=name)
    )


def _read_member(zf: zipfile.ZipFile, fp: BinaryIO, name: str, filename: str) -> bytes:
    """The member's bytes; 400 once it passes ``UPLOAD_MAX_METADATA_BYTES`` (checks 42a, 43a).

    The declared size is checked first, before anything is inflated; ``iter_member`` then
    stops as soon as the member passes its declared size.
    """
    limit = settings.UPLOAD_MAX_METADATA_BYTES
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _member_too_large(name, filename, limit)
    return b"".join(iter_member(fp, info))


def _member_too_large(name: str, filename: str, limit: int) -> UploadError:
    return bad_request(
        gettext("{member} in wheel '{filename}' is larger than the limit of {limit} bytes.").format(
            member=name, filename=filename, limit=limit
        )
    )


def _check_entry_points(zf: zipfile.ZipFile, fp: BinaryIO, member: str, filename: str) -> None:
    """Checks 42a and 42: entry_points.txt, if present, is small, UTF-8 INI, valid names."""
    if _has_member(zf, member) and not _entry_points_valid(_read_member(zf, fp, member, filename)):
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
