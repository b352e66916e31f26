"""PEP 740 attestations: real attestations, published from CI and kept in
tests/data/attestations/ (its README says where each came from), verified offline.

Every test here runs with the network cut off (``_offline``) and with an empty Sigstore cache,
so what verifies is the trust root shipped inside the installed sigstore library.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pypi_attestations
import pytest
from sigstore.errors import TUFError

from packages.attestations import (
    AttestationError,
    attestation_identity,
    parse_attestations,
    provenance_document,
    verify_attestations,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "attestations"

# Published to the public index from GitHub Actions: trailofbits/pypi-attestations, release.yml.
SDIST = "pypi_attestations-0.0.19.tar.gz"
SDIST_SHA256 = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"
# The two predicate types PEP 740 attestations carry (their URIs, as the library names them).
PUBLISH_V1 = pypi_attestations.AttestationType.PYPI_PUBLISH_V1.value
SLSA_V1 = pypi_attestations.AttestationType.SLSA_PROVENANCE_V1.value


@dataclass
class Publisher:
    """A trusted publisher as packages.attestations reads one (the models have the same
    attributes)."""

    provider: str
    repository_owner: str = ""
    repository_name: str = ""
    workflow_filename: str = ""
    namespace: str = ""
    gitlab_project: str = ""
    workflow_filepath: str = ""
    environment: str = ""
    email: str = ""


GITHUB = Publisher(
    "github",
    repository_owner="trailofbits",
    repository_name="pypi-attestations",
    workflow_filename="release.yml",
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No network: every connection and name lookup fails. Sigstore's cache starts empty, so
    it is seeded from the trust root embedded in the library, never from an earlier run."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def _json(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def _publish() -> dict[str, Any]:
    """The PyPI Publish attestation the index served in the sdist's provenance."""
    provenance = _json(f"{SDIST}.provenance.json")
    return provenance["attestation_bundles"][0]["attestations"][0]


def _slsa() -> dict[str, Any]:
    """The SLSA Provenance attestation the same workflow run made for the sdist."""
    return _json(f"{SDIST}.slsa.attestation.json")


def _verify(items: object, publisher: Any = GITHUB, **kwargs: str) -> dict[str, Any]:
    raw = items if isinstance(items, str) else json.dumps(items)
    target = {"filename": SDIST, "sha256": SDIST_SHA256, **kwargs}
    return verify_attestations(raw, publisher=publisher, **target)


def _refusal(items: object, publisher: Any = GITHUB, **kwargs: str) -> str:
    with pytest.raises(AttestationError) as refused:
        _verify(items, publisher, **kwargs)
    return str(refused.value)


def test_the_network_is_cut_off() -> None:
    with pytest.raises(OSError, match="offline test"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    with socket.socket() as sock, pytest.raises(OSError, match="offline test"):
        sock.connect(("192.0.2.1", 443))


def test_verifying_online_would_have_needed_the_network() -> None:
    """What ``offline=True`` spares: refreshing the trust root from Sigstore's TUF
    repository, which the cut-off network refuses here."""
    (attestation,) = parse_attestations(json.dumps([_publish()]))
    distribution = pypi_attestations.Distribution(name=SDIST, digest=SDIST_SHA256)

    with pytest.raises(TUFError, match="Failed to refresh TUF metadata"):
        attestation.verify(attestation_identity(GITHUB), distribution, offline=False)


def test_the_data_is_the_published_file() -> None:
    assert hashlib.sha256((DATA / SDIST).read_bytes()).hexdigest() == SDIST_SHA256


# --- What verifies ---------------------------------------------------------------------------


def test_the_published_attestation_verifies_and_gives_the_provenance_the_index_served() -> None:
    provenance = _verify([_publish()])

    assert provenance == _json(f"{SDIST}.provenance.json")
    assert provenance["attestation_bundles"][0]["publisher"] == {
        "kind": "GitHub",
        "repository": "trailofbits/pypi-attestations",
        "workflow": "release.yml",
        "environment": None,
    }


def test_one_attestation_of_each_predicate_type_verifies() -> None:
    provenance = _verify([_publish(), _slsa()])

    (bundle,) = provenance["attestation_bundles"]
    assert bundle["attestations"] == [_publish(), _slsa()]
    types = [parse_attestations(json.dumps([a]))[0].statement for a in bundle["attestations"]]
    assert [t["predicateType"] for t in types] == [PUBLISH_V1, SLSA_V1]


def test_the_provider_is_read_in_any_case() -> None:
    assert _verify([_publish()], replace(GITHUB, provider="GitHub"))["version"] == 1


def test_a_gitlab_attestation_verifies_against_its_project_and_ci_file() -> None:
    publisher = Publisher(
        "gitlab",
        namespace="facutuesca",
        gitlab_project="gitlab-oidc-project",
        workflow_filepath=".gitlab-ci.yml",
    )
    filename = "gitlab_oidc_project-0.0.3.tar.gz"
    sha256 = hashlib.sha256((DATA / filename).read_bytes()).hexdigest()
    attestation = _json(f"{filename}.publish.attestation.json")

    provenance = _verify([attestation], publisher, filename=filename, sha256=sha256)

    assert provenance["attestation_bundles"][0]["publisher"] == {
        "kind": "GitLab",
        "repository": "facutuesca/gitlab-oidc-project",
        "workflow_filepath": ".gitlab-ci.yml",
        "environment": None,
    }
    other_file = replace(publisher, workflow_filepath="release.yml")
    message = _refusal([attestation], other_file, filename=filename, sha256=sha256)
    assert "does not match expected Trusted Publisher" in message


def test_a_google_attestation_verifies_against_its_service_account() -> None:
    filename = "gcb_attestation_test-0.0.0.tar.gz"
    sha256 = hashlib.sha256((DATA / filename).read_bytes()).hexdigest()
    served = _json(f"{filename}.provenance.json")
    email = served["attestation_bundles"][0]["publisher"]["email"]
    attestations = served["attestation_bundles"][0]["attestations"]

    provenance = _verify(
        attestations, Publisher("google", email=email), filename=filename, sha256=sha256
    )

    assert provenance["attestation_bundles"][0]["publisher"] == {"kind": "Google", "email": email}
    someone_else = Publisher("google", email="someone@example.iam.gserviceaccount.com")
    assert "Could not verify" in _refusal(
        attestations, someone_else, filename=filename, sha256=sha256
    )


# --- Refused: not the publisher --------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"repository_owner": "pypa"}, "pypa/pypi-attestations"),
        ({"repository_name": "sigstore-python"}, "trailofbits/sigstore-python"),
        (
            {"workflow_filename": "publish.yml"},
            "Certificate's Build Config URI (https://github.com/trailofbits/pypi-attestations"
            "/.github/workflows/release.yml@refs/tags/v0.0.19) does not match expected Trusted "
            "Publisher (publish.yml @ trailofbits/pypi-attestations)",
        ),
    ],
    ids=["another owner", "another repository", "another workflow"],
)
def test_refused_when_signed_by_another_identity(change: dict[str, str], expected: str) -> None:
    publisher = replace(GITHUB, **change)

    message = _refusal([_publish()], publisher)

    assert message.startswith(
        "Could not verify the uploaded artifact using the included attestation: "
        "Verification failed: "
    )
    assert expected in message


def test_the_environment_is_not_in_the_signature() -> None:
    """Sigstore's certificate names the repository and workflow but not the GitHub
    environment: the environment is checked when the upload token is minted (the OIDC token
    carries it), and the provenance records the publisher's."""
    publisher = replace(GITHUB, environment="pypi")

    provenance = _verify([_publish()], publisher)

    assert provenance["attestation_bundles"][0]["publisher"]["environment"] == "pypi"


# --- Refused: not this file ------------------------------------------------------------------


def test_refused_for_another_digest() -> None:
    message = _refusal([_publish()], sha256=hashlib.sha256(b"another file").hexdigest())

    assert message.endswith("subject does not match distribution digest")


def test_refused_for_another_filename() -> None:
    message = _refusal([_publish()], filename="pypi_attestations-0.0.20.tar.gz")

    assert "subject does not match distribution name" in message


def test_refused_for_a_filename_that_is_no_distribution() -> None:
    assert _refusal([_publish()], filename="setup.py") == (
        "Attestations cannot name the file 'setup.py'"
    )


# --- Refused: tampered with ------------------------------------------------------------------


def _flip(b64: str, at: int = 10) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_refused_when_the_signature_is_altered() -> None:
    attestation = _publish()
    attestation["envelope"]["signature"] = _flip(attestation["envelope"]["signature"])

    message = _refusal([attestation])

    assert message.startswith("Could not verify the uploaded artifact")


def test_refused_when_the_statement_is_rewritten_for_another_file() -> None:
    """Someone re-points the signed statement at their own file: the signature no longer
    matches."""
    attestation = _publish()
    statement = json.loads(base64.b64decode(attestation["envelope"]["statement"]))
    evil = hashlib.sha256(b"evil").hexdigest()
    statement["subject"][0]["digest"]["sha256"] = evil
    attestation["envelope"]["statement"] = base64.b64encode(json.dumps(statement).encode()).decode()

    message = _refusal([attestation], sha256=evil)

    assert message.startswith("Could not verify the uploaded artifact")


def test_refused_when_the_certificate_is_garbage() -> None:
    attestation = _publish()
    attestation["verification_material"]["certificate"] = base64.b64encode(b"junk").decode()

    message = _refusal([attestation])

    assert message.startswith("Unknown error while trying to verify included attestations: ")


# --- Refused: not the right shape ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{not json", "Malformed attestations: Invalid JSON: "),
        (json.dumps({"version": 1}), "Malformed attestations: Input should be a valid array"),
        (json.dumps([{"version": 1}]), "Malformed attestations: 0.verification_material: Field"),
        (json.dumps([]), "Malformed attestations: an empty attestation set is not permitted"),
    ],
    ids=["malformed JSON", "not a list", "not an attestation", "empty list"],
)
def test_refused_when_malformed(raw: str, expected: str) -> None:
    assert _refusal(raw).startswith(expected)


def test_refused_with_more_than_two() -> None:
    message = _refusal([_publish(), _slsa(), _publish()])

    assert message == "A maximum of 2 attestations per file are supported"


def test_refused_with_two_of_one_predicate_type() -> None:
    message = _refusal([_publish(), _publish()])

    assert message == (
        "Multiple attestations for the same file with the same predicate type "
        f"({PUBLISH_V1}) are not supported"
    )


# --- Refused: no identity to verify against --------------------------------------------------


def test_refused_without_a_trusted_publisher() -> None:
    message = _refusal([_publish()], publisher=None)

    assert message == "Attestations are only supported when using Trusted Publishing"


def test_refused_for_a_provider_sigstore_does_not_certify() -> None:
    message = _refusal([_publish()], publisher=Publisher("activestate"))

    assert message == "Attestations are not currently supported with ActiveState publishers"


# --- The provenance document -----------------------------------------------------------------


def test_provenance_document_bundles_the_attestations_with_the_publisher() -> None:
    attestations = parse_attestations(json.dumps([_publish()]))

    document = provenance_document(GITHUB, attestations)

    assert document == _json(f"{SDIST}.provenance.json")
    assert attestation_identity(GITHUB).kind == "GitHub"
