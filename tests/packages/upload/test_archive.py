import gzip
import io
import os
import struct
import tarfile
import tracemalloc
import zipfile
import zlib

import pytest

from packages.upload.archive import (
    check_sdist_license_files,
    read_wheel_metadata,
    validate_distribution,
)
from packages.upload.errors import UploadError
from tests.distributions import Repeated, make_sdist, make_wheel, write

HELP = "http://testserver/help/#file-validity"
WHEEL_NAME = "sample-1.0-py3-none-any.whl"
MIB = 1024 * 1024


def refusal(call):
    with pytest.raises(UploadError) as excinfo:
        call()
    return excinfo.value.status, excinfo.value.message


def invalid(reason):
    return (400, f"Invalid distribution file. {reason}")


def zip_not_accepted(why):
    return invalid(f"ZIP archive not accepted: {why}. See {HELP} for more information")


def tar_not_accepted(why):
    return invalid(f"tar archive not accepted: {why}. See {HELP} for more information")


def validate(tmp_path, filename, content):
    path = write(tmp_path, filename, content)
    return lambda: validate_distribution(path, filename)


# Hand-written ZIPs, record by record ---------------------------------------------------------


WHEEL_MEMBERS = [
    (b"sample-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
    (b"sample/__init__.py", b"x = 1\n"),
]


def raw_zip(
    members,
    *,
    local=None,
    central=None,
    end=None,
    zip64_end=None,
    prefix=b"",
    between=b"",
    before_central=b"",
    suffix=b"",
):
    """A STORED ZIP written record by record.

    ``local``/``central`` map a member's index to header fields to override; ``end`` overrides
    end-record fields; ``zip64_end`` (a dict, possibly empty) adds ZIP64 end records.
    """
    out, centrals = bytearray(prefix), []
    for index, (name, data) in enumerate(members):
        out += between if index else b""
        honest = {
            "flags": 0 if name.isascii() else 0x800,
            "method": 0,
            "crc": zlib.crc32(data),
            "csize": len(data),
            "usize": len(data),
            "name": name,
            "extra": b"",
        }
        fields = {"sig": b"PK\x03\x04", **honest, **(local or {}).get(index, {})}
        centrals.append(
            {
                "sig": b"PK\x01\x02",
                **honest,
                "comment": b"",
                "disk": 0,
                "offset": len(out),
                **(central or {}).get(index, {}),
            }
        )
        out += pack_local(fields) + data
    out += before_central
    cd_offset = len(out)
    for fields in centrals:
        out += pack_central(fields)
    totals = {"here": len(members), "count": len(members), "cd_size": len(out) - cd_offset}
    totals["cd_offset"] = cd_offset
    if zip64_end is not None:
        out += pack_zip64_end(len(out), {**totals, **zip64_end})
    end_fields = {"disk": 0, "cd_disk": 0, **totals, "comment": b"", **(end or {})}
    return bytes(out + pack_end(end_fields) + suffix)


def pack_local(f):
    header = struct.pack(
        "<4sHHHHHIIIHH",
        *(f["sig"], 20, f["flags"], f["method"], 0, 0x21, f["crc"], f["csize"], f["usize"]),
        *(len(f["name"]), len(f["extra"])),
    )
    return header + f["name"] + f["extra"]


def pack_central(f):
    header = struct.pack(
        "<4sHHHHHHIIIHHHHHII",
        *(f["sig"], 20, 20, f["flags"], f["method"], 0, 0x21, f["crc"], f["csize"], f["usize"]),
        *(len(f["name"]), len(f["extra"]), len(f["comment"]), f["disk"], 0, 0, f["offset"]),
    )
    return header + f["name"] + f["extra"] + f["comment"]


def pack_end(f):
    header = struct.pack(
        "<4sHHHHIIH",
        *(b"PK\x05\x06", f["disk"], f["cd_disk"], f["here"], f["count"], f["cd_size"]),
        *(f["cd_offset"], len(f["comment"])),
    )
    return header + f["comment"]


def pack_zip64_end(at, f):
    record = struct.pack(
        "<4sQHHIIQQQQ",
        *(b"PK\x06\x06", f.get("record_size", 44), 45, 45, 0, 0, f["here"], f["count"]),
        *(f["cd_size"], f["cd_offset"]),
    )
    record += f.get("extensible", b"")
    return record + struct.pack("<4sIQI", b"PK\x06\x07", 0, f.get("locator_offset", at), 1)


def unicode_path(name, original=b"sample/__init__.py"):
    return struct.pack("<HHBI", 0x7075, 5 + len(name), 1, zlib.crc32(original)) + name


def zip64_extra(*values):
    return struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values)


# Well-formed archives ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "built",
    [
        make_wheel(),
        make_wheel("My.Pkg", "2.0rc1", tag="cp311-abi3-manylinux_2_17_x86_64"),
        make_sdist(),
        make_sdist("My.Pkg", "2.0", license_files={"LICENSES/MIT.txt": b"MIT"}),
        make_sdist(fmt="zip"),
    ],
    ids=["wheel", "binary-wheel", "sdist", "sdist-with-license", "zip-sdist"],
)
def test_built_distributions_are_valid(tmp_path, built):
    validate(tmp_path, *built)()


def test_zip64_wheel_written_by_python_is_valid(tmp_path):
    path = write(tmp_path, *make_wheel())
    with zipfile.ZipFile(path, "a") as zf, zf.open("sample/data.bin", "w", force_zip64=True) as f:
        f.write(b"data")

    validate_distribution(path, WHEEL_NAME)


def test_a_wheel_is_checked_only_for_its_wheel_file(tmp_path):
    # RECORD and METADATA are checks 41 and 43, after the filename checks.
    validate(tmp_path, *make_wheel(omit=["RECORD", "METADATA"]))()


# Zip or tar ---------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["sample-1.0.tar.gz", WHEEL_NAME], ids=str)
def test_file_both_zip_and_tar_refused(tmp_path, filename):
    polyglot = make_sdist()[1] + raw_zip([])

    assert refusal(validate(tmp_path, filename, polyglot)) == invalid(
        "File is both a zip and a tar file"
    )


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        (WHEEL_NAME, make_sdist()[1]),
        (WHEEL_NAME, b"not a zip file at all"),
        ("sample-1.0.zip", b""),
        # The end record is there, but the central directory is not where it says.
        (WHEEL_NAME, raw_zip(WHEEL_MEMBERS, central={0: {"sig": b"PK\x09\x09"}})),
    ],
    ids=["tar-gz", "text", "empty", "bad-central-directory"],
)
def test_not_a_zipfile(tmp_path, filename, content):
    assert refusal(validate(tmp_path, filename, content)) == invalid("File is not a zipfile")


def plain_tar():
    return gzip.decompress(make_sdist()[1])


@pytest.mark.parametrize(
    "content",
    [
        make_wheel()[1],
        plain_tar(),
        make_sdist()[1][:200],
        gzip.compress(b"not a tar file", mtime=0),
        b"",
    ],
    ids=["zip", "uncompressed-tar", "truncated", "gzip-not-tar", "empty"],
)
def test_not_a_tarfile(tmp_path, content):
    assert refusal(validate(tmp_path, "sample-1.0.tar.gz", content)) == invalid(
        "File is not a tarfile"
    )


# Compression ratio ---------------------------------------------------------------------------


def zip_with(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression, compresslevel=1) as zf:
        zf.writestr("sample-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n")
        for name, chunks, stored in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 2, 2, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if stored else compression
            with zf.open(info, "w") as f:
                for chunk in chunks:
                    f.write(chunk)
    return buffer.getvalue()


def zeros(size):
    return (bytes(MIB) for _ in range(size // MIB))


def test_zip_bomb_refused(tmp_path):
    content = zip_with([("sample/zeros", zeros(65 * MIB), False)])

    assert refusal(validate(tmp_path, WHEEL_NAME, content)) == invalid(
        "File exceeds compression ratio of 50"
    )


def test_zip_large_but_not_too_compressed_accepted(tmp_path):
    incompressible = os.urandom(MIB + MIB // 2)
    content = zip_with(
        [("sample/zeros", zeros(65 * MIB), False), ("sample/random", [incompressible], True)]
    )

    validate(tmp_path, WHEEL_NAME, content)()


def test_zip_small_but_highly_compressed_accepted(tmp_path):
    validate(tmp_path, WHEEL_NAME, zip_with([("sample/zeros", zeros(8 * MIB), False)]))()


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"]
)
def test_zip_unsupported_compression_refused(tmp_path, compression):
    content = zip_with([("sample/__init__.py", [b"x = 1\n"], False)], compression=compression)

    assert refusal(validate(tmp_path, WHEEL_NAME, content)) == invalid(
        "File does not use a supported compression type"
    )


def tar_member(name, kind=tarfile.REGTYPE, data=b"", **attributes):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    for attribute, value in attributes.items():
        setattr(info, attribute, value)
    return info, data


def tar_gz(*members, fmt=tarfile.PAX_FORMAT, level=9):
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=level) as gz,
        tarfile.open(fileobj=gz, mode="w", format=fmt) as tar,
    ):
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if isinstance(data, bytes) else data)
    return buffer.getvalue()


class Chunks(io.RawIOBase):
    """A readable stream of ``size`` bytes repeating ``block``, for big tar members."""

    def __init__(self, block, size):
        self._block, self._left = block, size

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), len(self._block), self._left)
        buffer[:n] = self._block[:n]
        self._left -= n
        return n


BASE = [
    tar_member("sample-1.0", tarfile.DIRTYPE),
    tar_member("sample-1.0/PKG-INFO", data=b"Metadata-Version: 2.1\n"),
]


def big_member(name, block, size):
    info = tarfile.TarInfo(name)
    info.size = size
    return info, Chunks(block, size)


def test_tar_bomb_refused(tmp_path):
    content = tar_gz(*BASE, big_member("sample-1.0/zeros", bytes(MIB), 65 * MIB), level=1)

    assert refusal(validate(tmp_path, "sample-1.0.tar.gz", content)) == invalid(
        "File exceeds compression ratio of 50"
    )


def test_tar_large_but_not_too_compressed_accepted(tmp_path):
    content = tar_gz(
        *BASE,
        big_member("sample-1.0/zeros", bytes(MIB), 65 * MIB),
        tar_member("sample-1.0/random", data=os.urandom(MIB + MIB // 2)),
        level=1,
    )

    validate(tmp_path, "sample-1.0.tar.gz", content)()


def test_tar_oversized_header_refused(tmp_path):
    huge_pax = tar_member("sample-1.0/x", pax_headers={"comment": "x" * (2 * MIB)})
    content = tar_gz(*BASE, huge_pax)

    assert refusal(validate(tmp_path, "sample-1.0.tar.gz", content)) == tar_not_accepted(
        "Oversized header"
    )


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_100_mib_archive_is_read_in_small_memory(tmp_path, kind):
    block = os.urandom(MIB)
    if kind == "wheel":
        filename, content = make_wheel()
        path = write(tmp_path, filename, content)
        with zipfile.ZipFile(path, "a") as zf, zf.open("sample/blob.bin", "w") as f:
            for _ in range(100):
                f.write(block)
    else:
        filename = "sample-1.0.tar.gz"
        content = tar_gz(*BASE, big_member("sample-1.0/blob.bin", block, 100 * MIB), level=0)
        path = write(tmp_path, filename, content)
    assert path.stat().st_size > 100 * MIB

    tracemalloc.start()
    try:
        validate_distribution(path, filename)
        if kind == "wheel":
            read_wheel_metadata(path, filename, [])
        else:
            check_sdist_license_files(path, filename, ["PKG-INFO"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB


# Zip sdists and wheels: layout ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"top_level": ""}, "Incorrect number of top-level directories in sdist"),
        ({"extra_files": {"other/x": b""}}, "Incorrect number of top-level directories in sdist"),
        ({"extra_files": {"setup.py": b""}}, "Incorrect number of top-level directories in sdist"),
        ({"omit_pkg_info": True}, "PKG-INFO not found at sample-1.0/PKG-INFO"),
        (
            {"omit_pkg_info": True, "extra_files": {"sample-1.0/sub/PKG-INFO": b""}},
            "PKG-INFO not found at sample-1.0/PKG-INFO",
        ),
    ],
    ids=["no-top-level", "two-top-levels", "file-at-root", "no-pkg-info", "nested-pkg-info"],
)
@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_sdist_layout_refused(tmp_path, fmt, kwargs, reason):
    built = make_sdist(fmt=fmt, **kwargs)

    assert refusal(validate(tmp_path, *built)) == invalid(reason)


def test_wheel_filename_without_name_and_version_refused(tmp_path):
    assert refusal(validate(tmp_path, "sample.whl", make_wheel()[1])) == invalid(
        "Unable to parse name and version from wheel filename"
    )


@pytest.mark.parametrize(
    ("filename", "wheel", "path"),
    [
        (WHEEL_NAME, make_wheel(omit=["WHEEL"]), "sample-1.0.dist-info/WHEEL"),
        # The .dist-info directory is named by the filename's segments exactly as written.
        ("Sample-1.0-py3-none-any.whl", make_wheel(), "Sample-1.0.dist-info/WHEEL"),
        ("sample-1.0.0-py3-none-any.whl", make_wheel(), "sample-1.0.0.dist-info/WHEEL"),
    ],
    ids=["omitted", "name-differs", "version-differs"],
)
def test_wheel_without_wheel_file_refused(tmp_path, filename, wheel, path):
    assert refusal(validate(tmp_path, filename, wheel[1])) == invalid(f"WHEEL not found at {path}")


# ZIP structure ------------------------------------------------------------------------------


MAX32 = 0xFFFFFFFF
INIT_SIZE = len(b"x = 1\n")
INIT_OFFSET = 30 + len(WHEEL_MEMBERS[0][0]) + len(WHEEL_MEMBERS[0][1])
NON_ASCII = [WHEEL_MEMBERS[0], ("sample/é.py".encode(), b"")]


@pytest.mark.parametrize(
    "content",
    [
        raw_zip(WHEEL_MEMBERS),
        raw_zip(NON_ASCII),
        raw_zip(WHEEL_MEMBERS, end={"comment": b"an archive comment"}),
        raw_zip(WHEEL_MEMBERS, central={1: {"extra": unicode_path(b"sample/__init__.py")}}),
        raw_zip(WHEEL_MEMBERS, zip64_end={}),
        raw_zip(WHEEL_MEMBERS, zip64_end={}, end={"here": 0xFFFF, "count": 0xFFFF}),
        raw_zip(
            WHEEL_MEMBERS,
            central={
                1: {
                    "usize": MAX32,
                    "csize": MAX32,
                    "offset": MAX32,
                    "extra": zip64_extra(INIT_SIZE, INIT_SIZE, INIT_OFFSET),
                }
            },
        ),
        raw_zip(
            WHEEL_MEMBERS,
            local={1: {"usize": MAX32, "csize": MAX32, "extra": zip64_extra(INIT_SIZE, INIT_SIZE)}},
        ),
    ],
    ids=[
        "plain",
        "utf8-names",
        "archive-comment",
        "unicode-path-extra",
        "zip64-end",
        "zip64-end-markers",
        "zip64-central-extra",
        "zip64-local-extra",
    ],
)
def test_zip_structure_accepted(tmp_path, content):
    validate(tmp_path, WHEEL_NAME, content)()


def zip64_decoy():
    """A ZIP64 archive whose locator points at a copy of its end record, stored as a member.

    Python's zipfile reads the record next to the locator; other readers follow the locator.
    """
    placeholder = [WHEEL_MEMBERS[0], (b"sample/decoy", bytes(56))]
    record = raw_zip(placeholder, zip64_end={})[-98:-42]
    decoy_at = INIT_OFFSET + 30 + len(b"sample/decoy")
    return raw_zip(
        [WHEEL_MEMBERS[0], (b"sample/decoy", record)], zip64_end={"locator_offset": decoy_at}
    )


STRUCTURE_REFUSALS = {
    "trailing-data": (raw_zip(WHEEL_MEMBERS, suffix=b"junk"), "Trailing data"),
    "concatenated": (b"junk" + raw_zip(WHEEL_MEMBERS), "Mismatched central directory offset"),
    "prepended": (
        raw_zip(WHEEL_MEMBERS, prefix=b"junk"),
        "Data before the first local file header",
    ),
    "gap-between-entries": (
        raw_zip(WHEEL_MEMBERS, between=b"junk"),
        "Unaccounted data between entries",
    ),
    "gap-before-directory": (
        raw_zip(WHEEL_MEMBERS, before_central=b"junk"),
        "Unaccounted data between entries",
    ),
    "overlapping": (raw_zip(WHEEL_MEMBERS, central={1: {"offset": 0}}), "Overlapping entries"),
    "no-local-header": (
        raw_zip(WHEEL_MEMBERS, local={1: {"sig": b"PK\x05\x05"}}),
        "Missing local file header",
    ),
    "local-name-differs": (
        raw_zip(WHEEL_MEMBERS, local={1: {"name": b"sample/__init__.pyc"}}),
        "Filename not in central directory",
    ),
    "data-descriptor": (
        raw_zip(WHEEL_MEMBERS, local={1: {"flags": 0x08}}, central={1: {"flags": 0x08}}),
        "ZIP contains a data descriptor",
    ),
    "method-differs": (
        raw_zip(WHEEL_MEMBERS, local={1: {"method": 8}}),
        "Mis-matched compression method",
    ),
    "crc-differs": (raw_zip(WHEEL_MEMBERS, local={1: {"crc": 1}}), "Mis-matched CRC"),
    "data-size-differs": (
        raw_zip(WHEEL_MEMBERS, local={1: {"csize": 5}}),
        "Mis-matched data size",
    ),
    "file-size-differs": (
        raw_zip(WHEEL_MEMBERS, local={1: {"usize": 5}}),
        "Mis-matched file size",
    ),
    "entry-comment": (
        raw_zip(WHEEL_MEMBERS, central={1: {"comment": b"hi"}}),
        "Comment in central directory",
    ),
    "control-character": (
        raw_zip([WHEEL_MEMBERS[0], (b"sample/\x01.py", b"")]),
        "Invalid character in filename",
    ),
    "del-character": (
        raw_zip([WHEEL_MEMBERS[0], (b"sample/\x7f.py", b"")]),
        "Invalid character in filename",
    ),
    "not-utf8": (
        # Python's zipfile reads it as CP437; other readers would not.
        raw_zip(
            [WHEEL_MEMBERS[0], (b"sample/\xff.py", b"")],
            local={1: {"flags": 0}},
            central={1: {"flags": 0}},
        ),
        "Filename not valid UTF-8",
    ),
    "utf8-not-flagged": (
        raw_zip(NON_ASCII, local={1: {"flags": 0}}, central={1: {"flags": 0}}),
        "Filename not flagged as UTF-8",
    ),
    "utf8-not-flagged-locally": (
        raw_zip(NON_ASCII, local={1: {"flags": 0}}),
        "Filename not flagged as UTF-8",
    ),
    "duplicate-name": (
        raw_zip([*WHEEL_MEMBERS, WHEEL_MEMBERS[1]]),
        "Duplicate filename in central directory",
    ),
    "encrypted": (
        raw_zip(WHEEL_MEMBERS, central={1: {"flags": 0x01}}),
        "Encrypted entries are not allowed",
    ),
    "duplicate-extra": (
        raw_zip(WHEEL_MEMBERS, central={1: {"extra": b"\x75\x70\x00\x00" * 2}}),
        "Invalid duplicate extra",
    ),
    "duplicate-local-extra": (
        raw_zip(WHEEL_MEMBERS, local={1: {"extra": b"\x01\x00\x00\x00" * 2}}),
        "Invalid duplicate extra",
    ),
    "truncated-extra": (
        raw_zip(WHEEL_MEMBERS, central={1: {"extra": b"\x01\x00\x08"}}),
        "Malformed zip file",
    ),
    "overlong-extra": (
        raw_zip(WHEEL_MEMBERS, local={1: {"extra": b"\x01\x00\x08\x00\x00"}}),
        "Malformed zip file",
    ),
    "unicode-path-differs": (
        raw_zip(WHEEL_MEMBERS, central={1: {"extra": unicode_path(b"sample/other.py")}}),
        "Mismatched Unicode path extra",
    ),
    "local-unicode-path-differs": (
        raw_zip(WHEEL_MEMBERS, local={1: {"extra": unicode_path(b"sample/other.py")}}),
        "Mismatched Unicode path extra",
    ),
    "zip64-marker-without-extra": (
        raw_zip(WHEEL_MEMBERS, central={1: {"csize": MAX32}}),
        "Malformed zip file",
    ),
    "local-zip64-marker-without-extra": (
        raw_zip(WHEEL_MEMBERS, local={1: {"csize": MAX32}}),
        "Malformed zip file",
    ),
    "entry-on-other-disk": (
        raw_zip(WHEEL_MEMBERS, central={1: {"disk": 1}}),
        "Malformed zip file",
    ),
    "multi-disk": (raw_zip(WHEEL_MEMBERS, end={"disk": 1}), "Malformed zip file"),
    "entries-on-disk-differ": (raw_zip(WHEEL_MEMBERS, end={"here": 1}), "Malformed zip file"),
    "too-few-entries-declared": (
        raw_zip(WHEEL_MEMBERS, end={"here": 1, "count": 1}),
        "Mismatched central directory size",
    ),
    "too-many-entries-declared": (
        raw_zip(WHEEL_MEMBERS, end={"here": 3, "count": 3, "comment": b"c" * 30}),
        "Mismatched central directory records",
    ),
    "too-many-entries-truncated": (
        raw_zip(WHEEL_MEMBERS, end={"here": 3, "count": 3}),
        "Malformed zip file",
    ),
    "zip64-extensible-data": (
        raw_zip(WHEEL_MEMBERS, zip64_end={"record_size": 52, "extensible": bytes(8)}),
        "File is not a zipfile",
    ),
    "zip64-entries-on-disk-differ": (
        raw_zip(WHEEL_MEMBERS, zip64_end={"here": 1}),
        "Malformed zip file",
    ),
    "zip64-values-differ": (
        raw_zip(WHEEL_MEMBERS, zip64_end={"here": 3, "count": 3}),
        "Mismatched ZIP64 end of central directory",
    ),
    "zip64-locator-points-elsewhere": (
        raw_zip(WHEEL_MEMBERS, zip64_end={"locator_offset": 0}),
        "Malformed zip file",
    ),
    "zip64-locator-gap": (
        raw_zip(WHEEL_MEMBERS, zip64_end={"locator_offset": 100}),
        "Malformed zip file",
    ),
    "zip64-locator-points-to-a-copy": (zip64_decoy(), "Malformed zip file"),
}


@pytest.mark.parametrize(
    ("content", "why"), STRUCTURE_REFUSALS.values(), ids=STRUCTURE_REFUSALS.keys()
)
def test_zip_structure_refused(tmp_path, content, why):
    expected = invalid(why) if why == "File is not a zipfile" else zip_not_accepted(why)

    assert refusal(validate(tmp_path, WHEEL_NAME, content)) == expected


def test_zip_structure_checked_for_zip_sdists(tmp_path):
    members = [(b"sample-1.0/PKG-INFO", b"Metadata-Version: 2.1\n")]
    content = raw_zip(members, suffix=b"junk")

    assert refusal(validate(tmp_path, "sample-1.0.zip", content)) == zip_not_accepted(
        "Trailing data"
    )


# ZIP member paths (part of check 30) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.py", "'..' component in path '../evil.py'"),
        ("sample/../../evil.py", "'..' component in path 'sample/../../evil.py'"),
        ("sample/..", "'..' component in path 'sample/..'"),
        ("/etc/evil", "Absolute path '/etc/evil'"),
        ("C:/evil.py", "Drive letter in path 'C:/evil.py'"),
        ("c:evil.py", "Drive letter in path 'c:evil.py'"),
        ("sample/C:/evil.py", "Drive letter in path 'sample/C:/evil.py'"),
        ("sample\\evil.py", "Backslash in path 'sample\\evil.py'"),
        ("..\\evil.py", "Backslash in path '..\\evil.py'"),
    ],
    ids=[
        "parent",
        "nested-parent",
        "trailing-parent",
        "absolute",
        "drive",
        "drive-relative",
        "drive-inside",
        "backslash",
        "backslash-parent",
    ],
)
def test_zip_member_paths_outside_the_archive_refused(tmp_path, name, why):
    content = raw_zip([*WHEEL_MEMBERS, (name.encode(), b"x = 1\n")])

    assert refusal(validate(tmp_path, WHEEL_NAME, content)) == zip_not_accepted(why)


def test_zip_member_paths_checked_for_zip_sdists(tmp_path):
    members = [(b"sample-1.0/PKG-INFO", b""), (b"sample-1.0/../evil.py", b"")]
    content = raw_zip(members)

    assert refusal(validate(tmp_path, "sample-1.0.zip", content)) == zip_not_accepted(
        "'..' component in path 'sample-1.0/../evil.py'"
    )


@pytest.mark.parametrize("name", ["sample/..x.py", "sample/x..py", "sample/.../x", "./sample/x"])
def test_zip_member_paths_with_dots_accepted(tmp_path, name):
    validate(tmp_path, WHEEL_NAME, raw_zip([*WHEEL_MEMBERS, (name.encode(), b"")]))()


# Tar members --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    [
        tar_member("sample-1.0/link", tarfile.SYMTYPE, linkname="PKG-INFO"),
        tar_member("sample-1.0/docs/link", tarfile.SYMTYPE, linkname="../PKG-INFO"),
        tar_member("sample-1.0/hard", tarfile.LNKTYPE, linkname="sample-1.0/PKG-INFO"),
        tar_member("sample-1.0/..data", data=b""),
    ],
    ids=["symlink", "symlink-up-inside", "hardlink", "dots-in-name"],
)
def test_tar_members_accepted(tmp_path, member):
    validate(tmp_path, "sample-1.0.tar.gz", tar_gz(*BASE, member))()


ABSOLUTE_OR_DOTDOT = "Absolute paths and '..' components are not allowed"
OUTSIDE = "Links must point inside the archive"
SPECIAL = "Devices, FIFOs and other special files are not allowed"


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (tar_member("/sample-1.0/x"), ABSOLUTE_OR_DOTDOT),
        (tar_member("sample-1.0/../x"), ABSOLUTE_OR_DOTDOT),
        (tar_member("sample-1.0/a/../b"), ABSOLUTE_OR_DOTDOT),
        (tar_member("sample-1.0/l", tarfile.LNKTYPE, linkname="../etc/passwd"), ABSOLUTE_OR_DOTDOT),
        (tar_member("sample-1.0/l", tarfile.LNKTYPE, linkname="/etc/passwd"), ABSOLUTE_OR_DOTDOT),
        (tar_member("sample-1.0/l", tarfile.SYMTYPE, linkname="../../etc/passwd"), OUTSIDE),
        (tar_member("sample-1.0/l", tarfile.SYMTYPE, linkname="/etc/passwd"), OUTSIDE),
        (tar_member("sample-1.0/l", tarfile.SYMTYPE, linkname="a/../../.."), OUTSIDE),
        (tar_member("sample-1.0/tty", tarfile.CHRTYPE), SPECIAL),
        (tar_member("sample-1.0/disk", tarfile.BLKTYPE), SPECIAL),
        (tar_member("sample-1.0/pipe", tarfile.FIFOTYPE), SPECIAL),
    ],
    ids=[
        "absolute",
        "dotdot",
        "inner-dotdot",
        "hardlink-dotdot",
        "hardlink-absolute",
        "symlink-escapes",
        "symlink-absolute",
        "symlink-escapes-after-normalising",
        "character-device",
        "block-device",
        "fifo",
    ],
)
def test_tar_members_refused(tmp_path, member, why):
    content = tar_gz(*BASE, member)

    assert refusal(validate(tmp_path, "sample-1.0.tar.gz", content)) == tar_not_accepted(why)


def test_tar_sparse_member_refused(tmp_path):
    sparse = tar_member("sample-1.0/sparse", tarfile.GNUTYPE_SPARSE)
    content = tar_gz(*BASE, sparse, fmt=tarfile.GNU_FORMAT)

    assert refusal(validate(tmp_path, "sample-1.0.tar.gz", content)) == tar_not_accepted(
        "Sparse members are not allowed"
    )


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([], "Incorrect number of top-level directories in sdist"),
        ([tar_member("PKG-INFO")], "Incorrect number of top-level directories in sdist"),
        (
            [tar_member("./sample-1.0/PKG-INFO")],
            "Incorrect number of top-level directories in sdist",
        ),
        ([*BASE, tar_member("other-1.0/x")], "Incorrect number of top-level directories in sdist"),
        ([tar_member("sample-1.0", tarfile.DIRTYPE)], "PKG-INFO not found at sample-1.0/PKG-INFO"),
        (
            [tar_member("sample-1.0/PKG-INFO", tarfile.DIRTYPE)],
            "PKG-INFO not found at sample-1.0/PKG-INFO",
        ),
    ],
    ids=["empty", "file-at-root", "dot-prefix", "two-top-levels", "no-pkg-info", "pkg-info-dir"],
)
def test_tar_layout_refused(tmp_path, members, reason):
    content = tar_gz(*members)

    assert refusal(validate(tmp_path, "sample-1.0.tar.gz", content)) == invalid(reason)


def test_tar_without_directory_members_accepted(tmp_path):
    validate(tmp_path, "sample-1.0.tar.gz", tar_gz(BASE[1]))()


# License files in sdists (check 34) ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_sdist_license_files_present(tmp_path, fmt):
    filename, content = make_sdist(
        fmt=fmt, license_files={"LICENSE": b"MIT", "LICENSES/Apache-2.0.txt": b"Apache"}
    )
    path = write(tmp_path, filename, content)

    check_sdist_license_files(path, filename, ["LICENSE", "LICENSES/Apache-2.0.txt"])


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_sdist_license_file_missing(tmp_path, fmt):
    filename, content = make_sdist(fmt=fmt, license_files={"LICENSE": b"MIT"})
    path = write(tmp_path, filename, content)

    assert refusal(
        lambda: check_sdist_license_files(path, filename, ["LICENSE", "COPYING", "NOTICE"])
    ) == (
        400,
        f"License-File COPYING does not exist in distribution file {filename} "
        "at sample-1.0/COPYING",
    )


def test_sdist_license_file_must_be_under_the_top_level_directory(tmp_path):
    filename, content = make_sdist(extra_files={"sample-1.0/sub/LICENSE": b"MIT"})
    path = write(tmp_path, filename, content)

    assert refusal(lambda: check_sdist_license_files(path, filename, ["LICENSE"])) == (
        400,
        "License-File LICENSE does not exist in distribution file sample-1.0.tar.gz "
        "at sample-1.0/LICENSE",
    )


def test_sdist_license_files_in_an_invalid_sdist(tmp_path):
    filename, content = make_sdist(extra_files={"other/LICENSE": b"MIT"})
    path = write(tmp_path, filename, content)

    assert refusal(lambda: check_sdist_license_files(path, filename, ["LICENSE"])) == invalid(
        "Incorrect number of top-level directories in sdist"
    )


def test_sdist_without_license_files_is_not_opened(tmp_path):
    check_sdist_license_files(tmp_path / "missing.tar.gz", "missing.tar.gz", [])


# Wheel contents (checks 40-43) --------------------------------------------------------------


def wheel_metadata(tmp_path, built, license_files=(), filename=None):
    path = write(tmp_path, *built)
    return lambda: read_wheel_metadata(path, filename or built[0], list(license_files))


def test_read_wheel_metadata_returns_the_exact_bytes(tmp_path):
    built = make_wheel(
        "My.Pkg",
        "2.0",
        extra_files={"my_pkg-2.0.dist-info/METADATA": b"Metadata-Version: 2.1\r\nName: x\r\n\xff"},
    )

    assert wheel_metadata(tmp_path, built)() == b"Metadata-Version: 2.1\r\nName: x\r\n\xff"


def test_wheel_license_files_present(tmp_path):
    built = make_wheel(license_files={"LICENSE": b"MIT", "LICENSES/Apache-2.0.txt": b"A"})

    assert wheel_metadata(tmp_path, built, ["LICENSE", "LICENSES/Apache-2.0.txt"])()


@pytest.mark.parametrize(
    "license_files",
    [{}, {"LICENSE.txt": b"MIT"}],
    ids=["none", "other-name"],
)
def test_wheel_license_file_missing(tmp_path, license_files):
    built = make_wheel(license_files=license_files, omit=["RECORD"])

    assert refusal(wheel_metadata(tmp_path, built, ["LICENSE"])) == (
        400,
        f"License-File LICENSE does not exist in distribution file {WHEEL_NAME} "
        "at sample-1.0.dist-info/licenses/LICENSE",
    )


def test_wheel_license_file_outside_licenses_directory_refused(tmp_path):
    built = make_wheel(extra_files={"sample-1.0.dist-info/LICENSE": b"MIT"})

    assert refusal(wheel_metadata(tmp_path, built, ["LICENSE"]))[1].startswith(
        "License-File LICENSE does not exist"
    )


@pytest.mark.parametrize(
    ("filename", "dist_info"),
    [
        (WHEEL_NAME, "sample-1.0.dist-info"),
        # The .dist-info directory is named by the filename's segments as written.
        ("Sample-1.0-py3-none-any.whl", "Sample-1.0.dist-info"),
    ],
    ids=["omitted", "name-as-written"],
)
def test_wheel_without_record_refused(tmp_path, filename, dist_info):
    built = make_wheel(omit=["RECORD", "METADATA"] if filename == WHEEL_NAME else ())

    assert refusal(wheel_metadata(tmp_path, built, filename=filename)) == (
        400,
        f"Wheel '{filename}' does not contain the required RECORD file: {dist_info}/RECORD",
    )


def test_wheel_without_metadata_refused(tmp_path):
    built = make_wheel(omit=["METADATA"])

    assert refusal(wheel_metadata(tmp_path, built)) == (
        400,
        f"Wheel '{WHEEL_NAME}' does not contain the required METADATA file: "
        "sample-1.0.dist-info/METADATA",
    )


VALID_ENTRY_POINTS = {
    "console-script": "[console_scripts]\nsample = sample:main\n",
    "gui-script": "[gui_scripts]\nSample-GUI.app = sample.gui:run [gui]\n",
    "comments-and-blank-lines": "# comment\n\n[console_scripts]\n; other\nsample=sample:main\n",
    "plugin-names-are-free": "[sample.plugins]\nany name / at all! = sample:plugin\n",
    "unicode": "[console_scripts]\nprüfen = sample:main\n",
    "empty": "",
}


@pytest.mark.parametrize("entry_points", VALID_ENTRY_POINTS.values(), ids=VALID_ENTRY_POINTS.keys())
def test_wheel_entry_points_accepted(tmp_path, entry_points):
    assert wheel_metadata(tmp_path, make_wheel(entry_points=entry_points))()


INVALID_ENTRY_POINTS = {
    "not-utf8": b"[console_scripts]\nsample = sample:main # \xff\n",
    "colon-delimiter": b"[console_scripts]\nsample: sample:main\n",
    "no-delimiter": b"[console_scripts]\nsample\n",
    "no-section": b"sample = sample:main\n",
    "duplicate-name": b"[console_scripts]\na = sample:main\na = sample:other\n",
    "duplicate-section": b"[console_scripts]\na = s:m\n[console_scripts]\nb = s:m\n",
    "path-in-script-name": b"[console_scripts]\nbin/sample = sample:main\n",
    "parent-script-name": b"[gui_scripts]\n.. = sample:main\n",
    "space-in-script-name": b"[console_scripts]\nmy sample = sample:main\n",
    "backslash-in-script-name": b"[gui_scripts]\n..\\evil = sample:main\n",
}


@pytest.mark.parametrize(
    "entry_points", INVALID_ENTRY_POINTS.values(), ids=INVALID_ENTRY_POINTS.keys()
)
def test_wheel_entry_points_refused(tmp_path, entry_points):
    built = make_wheel(extra_files={"sample-1.0.dist-info/entry_points.txt": entry_points})

    assert refusal(wheel_metadata(tmp_path, built)) == (
        400,
        f"Wheel '{WHEEL_NAME}' has invalid entry points defined in the entry_points.txt file",
    )


@pytest.mark.parametrize(
    ("kwargs", "license_files", "expected_start"),
    [
        ({"omit": ["RECORD", "METADATA"]}, ["LICENSE"], "License-File LICENSE"),
        (
            {"omit": ["RECORD", "METADATA"], "entry_points": "bad"},
            [],
            f"Wheel '{WHEEL_NAME}' does not contain the required RECORD file",
        ),
        (
            {"omit": ["METADATA"], "entry_points": "bad"},
            [],
            f"Wheel '{WHEEL_NAME}' has invalid entry points",
        ),
    ],
    ids=["license-before-record", "record-before-entry-points", "entry-points-before-metadata"],
)
def test_wheel_content_checks_run_in_warehouse_order(
    tmp_path, kwargs, license_files, expected_start
):
    message = refusal(wheel_metadata(tmp_path, make_wheel(**kwargs), license_files))[1]

    assert message.startswith(expected_start)


def test_unreadable_metadata_refused(tmp_path):
    members = [
        (b"sample-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
        (b"sample-1.0.dist-info/RECORD", b""),
        (b"sample-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\n"),
    ]
    content = raw_zip(members, local={2: {"crc": 1}}, central={2: {"crc": 1}})

    assert refusal(wheel_metadata(tmp_path, (WHEEL_NAME, content))) == invalid(
        "sample-1.0.dist-info/METADATA could not be read"
    )


# Members read whole: checks 42a and 43a, and how every member is read ------------------------


def sized(size, head=b"Metadata-Version: 2.1\nName: sample\nVersion: 1.0\n\n"):
    """A METADATA (or entry_points.txt, with another ``head``) of exactly ``size`` bytes."""
    return head + b"x" * (size - len(head))


@pytest.mark.parametrize(
    ("member", "head"),
    [("METADATA", b"Metadata-Version: 2.1\n\n"), ("entry_points.txt", b"[sample]\n#")],
)
def test_members_read_whole_are_read_up_to_the_limit(tmp_path, settings, member, head):
    settings.UPLOAD_MAX_METADATA_BYTES = 1000
    path = f"sample-1.0.dist-info/{member}"

    assert wheel_metadata(tmp_path, make_wheel(extra_files={path: sized(1000, head)}))()
    message = f"{path} in wheel '{WHEEL_NAME}' is larger than the limit of 1000 bytes."
    too_large = make_wheel(extra_files={path: sized(1001, head)})
    assert refusal(wheel_metadata(tmp_path, too_large)) == (400, message)


def test_metadata_limit_defaults_to_2_mib(settings):
    assert settings.UPLOAD_MAX_METADATA_BYTES == 2 * MIB


def test_metadata_declaring_more_than_the_limit_is_refused_before_inflating(tmp_path):
    bomb = Repeated(b"\0" * MIB, 256, head=b"Metadata-Version: 2.1\n\n")
    # RECORD (check 43d) is not read here: an empty one is enough for check 41.
    built = make_wheel(repeated={"sample-1.0.dist-info/METADATA": bomb}, record=b"")
    message = (
        f"sample-1.0.dist-info/METADATA in wheel '{WHEEL_NAME}' is larger than the limit of "
        f"{2 * MIB} bytes."
    )

    tracemalloc.start()
    try:
        assert refusal(wheel_metadata(tmp_path, built)) == (400, message)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MIB


def test_member_inflating_past_its_declared_size_is_refused_as_it_is_read(tmp_path):
    """Headers may declare a small size for a stream that inflates to far more: reading
    stops one piece past the declared size instead of inflating the rest."""
    head = b"Metadata-Version: 2.1\nName: sample\nVersion: 1.0\n"
    liar = Repeated(b"\0" * MIB, 256, head=head, declared=len(head))
    built = make_wheel(repeated={"sample-1.0.dist-info/METADATA": liar}, record=b"")

    tracemalloc.start()
    try:
        assert refusal(wheel_metadata(tmp_path, built)) == invalid(
            "sample-1.0.dist-info/METADATA could not be read"
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MIB


def deflated(data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


METADATA_BYTES = b"Metadata-Version: 2.1\nName: sample\nVersion: 1.0\n"


def wheel_with_metadata_stored_as(data, **declared):
    """A wheel whose METADATA's headers say ``declared`` (method, sizes, CRC) of ``data``."""
    fields = {"method": 8, "usize": len(METADATA_BYTES), "crc": zlib.crc32(METADATA_BYTES)}
    fields.update(declared)
    members = [
        (b"sample-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
        (b"sample-1.0.dist-info/RECORD", b""),
        (b"sample-1.0.dist-info/METADATA", data),
    ]
    return raw_zip(members, local={2: fields}, central={2: fields})


def test_deflated_member_read_exactly(tmp_path):
    content = wheel_with_metadata_stored_as(deflated(METADATA_BYTES))

    assert wheel_metadata(tmp_path, (WHEEL_NAME, content))() == METADATA_BYTES


@pytest.mark.parametrize("data", [deflated(b""), b""], ids=["empty-stream", "no-stream"])
def test_empty_deflated_member_read(tmp_path, data):
    content = wheel_with_metadata_stored_as(data, usize=0, crc=0)

    assert wheel_metadata(tmp_path, (WHEEL_NAME, content))() == b""


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (deflated(METADATA_BYTES) + b"more data", {}),
        (deflated(METADATA_BYTES)[:-3], {}),
        (deflated(METADATA_BYTES + b"more"), {}),
        (deflated(METADATA_BYTES), {"usize": len(METADATA_BYTES) + 1}),
        (deflated(METADATA_BYTES), {"crc": 1}),
        (METADATA_BYTES, {"method": 0, "usize": len(METADATA_BYTES) - 1}),
        (b"\xff" * 40, {}),
    ],
    ids=[
        "data-after-the-stream",
        "stream-cut-short",
        "inflates-past-declared-size",
        "inflates-short-of-declared-size",
        "wrong-crc",
        "stored-sizes-differ",
        "not-deflate",
    ],
)
def test_member_not_exactly_as_declared_refused(tmp_path, data, declared):
    """zipfile would read several of these (ignoring what follows the declared size); other
    ZIP readers would extract something else."""
    content = wheel_with_metadata_stored_as(data, **declared)

    assert refusal(wheel_metadata(tmp_path, (WHEEL_NAME, content))) == invalid(
        "sample-1.0.dist-info/METADATA could not be read"
    )
