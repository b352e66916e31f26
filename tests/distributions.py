"""Real wheels and sdists, built in memory with the standard library, for the whole test suite.

Every builder returns ``(filename, content)``. The defaults are valid, pip-installable
distributions of an importable module named after the project; keyword arguments break them in
the one way a test needs (a missing ``RECORD``, a second top-level directory, ...). Builds are
deterministic: the same arguments give the same bytes.

>>> filename, content = make_wheel("my-pkg", "1.0")
>>> filename
'my_pkg-1.0-py3-none-any.whl'
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import itertools
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from packages.names import wheel_name

# 2020-02-02 00:00:00 UTC: every member gets this timestamp.
TIMESTAMP = 1580601600
_ZIP_DATE_TIME = (2020, 2, 2, 0, 0, 0)
_HEADER_NAMES = {
    "metadata_version": "Metadata-Version",
    "home_page": "Home-page",
    "download_url": "Download-URL",
    "author_email": "Author-email",
    "maintainer_email": "Maintainer-email",
    "classifiers": "Classifier",
    "project_urls": "Project-URL",
    "project_url": "Project-URL",
    "license_files": "License-File",
    "platforms": "Platform",
    "supported_platforms": "Supported-Platform",
    "provides_extras": "Provides-Extra",
}
# Fields that only exist from Metadata-Version 2.4 (PEP 639) on.
_FIELDS_2_4 = ("license_expression", "license_files")


@dataclass(frozen=True)
class Repeated:
    """A wheel member made of ``head`` and then ``block`` repeated ``count`` times.

    It is written deflated without ever being held or compressed whole (one block is
    compressed once and its bytes repeated), which is how a small file inflates to gigabytes.
    ``declared`` makes both ZIP headers claim another size (and the CRC of that many bytes
    of it): a member that inflates past what it declares.
    """

    block: bytes
    count: int
    head: bytes = b""
    declared: int | None = None

    @property
    def size(self) -> int:
        return len(self.head) + len(self.block) * self.count

    def chunks(self) -> Iterator[bytes]:
        yield self.head
        for _ in range(self.count):
            yield self.block

    def deflated(self) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = compressor.compress(self.head) + compressor.flush(zlib.Z_FULL_FLUSH)
        # A full flush leaves the compressor as new: every copy of the block compresses alike.
        block = compressor.compress(self.block) + compressor.flush(zlib.Z_FULL_FLUSH)
        return head + block * self.count + compressor.flush()

    def crc_and_size(self) -> tuple[int, int]:
        """The CRC-32 and size the ZIP headers give: of the first ``declared`` bytes, if set."""
        size = self.size if self.declared is None else self.declared
        crc, left = 0, size
        for chunk in self.chunks():
            crc = zlib.crc32(chunk[:left], crc)
            left -= min(left, len(chunk))
        return crc, size

    def record_hash(self) -> str:
        sha256 = hashlib.sha256()
        for chunk in self.chunks():
            sha256.update(chunk)
        digest = base64.urlsafe_b64encode(sha256.digest()).rstrip(b"=")
        return f"sha256={digest.decode()}"


def metadata_text(name: str, version: str, **fields: str | list[str]) -> str:
    """A core metadata document (METADATA / PKG-INFO).

    ``requires_dist=["a", "b"]`` becomes two ``Requires-Dist`` headers, ``description`` the
    body. ``Metadata-Version`` is 2.1, or 2.4 when PEP 639 fields are given, unless
    ``metadata_version`` says otherwise.
    """
    fields = dict(fields)
    description = fields.pop("description", None)
    default_version = "2.4" if any(key in fields for key in _FIELDS_2_4) else "2.1"
    lines = [
        f"Metadata-Version: {fields.pop('metadata_version', default_version)}",
        f"Name: {name}",
        f"Version: {version}",
    ]
    for key, value in fields.items():
        header = _HEADER_NAMES.get(key) or "-".join(part.capitalize() for part in key.split("_"))
        values = [value] if isinstance(value, str) else value
        lines.extend(f"{header}: {item}" for item in values)
    text = "\n".join(lines) + "\n"
    if description is not None:
        text += f"\n{description}"
    return text


def make_wheel(
    name: str = "sample",
    version: str = "1.0",
    *,
    tag: str = "py3-none-any",
    metadata: dict | None = None,
    extra_files: dict[str, bytes] | None = None,
    omit: Collection[str] = (),
    entry_points: str | None = None,
    license_files: dict[str, bytes] | None = None,
    filename: str | None = None,
    module_source: bytes | None = None,
    record_rows: Callable[[list[list[str]]], list[list[str]]] | None = None,
    record: bytes | None = None,
    repeated: dict[str, Repeated] | None = None,
) -> tuple[str, bytes]:
    """A wheel holding ``<module>/__init__.py`` and a complete ``.dist-info`` directory.

    ``extra_files`` are archive paths (they may replace generated files); ``omit`` names
    ``.dist-info`` members to leave out ("METADATA", "WHEEL", "RECORD"). ``license_files`` go to
    ``.dist-info/licenses/`` and into METADATA as ``License-File``. ``filename`` only changes the
    returned name, never the contents.

    RECORD is correct: a ``path,sha256=<hash>,<size>`` row for every other member, then
    ``<RECORD path>,,``. To break it, ``record_rows`` edits those rows (RECORD's own row
    included) before they are written, and ``record`` replaces RECORD's bytes altogether.
    ``repeated`` members (which may replace generated files) are written last, listed in
    RECORD with the hash and size of what they inflate to.
    """
    dist = wheel_name(name)
    dist_info = f"{dist}-{version}.dist-info"
    fields = dict(metadata or {})
    if license_files:
        fields.setdefault("license_files", list(license_files))
    files = {f"{dist}/__init__.py": _module_source(version, module_source)}
    files.update({f"{dist_info}/licenses/{path}": data for path, data in _items(license_files)})
    files[f"{dist_info}/METADATA"] = metadata_text(name, version, **fields).encode()
    files[f"{dist_info}/WHEEL"] = _wheel_file(tag).encode()
    if entry_points is not None:
        files[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    files.update(extra_files or {})
    for member in omit:
        files.pop(f"{dist_info}/{member}", None)
    repeated = repeated or {}
    for path in repeated:
        files.pop(path, None)
    if "RECORD" not in omit:
        rows = _record_rows(files, f"{dist_info}/RECORD")
        rows[-1:-1] = [[path, m.record_hash(), str(m.size)] for path, m in repeated.items()]
        generated = _record((record_rows or (lambda rows: rows))(rows))
        files[f"{dist_info}/RECORD"] = generated if record is None else record
    content = _zip_with_repeated(files, repeated) if repeated else _zip(files)
    return filename or f"{dist}-{version}-{tag}.whl", content


def make_sdist(
    name: str = "sample",
    version: str = "1.0",
    *,
    metadata: dict | None = None,
    fmt: str = "tar.gz",
    top_level: str | None = None,
    omit_pkg_info: bool = False,
    extra_files: dict[str, bytes] | None = None,
    license_files: dict[str, bytes] | None = None,
    filename: str | None = None,
) -> tuple[str, bytes]:
    """A PEP 625 sdist: ``<top>/PKG-INFO``, ``<top>/pyproject.toml`` and the module.

    ``fmt`` is "tar.gz" or "zip"; ``top_level`` defaults to ``<name>-<version>`` ("" puts
    everything at the root). ``extra_files`` are archive paths (``f"{top}/x"`` to land inside,
    ``"other/x"`` for a second top-level directory); ``license_files`` are relative to the top
    directory and listed as ``License-File``.
    """
    base = f"{wheel_name(name)}-{version}"
    top = base if top_level is None else top_level
    prefix = f"{top}/" if top else ""
    fields = dict(metadata or {})
    if license_files:
        fields.setdefault("license_files", list(license_files))
    files = {}
    if not omit_pkg_info:
        files[f"{prefix}PKG-INFO"] = metadata_text(name, version, **fields).encode()
    files[f"{prefix}pyproject.toml"] = _pyproject(name, version).encode()
    files[f"{prefix}{wheel_name(name)}/__init__.py"] = _module_source(version, None)
    files.update({f"{prefix}{path}": data for path, data in _items(license_files)})
    files.update(extra_files or {})
    if fmt == "tar.gz":
        content = _tar_gz(files)
    elif fmt == "zip":
        content = _zip(files)
    else:
        raise ValueError(f"unknown sdist format {fmt!r}")
    return filename or f"{base}.{fmt}", content


def write(tmp_path: Path, filename: str, content: bytes) -> Path:
    """Write ``content`` to ``tmp_path / filename``; the path."""
    path = tmp_path / filename
    path.write_bytes(content)
    return path


def record_hash(data: bytes) -> str:
    """A RECORD hash: ``sha256=`` and the urlsafe base64 digest without padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _items(files: dict[str, bytes] | None) -> list[tuple[str, bytes]]:
    return list((files or {}).items())


def _module_source(version: str, source: bytes | None) -> bytes:
    return source if source is not None else f'__version__ = "{version}"\n'.encode()


def _wheel_file(tag: str) -> str:
    interpreters, abis, platforms = (part.split(".") for part in tag.split("-"))
    tags = ["-".join(parts) for parts in itertools.product(interpreters, abis, platforms)]
    purelib = "true" if platforms == ["any"] else "false"
    lines = [
        "Wheel-Version: 1.0",
        "Generator: tests.distributions",
        f"Root-Is-Purelib: {purelib}",
        *(f"Tag: {t}" for t in tags),
    ]
    return "\n".join(lines) + "\n"


def _record_rows(files: dict[str, bytes], record_path: str) -> list[list[str]]:
    """The rows of a correct RECORD for ``files``, then RECORD's own row."""
    rows = [[path, record_hash(data), str(len(data))] for path, data in files.items()]
    return [*rows, [record_path, "", ""]]


def _record(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _pyproject(name: str, version: str) -> str:
    return (
        "[build-system]\n"
        'requires = ["setuptools>=61"]\n'
        'build-backend = "setuptools.build_meta"\n'
        "\n"
        "[project]\n"
        f'name = "{name}"\n'
        f'version = "{version}"\n'
    )


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def _zip_with_repeated(files: dict[str, bytes], repeated: dict[str, Repeated]) -> bytes:
    """A ZIP of ``files`` then ``repeated``, written header by header (no ZIP64: < 4 GiB)."""
    members = [
        (path, _raw_deflate(data), zlib.crc32(data), len(data)) for path, data in files.items()
    ]
    members += [(path, m.deflated(), *m.crc_and_size()) for path, m in repeated.items()]
    out, central = bytearray(), bytearray()
    dos_time, dos_date = 0, (2020 - 1980) << 9 | 2 << 5 | 2
    for path, data, crc, size in members:
        name = path.encode()
        flags = 0 if name.isascii() else 0x800
        common = struct.pack(
            "<HHHHIIIH", flags, 8, dos_time, dos_date, crc, len(data), size, len(name)
        )
        central += b"PK\x01\x02" + struct.pack("<HH", 20, 20) + common
        central += struct.pack("<HHHHII", 0, 0, 0, 0, 0o644 << 16, len(out)) + name
        out += b"PK\x03\x04" + struct.pack("<H", 20) + common + struct.pack("<H", 0) + name + data
    end = struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + b"PK\x05\x06" + end)


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        directories: set[str] = set()
        for path, data in files.items():
            for directory in _parents(path):
                if directory not in directories:
                    directories.add(directory)
                    tar.addfile(_tar_info(directory, tarfile.DIRTYPE, 0o755))
            tar.addfile(_tar_info(path, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))
    return buffer.getvalue()


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _tar_info(path: str, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.type, info.mode, info.size, info.mtime = kind, mode, size, TIMESTAMP
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
