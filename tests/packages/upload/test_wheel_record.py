"""Check 43d case by case: a wheel's RECORD lists its files with their sha256 hashes and sizes."""

import base64
import hashlib
import os
import subprocess
import sys
import tracemalloc
import zipfile

import pytest

from packages.upload.errors import UploadError
from packages.upload.wheel_record import verify_record
from tests.distributions import Repeated, make_wheel, record_hash, write

WHEEL_NAME = "sample-1.0-py3-none-any.whl"
MODULE = "sample/__init__.py"
MODULE_BYTES = b'__version__ = "1.0"\n'
SIGNATURE = "sample-1.0.dist-info/RECORD.jws"
MIB = 1024 * 1024


def verify(tmp_path, built, filename=None):
    path = write(tmp_path, *built)
    return lambda: verify_record(path, filename or built[0])


def refusal(call):
    with pytest.raises(UploadError) as excinfo:
        call()
    return excinfo.value.status, excinfo.value.message


def mismatch(why, filename=WHEEL_NAME):
    return (400, f"Wheel '{filename}' does not match its RECORD file: {why}.")


def edit(path, *, digest=None, size=None):
    """A ``record_rows`` editor setting the hash and/or size column of ``path``'s row."""

    def edited(rows):
        for row in rows:
            if row[0] == path:
                row[1] = row[1] if digest is None else digest
                row[2] = row[2] if size is None else size
        return rows

    return edited


def without(path):
    return lambda rows: [row for row in rows if row[0] != path]


# Accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"entry_points": "[console_scripts]\nsample = sample:main\n"},
        {"license_files": {"LICENSE": b"MIT"}},
        {"extra_files": {"sample-1.0.data/scripts/run": b"#!python\n", "sample/empty.py": b""}},
        {"extra_files": {"sample/é.py": b"x = 1\n", "sample/with,comma.txt": b""}},
        # RECORD's own row may be missing, or carry a hash and size (which are ignored).
        {"record_rows": without("sample-1.0.dist-info/RECORD")},
        {"record_rows": edit("sample-1.0.dist-info/RECORD", digest="sha256=x", size="1")},
        # Signatures of RECORD are not listed; blank lines are ignored.
        {
            "extra_files": {SIGNATURE: b"{}", f"{SIGNATURE[:-4]}.p7s": b""},
            "record_rows": lambda rows: [r for r in rows if not r[0].startswith(SIGNATURE[:-4])],
        },
        {"record_rows": lambda rows: [*rows[:1], [], *rows[1:]]},
        # Padding after the base64 digest changes nothing.
        {"record_rows": edit(MODULE, digest=f"{record_hash(MODULE_BYTES)}=")},
    ],
    ids=[
        "plain",
        "entry-points",
        "license",
        "data-directory",
        "unusual-names",
        "no-own-row",
        "own-row-with-values",
        "signature",
        "blank-line",
        "padded-hash",
    ],
)
def test_correct_record_accepted(tmp_path, kwargs):
    verify(tmp_path, make_wheel(**kwargs))()


def test_directory_entries_need_not_be_listed(tmp_path):
    filename, content = make_wheel()
    path = write(tmp_path, filename, content)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(zipfile.ZipInfo("sample/"), b"")
        zf.writestr(zipfile.ZipInfo("sample/data/"), b"")

    verify_record(path, filename)


def test_directory_entries_may_be_listed(tmp_path):
    filename, content = make_wheel(record_rows=lambda rows: [["sample/", "", ""], *rows])
    path = write(tmp_path, filename, content)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(zipfile.ZipInfo("sample/"), b"")

    verify_record(path, filename)


def test_record_in_the_dist_info_named_by_the_filename_as_written(tmp_path):
    filename = "My_Pkg-1.0-py3-none-any.whl"
    built = make_wheel(
        "my-pkg", "1.0", extra_files={"My_Pkg-1.0.dist-info/RECORD": b""}, filename=filename
    )

    # That RECORD is empty, the correct one beside it (my_pkg-1.0.dist-info) is not read.
    assert refusal(verify(tmp_path, built)) == mismatch(
        "my_pkg/__init__.py is not listed", filename
    )


@pytest.fixture(scope="module")
def setuptools_wheel(tmp_path_factory):
    """A wheel built by setuptools, as ``python -m build`` or ``pip wheel`` build it."""
    pytest.importorskip("setuptools")
    source = tmp_path_factory.mktemp("real-pkg")
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "real-pkg"\nversion = "1.2"\nrequires-python = ">=3.9"\n'
        'dependencies = ["requests>=2 ; python_version >= \'3.9\'", "click"]\n'
        'license = "MIT"\n[project.optional-dependencies]\ncli = ["rich"]\n'
        '[project.scripts]\nreal-pkg = "realpkg:main"\n'
        '[tool.setuptools.package-data]\nrealpkg = ["data/*.txt"]\n'
    )
    (source / "LICENSE").write_text("MIT\n")
    package = source / "src" / "realpkg"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("def main():\n    pass\n")
    (package / "data" / "x.txt").write_text("data\n")
    dist = source / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps"]
    command += ["--no-cache-dir", "--disable-pip-version-check", "--isolated", "-w", dist, source]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("*.whl")
    return wheel


def test_wheel_built_by_setuptools_accepted(setuptools_wheel):
    verify_record(setuptools_wheel, setuptools_wheel.name)


# Refused ------------------------------------------------------------------------------------


REFUSALS = {
    "not-listed": ({"record_rows": without(MODULE)}, f"{MODULE} is not listed"),
    "added-after-build": (
        {
            "extra_files": {"sample/evil.pth": b"import os"},
            "record_rows": without("sample/evil.pth"),
        },
        "sample/evil.pth is not listed",
    ),
    "changed-after-build": (
        {"record_rows": edit(MODULE, digest=record_hash(b"x = 1\n"))},
        f"the sha256 hash of {MODULE} differs",
    ),
    "no-hash": ({"record_rows": edit(MODULE, digest="")}, f"{MODULE} has no sha256 hash"),
    "md5-hash": (
        {"record_rows": edit(MODULE, digest="md5=" + "a" * 22)},
        f"{MODULE} has no sha256 hash",
    ),
    "sha512-hash": (
        {
            "record_rows": edit(
                MODULE,
                digest="sha512="
                + base64.urlsafe_b64encode(hashlib.sha512(MODULE_BYTES).digest())
                .rstrip(b"=")
                .decode(),
            )
        },
        f"{MODULE} has no sha256 hash",
    ),
    "hex-hash": (
        {"record_rows": edit(MODULE, digest="sha256=" + hashlib.sha256(MODULE_BYTES).hexdigest())},
        f"the sha256 hash of {MODULE} differs",
    ),
    "no-size": ({"record_rows": edit(MODULE, size="")}, f"{MODULE} has no size"),
    "not-a-size": ({"record_rows": edit(MODULE, size="20 bytes")}, f"{MODULE} has no size"),
    "negative-size": ({"record_rows": edit(MODULE, size="-20")}, f"{MODULE} has no size"),
    "wrong-size": ({"record_rows": edit(MODULE, size="21")}, f"{MODULE} is 20 bytes, not 21"),
    "listed-twice": (
        {"record_rows": lambda rows: [*rows, rows[0]]},
        f"{MODULE} is listed twice",
    ),
    "absent-file": (
        {"record_rows": lambda rows: [["sample/gone.py", record_hash(b""), "0"], *rows]},
        "sample/gone.py is listed but not in the wheel",
    ),
    "other-spelling": (
        {"record_rows": lambda rows: [["./" + rows[0][0], *rows[0][1:]], *rows[1:]]},
        f"./{MODULE} is listed but not in the wheel",
    ),
    "two-columns": (
        {"record_rows": lambda rows: [rows[0][:2], *rows[1:]]},
        "line 1 of RECORD is not path,hash,size",
    ),
    "four-columns": (
        {"record_rows": lambda rows: [*rows[:2], [*rows[2], "x"], *rows[3:]]},
        "line 3 of RECORD is not path,hash,size",
    ),
}


@pytest.mark.parametrize(("kwargs", "why"), REFUSALS.values(), ids=REFUSALS.keys())
def test_record_mismatch_refused(tmp_path, kwargs, why):
    assert refusal(verify(tmp_path, make_wheel(**kwargs))) == mismatch(why)


def test_the_first_mismatch_in_archive_order_is_named(tmp_path):
    """RECORD's own problems first (its rows in order), then members in archive order."""
    both = edit(MODULE, size="1")
    metadata = "sample-1.0.dist-info/METADATA"

    def broken(rows):
        return edit(metadata, size="2")(both(rows))

    assert refusal(verify(tmp_path, make_wheel(record_rows=broken))) == mismatch(
        f"{MODULE} is 20 bytes, not 1"
    )

    def absent_last(rows):
        return [*broken(rows), ["sample/gone.py", "", ""]]

    assert refusal(verify(tmp_path, make_wheel(record_rows=absent_last))) == mismatch(
        "sample/gone.py is listed but not in the wheel"
    )


@pytest.mark.parametrize(
    "record",
    [
        b"sample/__init__.py,sha256=\xff,20\n",
        b'"sample/__init__.py,sha256=x,20\n',
        b"sample/" + b"x" * (300 * 1024) + b".py,,\n",
    ],
    ids=["not-utf8", "open-quote", "line-too-long"],
)
def test_unreadable_record_refused(tmp_path, record):
    assert refusal(verify(tmp_path, make_wheel(record=record))) == (
        400,
        "Invalid distribution file. sample-1.0.dist-info/RECORD could not be read",
    )


def test_member_that_inflates_past_its_declared_size_refused(tmp_path):
    liar = Repeated(b"\0" * MIB, 16, declared=1000)
    built = make_wheel(
        repeated={"sample/blob.bin": liar}, record_rows=edit("sample/blob.bin", size="1000")
    )

    assert refusal(verify(tmp_path, built)) == (
        400,
        "Invalid distribution file. sample/blob.bin could not be read",
    )


def test_large_wheel_verified_in_small_memory(tmp_path):
    """Members are hashed in pieces and RECORD is parsed line by line."""
    blob = os.urandom(MIB) * 64
    files = {f"sample/data/{n}.bin": b"%d" % n for n in range(20_000)}
    built = make_wheel(extra_files={"sample/blob.bin": blob, **files})
    path = write(tmp_path, *built)
    del blob, files, built

    tracemalloc.start()
    try:
        verify_record(path, WHEEL_NAME)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # zipfile's central directory of 20,000 entries, and one RECORD row per member.
    assert peak < 24 * MIB
