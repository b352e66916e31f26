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
import tarfile
import zipfile
from collections.abc import Collection
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
) -> tuple[str, bytes]:
    """A wheel holding ``<module>/__init__.py`` and a complete ``.dist-info`` directory.

    ``extra_files`` are archive paths (they may replace generated files); ``omit`` names
    ``.dist-info`` members to leave out ("METADATA", "WHEEL", "RECORD"). ``license_files`` go to
    ``.dist-info/licenses/`` and into METADATA as ``License-File``. ``filename`` only changes the
    returned name, never the contents.
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
    if "RECORD" not in omit:
        files[f"{dist_info}/RECORD"] = _record(files, f"{dist_info}/RECORD")
    return filename or f"{dist}-{version}-{tag}.whl", _zip(files)


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


def _record(files: dict[str, bytes], record_path: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path, data in files.items():
        writer.writerow([path, record_hash(data), len(data)])
    writer.writerow([record_path, "", ""])
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
