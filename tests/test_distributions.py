import csv
import gzip
import io
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser

import pytest
from packaging.tags import parse_tag
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from tests.distributions import (
    make_sdist,
    make_wheel,
    metadata_text,
    record_hash,
    write,
)


def zip_members(content):
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def tar_members(content):
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as tar:
        return {m.name: (tar.extractfile(m).read() if m.isfile() else None) for m in tar}


def test_metadata_text_repeats_list_fields_and_puts_the_description_in_the_body():
    text = metadata_text(
        "My-Pkg",
        "1.0",
        summary="A package",
        requires_dist=["requests>=2", "click"],
        classifiers=["Programming Language :: Python :: 3"],
        author_email="me@example.com",
        description="# Title\n\nBody.\n",
    )
    message = Parser().parsestr(text)

    assert message["Metadata-Version"] == "2.1"
    assert message["Name"] == "My-Pkg"
    assert message["Version"] == "1.0"
    assert message["Summary"] == "A package"
    assert message.get_all("Requires-Dist") == ["requests>=2", "click"]
    assert message.get_all("Classifier") == ["Programming Language :: Python :: 3"]
    assert message["Author-email"] == "me@example.com"
    assert message.get_payload() == "# Title\n\nBody.\n"


@pytest.mark.parametrize(
    ("fields", "version"),
    [
        ({}, "2.1"),
        ({"license_expression": "MIT"}, "2.4"),
        ({"license_files": ["LICENSE"]}, "2.4"),
        ({"metadata_version": "2.2"}, "2.2"),
    ],
    ids=["default", "license-expression", "license-files", "explicit"],
)
def test_metadata_version(fields, version):
    assert Parser().parsestr(metadata_text("x", "1", **fields))["Metadata-Version"] == version


@pytest.mark.parametrize(
    ("args", "kwargs", "filename"),
    [
        ((), {}, "sample-1.0-py3-none-any.whl"),
        (("My.Pkg", "2.0rc1"), {}, "my_pkg-2.0rc1-py3-none-any.whl"),
        (("pkg", "1"), {"tag": "py2.py3-none-any"}, "pkg-1-py2.py3-none-any.whl"),
        (
            ("pkg", "1"),
            {"tag": "cp311-cp311-manylinux_2_17_x86_64"},
            "pkg-1-cp311-cp311-manylinux_2_17_x86_64.whl",
        ),
    ],
    ids=["default", "normalized", "multi-tag", "binary"],
)
def test_wheel_filename_is_parsable(args, kwargs, filename):
    built_filename, _ = make_wheel(*args, **kwargs)

    name, version, _, tags = parse_wheel_filename(built_filename)

    assert built_filename == filename
    assert name == canonicalize_name(args[0] if args else "sample")
    assert version == Version(args[1] if args else "1.0")
    assert {str(tag) for tag in tags} == {
        str(t) for t in parse_tag(kwargs.get("tag", "py3-none-any"))
    }


def test_wheel_contents_and_record():
    _, content = make_wheel(
        "My.Pkg",
        "2.0",
        entry_points="[console_scripts]\nmy-pkg = my_pkg:main\n",
        license_files={"LICENSE": b"MIT"},
        extra_files={"my_pkg/data.txt": b"data"},
    )
    members = zip_members(content)

    assert set(members) == {
        "my_pkg/__init__.py",
        "my_pkg/data.txt",
        "my_pkg-2.0.dist-info/METADATA",
        "my_pkg-2.0.dist-info/WHEEL",
        "my_pkg-2.0.dist-info/entry_points.txt",
        "my_pkg-2.0.dist-info/licenses/LICENSE",
        "my_pkg-2.0.dist-info/RECORD",
    }
    rows = list(csv.reader(io.StringIO(members["my_pkg-2.0.dist-info/RECORD"].decode())))
    assert rows[-1] == ["my_pkg-2.0.dist-info/RECORD", "", ""]
    assert {row[0] for row in rows} == set(members)
    for path, digest, size in rows[:-1]:
        assert digest == record_hash(members[path])
        assert int(size) == len(members[path])
    metadata = Parser().parsestr(members["my_pkg-2.0.dist-info/METADATA"].decode())
    assert metadata.get_all("License-File") == ["LICENSE"]


def test_record_hash_is_urlsafe_base64_without_padding():
    assert record_hash(b"") == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


def test_wheel_file_lists_every_tag():
    _, content = make_wheel(tag="py2.py3-none-any")
    wheel = Parser().parsestr(zip_members(content)["sample-1.0.dist-info/WHEEL"].decode())

    assert wheel.get_all("Tag") == ["py2-none-any", "py3-none-any"]
    assert wheel["Root-Is-Purelib"] == "true"


@pytest.mark.parametrize("member", ["METADATA", "WHEEL", "RECORD"])
def test_wheel_omit(member):
    members = zip_members(make_wheel(omit=[member])[1])

    assert f"sample-1.0.dist-info/{member}" not in members
    assert "sample-1.0.dist-info/METADATA" in members or member == "METADATA"


def test_wheel_filename_override_keeps_contents():
    filename, content = make_wheel(filename="other-9.0-py3-none-any.whl")

    assert filename == "other-9.0-py3-none-any.whl"
    assert "sample-1.0.dist-info/METADATA" in zip_members(content)


def test_builds_are_deterministic():
    assert make_wheel() == make_wheel()
    assert make_sdist() == make_sdist()
    assert make_sdist(fmt="zip") == make_sdist(fmt="zip")


@pytest.mark.parametrize(
    ("args", "filename"),
    [((), "sample-1.0.tar.gz"), (("My.Pkg", "2.0.post1"), "my_pkg-2.0.post1.tar.gz")],
    ids=["default", "normalized"],
)
def test_sdist_filename_is_pep625(args, filename):
    built_filename, _ = make_sdist(*args)

    assert built_filename == filename
    assert parse_sdist_filename(built_filename)[1] == Version(args[1] if args else "1.0")


def test_sdist_contents():
    _, content = make_sdist(
        "My.Pkg", "2.0", metadata={"summary": "S"}, license_files={"LICENSE": b"MIT"}
    )
    members = tar_members(content)

    assert set(members) == {
        "my_pkg-2.0",
        "my_pkg-2.0/PKG-INFO",
        "my_pkg-2.0/pyproject.toml",
        "my_pkg-2.0/my_pkg",
        "my_pkg-2.0/my_pkg/__init__.py",
        "my_pkg-2.0/LICENSE",
    }
    pkg_info = Parser().parsestr(members["my_pkg-2.0/PKG-INFO"].decode())
    assert (pkg_info["Name"], pkg_info["Version"], pkg_info["Summary"]) == ("My.Pkg", "2.0", "S")
    assert 'name = "My.Pkg"' in members["my_pkg-2.0/pyproject.toml"].decode()


def test_sdist_layout_options():
    assert set(tar_members(make_sdist(top_level="")[1])) == {
        "PKG-INFO",
        "pyproject.toml",
        "sample",
        "sample/__init__.py",
    }
    assert "sample-1.0/PKG-INFO" not in tar_members(make_sdist(omit_pkg_info=True)[1])
    assert "other/x" in tar_members(make_sdist(extra_files={"other/x": b""})[1])
    assert "sample-1.0/PKG-INFO" in zip_members(make_sdist(fmt="zip")[1])


def test_sdist_is_gzip_with_fixed_timestamps():
    _, content = make_sdist()

    assert content[:2] == b"\x1f\x8b"
    assert gzip.GzipFile(fileobj=io.BytesIO(content)).read()  # a single valid gzip stream
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as tar:
        assert {member.mtime for member in tar} == {1580601600}


def test_write(tmp_path):
    path = write(tmp_path, "a.whl", b"content")

    assert path == tmp_path / "a.whl"
    assert path.read_bytes() == b"content"


def test_wheel_installs_with_pip_and_imports(tmp_path):
    wheel = write(
        tmp_path,
        *make_wheel(
            "My.Pkg",
            "2.0",
            module_source=b"def answer():\n    return 42\n",
            entry_points="[console_scripts]\nmy-pkg = my_pkg:answer\n",
        ),
    )
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--isolated", "--no-index", "--no-deps"]
    subprocess.run(
        [*pip, "--disable-pip-version-check", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )

    result = subprocess.run(
        [sys.executable, "-c", "import my_pkg; print(my_pkg.answer())"],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target)},
    )
    assert result.stdout == "42\n"
    assert (target / "my_pkg-2.0.dist-info" / "RECORD").exists()
    assert (target / "bin" / "my-pkg").exists()
