"""Hostile wheels, uploaded through HTTP: bombs hidden in the members the upload reads,
metadata that tells installers something else than the form, paths that leave the install
root, and contents that do not match RECORD. Each is refused, in bounded memory, and leaves
nothing behind (the ``refused`` fixture compares every table and the storage before and after).
"""

from __future__ import annotations

import io
import json
import random
import tracemalloc
import zipfile

import pytest

from help.links import help_url
from tests import distributions, uploads
from tests.distributions import Repeated
from tests.packages.upload.conftest import assert_error, snapshot

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
GIB = 1024 * MIB
BOB = "bobpkg-3.5-py3-none-any.whl"


def bob_wheel(**kwargs) -> tuple[str, bytes]:
    return distributions.make_wheel("bobpkg", "3.5", **kwargs)


def bob_upload(content: bytes, **metadata) -> uploads.Upload:
    return uploads.for_file(BOB, content, name="bobpkg", version="3.5", metadata=metadata)


def refused_in_memory(client, token: str, upload: uploads.Upload, message: str) -> int:
    """Post ``upload``, assert it is refused with 400 ``message`` and changed nothing; return
    the most memory Python allocated while the request was handled, beyond its body.

    The body is encoded beforehand; the test client copies it once into its request stream,
    so that copy is subtracted. The request is sent once before it is measured, so that the
    modules the upload imports on first use are not counted.
    """
    body, content_type = upload.encode()
    auth = uploads.basic_auth("__token__", token)
    before = snapshot()
    peaks = []
    for _ in range(2):
        tracemalloc.start()
        try:
            response = client.generic(
                "POST", "/legacy/", body, content_type=content_type, HTTP_AUTHORIZATION=auth
            )
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert_error(response, 400, message)
        assert snapshot() == before
    return peaks[-1] - len(body)


# Bombs in the members the upload reads ------------------------------------------------------


@pytest.fixture(scope="module")
def metadata_bomb() -> bytes:
    """A 23 MiB wheel whose METADATA inflates to 1 GiB, listed in a correct RECORD.

    The incompressible payload keeps the whole archive under check 30's compression ratio of
    50, so the ratio check alone lets it through.
    """
    head = distributions.metadata_text("bobpkg", "3.5").encode() + b"\n"
    bomb = Repeated(b"a" * MIB, 1024, head=head)
    payload = random.Random(0).randbytes(22 * MIB)
    _, content = bob_wheel(
        repeated={"bobpkg-3.5.dist-info/METADATA": bomb},
        extra_files={"bobpkg/payload.bin": payload},
    )
    declared = bomb.size + len(payload)
    assert 20 * MIB < len(content) < 25 * MIB and GIB < declared < 50 * len(content)
    return content


def test_metadata_bomb_refused_without_being_inflated(client, publisher, token, metadata_bomb):
    """Checks 43a: before, this upload was accepted after inflating 1 GiB into memory
    (2.2 GB peak), and the 1 GiB ``.metadata`` file was stored and served."""
    message = (
        f"bobpkg-3.5.dist-info/METADATA in wheel '{BOB}' is larger than the limit of "
        f"{2 * MIB} bytes."
    )
    # The body is streamed to a temporary file in pieces; nothing is inflated.
    assert refused_in_memory(client, token, bob_upload(metadata_bomb), message) < 4 * MIB


def test_metadata_lying_about_its_size_refused_as_it_is_read(client, publisher, token):
    """Headers declaring 60 bytes for a METADATA that inflates to 1 GiB: the declared sizes
    pass every bound, so reading must stop where the declared size ends."""
    head = distributions.metadata_text("bobpkg", "3.5").encode()
    liar = Repeated(b"\n" * MIB, 1024, head=head, declared=len(head))
    _, content = bob_wheel(repeated={"bobpkg-3.5.dist-info/METADATA": liar})
    message = "Invalid distribution file. bobpkg-3.5.dist-info/METADATA could not be read"

    assert refused_in_memory(client, token, bob_upload(content), message) < 4 * MIB


def test_entry_points_bomb_refused_without_being_inflated(client, publisher, token):
    bomb = Repeated(b"#" * MIB, 64, head=b"[console_scripts]\n")
    payload = random.Random(0).randbytes(2 * MIB)
    _, content = bob_wheel(
        repeated={"bobpkg-3.5.dist-info/entry_points.txt": bomb},
        extra_files={"bobpkg/payload.bin": payload},
    )
    message = (
        f"bobpkg-3.5.dist-info/entry_points.txt in wheel '{BOB}' is larger than the limit of "
        f"{2 * MIB} bytes."
    )

    assert refused_in_memory(client, token, bob_upload(content), message) < 4 * MIB


# METADATA that says something else than the form ---------------------------------------------


def bob_with_metadata(name: str, version: str, **fields) -> bytes:
    text = distributions.metadata_text(name, version, **fields)
    _, content = bob_wheel(extra_files={"bobpkg-3.5.dist-info/METADATA": text.encode()})
    return content


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            bob_with_metadata("evilpkg", "6.6.6"),
            f"Name in the METADATA file of wheel '{BOB}' should be 'bobpkg' not 'evilpkg'.",
        ),
        (
            bob_with_metadata("bobpkg", "6.6.6"),
            f"Version in the METADATA file of wheel '{BOB}' should be '3.5' not '6.6.6'.",
        ),
        (
            bob_with_metadata("bobpkg", "3.5", requires_dist=["evil-helper>=1"]),
            f"The METADATA file of wheel '{BOB}' declares Requires-Dist 'evil-helper>=1', "
            "which the upload's metadata does not.",
        ),
        (
            bob_with_metadata("bobpkg", "3.5", requires_python="<3"),
            f"The METADATA file of wheel '{BOB}' declares Requires-Python '<3', which the "
            "upload's metadata does not.",
        ),
    ],
    ids=["other-project", "other-version", "hidden-dependency", "hidden-requires-python"],
)
def test_metadata_other_than_the_form_refused(refused, token, content, message):
    refused(bob_upload(content), token, 400, message)


def test_accepted_wheel_tells_installers_what_the_apis_say(client, publisher, token):
    fields = {"requires_dist": ["click>=8", "rich; extra == 'cli'"], "requires_python": ">=3.9"}
    _, content = bob_wheel(metadata=fields)
    response = bob_upload(content, **fields).post(client, token)
    assert response.status_code == 200, response.content

    info = json.loads(client.get("/pypi/bobpkg/json").content)["info"]
    (url,) = [u["url"] for u in json.loads(client.get("/pypi/bobpkg/json").content)["urls"]]
    served = b"".join(client.get(url.removeprefix("http://testserver") + ".metadata"))
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert served == zf.read("bobpkg-3.5.dist-info/METADATA")
    assert b"Requires-Dist: click>=8\nRequires-Dist: rich; extra == 'cli'\n" in served
    assert info["requires_dist"] == ["click>=8", 'rich; extra == "cli"']
    assert info["requires_python"] == ">=3.9"


# Paths that leave the install root ----------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "why"),
    [
        ("../../../.bashrc", "'..' component in path '../../../.bashrc'"),
        ("bobpkg-3.5.data/purelib/../../../evil.pth", "'..' component in path "),
        ("/usr/lib/python3/evil.pth", "Absolute path '/usr/lib/python3/evil.pth'"),
        ("C:/Windows/evil.dll", "Drive letter in path 'C:/Windows/evil.dll'"),
        ("bobpkg\\..\\..\\evil.pth", "Backslash in path "),
    ],
    ids=["parent", "data-scheme-parent", "absolute", "drive", "backslash"],
)
def test_member_outside_the_install_root_refused(refused, token, member, why):
    _, content = bob_wheel(extra_files={member: b"import os\n"})
    if why.endswith(" "):
        why += f"'{member}'"
    message = (
        f"Invalid distribution file. ZIP archive not accepted: {why}. "
        f"See {help_url('file-validity')} for more information"
    )
    refused(bob_upload(content), token, 400, message)


# Contents other than RECORD says ------------------------------------------------------------


def test_file_changed_after_the_wheel_was_built_refused(refused, token):
    def changed_module(rows: list[list[str]]) -> list[list[str]]:
        rows[0][1] = distributions.record_hash(b"the module RECORD was written for")
        return rows

    _, content = bob_wheel(record_rows=changed_module)
    message = (
        f"Wheel '{BOB}' does not match its RECORD file: the sha256 hash of bobpkg/__init__.py "
        "differs."
    )
    refused(bob_upload(content), token, 400, message)


def test_file_slipped_into_a_built_wheel_refused(refused, token):
    def unlisted(rows: list[list[str]]) -> list[list[str]]:
        return [row for row in rows if row[0] != "bobpkg-3.5.data/purelib/zz.pth"]

    _, content = bob_wheel(
        extra_files={"bobpkg-3.5.data/purelib/zz.pth": b"import os"}, record_rows=unlisted
    )
    message = (
        f"Wheel '{BOB}' does not match its RECORD file: bobpkg-3.5.data/purelib/zz.pth is "
        "not listed."
    )
    refused(bob_upload(content), token, 400, message)
