"""twine against ``/legacy/``: uploads, re-uploads and the messages of refused uploads."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.distributions import make_wheel, write

from .clients import (
    TWINE_6_1,
    build,
    explain,
    output,
    project_json,
    run,
    sha256,
    succeeded,
    twine_upload,
)
from .site import BIN, Site

pytestmark = pytest.mark.interop


def refused_with(
    site: Site, proc: subprocess.CompletedProcess[str], status: str, reason: str
) -> bool:
    """Whether twine failed and printed ``reason`` as the reason phrase of a ``status`` answer.

    twine prints ``HTTPError: <status> from <url>`` and then the response's reason phrase.
    """
    printed = f"HTTPError: {status} from {site.url}/legacy/ {reason}"
    return proc.returncode != 0 and printed in output(proc)


def test_twine_check_passes_on_the_built_distributions(tmp_path: Path) -> None:
    metadata = {
        "summary": "Checked by twine",
        "description_content_type": "text/markdown",
        "description": "# twine-checked\n\nA *tiny* package.\n",
    }
    dists = build(tmp_path, "twine-checked", "1.0", metadata=metadata)

    proc = succeeded(run([BIN / "twine", "check", "--strict", *dists]))

    assert output(proc).count("PASSED") == 2, explain(proc)


def test_upload_sdist_and_wheel(site: Site, token: str, tmp_path: Path) -> None:
    dists = build(tmp_path, "twine-roundtrip", "1.0")

    succeeded(twine_upload(site, token, dists))

    data = project_json(site, "twine-roundtrip")
    assert data["info"]["version"] == "1.0"
    listed = {f["filename"]: f["digests"]["sha256"] for f in data["releases"]["1.0"]}
    assert listed == {path.name: sha256(path) for path in dists}
    assert {f["packagetype"] for f in data["urls"]} == {"bdist_wheel", "sdist"}


def test_reupload_of_an_existing_filename(site: Site, token: str, tmp_path: Path) -> None:
    dists = build(tmp_path / "first", "twine-again", "1.0")
    succeeded(twine_upload(site, token, dists))

    # The same bytes again: accepted as a no-op, which is what lets a CI job re-run.
    succeeded(twine_upload(site, token, dists))

    filename, content = make_wheel("twine-again", "1.0", module_source=b"CHANGED = True\n")
    assert filename == dists[0].name
    changed = write(tmp_path, filename, content)
    refused = twine_upload(site, token, [changed])

    # twine prints the reason phrase after the status line.
    assert refused_with(site, refused, "400 Bad Request", "File already exists "), explain(refused)
    listed = {
        f["filename"]: f["digests"]["sha256"] for f in project_json(site, "twine-again")["urls"]
    }
    assert listed[filename] == sha256(dists[0]) != sha256(changed)


def test_project_scoped_token_is_refused_elsewhere_with_the_reason(
    site: Site, publisher: str, token: str, tmp_path: Path
) -> None:
    succeeded(twine_upload(site, token, build(tmp_path / "a1", "twine-scope-a", "1.0")))
    succeeded(twine_upload(site, token, build(tmp_path / "b1", "twine-scope-b", "1.0")))
    scoped = site.token(publisher, projects=["twine-scope-a"])

    succeeded(twine_upload(site, scoped, build(tmp_path / "a2", "twine-scope-a", "2.0")))
    refused = twine_upload(site, scoped, build(tmp_path / "b2", "twine-scope-b", "2.0"))

    assert refused_with(
        site,
        refused,
        "403 Forbidden",
        "Invalid API Token: project-scoped token is not valid for project: 'twine-scope-b'",
    ), explain(refused)
    assert set(project_json(site, "twine-scope-b")["releases"]) == {"1.0"}


def test_invalid_metadata_is_refused_with_the_reason(
    site: Site, token: str, tmp_path: Path
) -> None:
    dists = build(
        tmp_path, "twine-classified", "1.0", metadata={"classifiers": ["Fake :: Classifier"]}
    )

    refused = twine_upload(site, token, dists)

    assert refused_with(
        site,
        refused,
        "400 Bad Request",
        "'Fake :: Classifier' is not a valid classifier. See ",
    ), explain(refused)


def test_invalid_token_is_refused_with_the_reason(site: Site, tmp_path: Path) -> None:
    dists = build(tmp_path, "twine-unauthorised", "1.0")

    refused = twine_upload(site, "pypi-AgEIbm90LWEtdG9rZW4", dists)

    assert refused_with(
        site,
        refused,
        "403 Forbidden",
        "Invalid or non-existent authentication information. See ",
    ), explain(refused)


def test_skip_existing(site: Site, token: str, tmp_path: Path) -> None:
    """``--skip-existing`` (twine 6.1: later twines allow it only for the public index's hosts)
    re-runs a partly done upload: existing files are skipped, new ones uploaded."""
    assert TWINE_6_1.exists(), f"{TWINE_6_1} is missing: run make install-test"
    first = build(tmp_path / "v1", "twine-skip", "1.0")
    succeeded(twine_upload(site, token, first, twine=TWINE_6_1))

    filename, content = make_wheel("twine-skip", "1.0", module_source=b"CHANGED = True\n")
    changed = write(tmp_path, filename, content)
    second = build(tmp_path / "v2", "twine-skip", "2.0")
    again = succeeded(
        twine_upload(site, token, [*first, changed, *second], "--skip-existing", twine=TWINE_6_1)
    )
    # identical files answer 200 (a no-op); the changed one answers "File already exists"
    assert output(again).count("Skipping") == 1, explain(again)
    data = project_json(site, "twine-skip")
    assert sorted(data["releases"]) == ["1.0", "2.0"]
    assert len(data["releases"]["2.0"]) == 2
    listed = {f["filename"]: f["digests"]["sha256"] for f in data["releases"]["1.0"]}
    assert listed[filename] == sha256(first[0])

    without = twine_upload(site, token, [changed], twine=TWINE_6_1)
    assert without.returncode != 0, "without --skip-existing the changed file is an error"
