"""PEP 740 attestations sent with an upload: checked, verified offline, made into provenance.

A trusted publisher's upload may carry an ``attestations`` form field: a JSON list of one or two
attestation objects, at most one per predicate type (PyPI Publish v1, SLSA Provenance v1). Each
is a Sigstore signature over an in-toto statement naming one distribution (filename and
SHA-256), made with a short-lived certificate that Sigstore's CA issued to the CI job. The
upload calls :func:`verify_attestations`; on success it stores the PEP 740 provenance object
it returns and serves it (``packages/provenance.py``).

Verification is the ``pypi-attestations`` library's, with ``offline=True``: the certificate
chain, its signed certificate timestamp, the transparency-log entry's inclusion proof and
signed checkpoint and the signature are all checked against Sigstore's trust root *on disk*,
so no network is needed. The certificate must name the publisher's CI identity (GitHub:
repository and workflow file; GitLab: project path and CI file; Google: service account);
the statement must name this file and its digest.

Every refusal raises :class:`AttestationError`, whose text the upload sends as
"Invalid attestations supplied during upload: <text>". docs/trusted-publishing.md
("Attestations") says what is verified and what an operator keeps up to date.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Protocol, cast

import pypi_attestations
from django.utils.translation import gettext
from pydantic import TypeAdapter, ValidationError
from pypi_attestations import Attestation, AttestationType, Distribution

logger = logging.getLogger(__name__)

SUPPORTED_PREDICATE_TYPES = frozenset(t.value for t in AttestationType)
"""PyPI Publish v1 and SLSA Provenance v1: at most one attestation of each per file."""

MAX_ATTESTATIONS = len(SUPPORTED_PREDICATE_TYPES)

_PROVIDER_NAMES = {
    "github": "GitHub",
    "gitlab": "GitLab",
    "google": "Google",
    "activestate": "ActiveState",
}
_ATTESTATION_LIST = TypeAdapter(list[Attestation])
_BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18"  # the OID of Fulcio's "Build Config URI"
_EXTENSION_REPR = re.compile(r"\(<Extension\(.*?\)>\)(?= does not match)")


class AttestationError(ValueError):
    """Attestations refused: the message says why, in words for the uploader."""


class Publisher(Protocol):
    """What every trusted publisher has: its provider, ``github``, ``gitlab``, ``google`` or
    ``activestate`` (any case). The attributes each provider adds are below."""

    provider: str


class GitHubPublisher(Publisher, Protocol):
    repository_owner: str
    repository_name: str
    workflow_filename: str
    environment: str


class GitLabPublisher(Publisher, Protocol):
    namespace: str
    gitlab_project: str
    workflow_filepath: str
    environment: str


class GooglePublisher(Publisher, Protocol):
    email: str


def attestation_identity(publisher: Publisher | None) -> pypi_attestations.Publisher:
    """The identity the attestations of ``publisher``'s uploads must be signed by: the one
    that goes into the provenance's attestation bundle.

    Raises :class:`AttestationError` for an upload without a trusted publisher and for a
    provider whose signing identities Sigstore does not certify (ActiveState).
    """
    if publisher is None:
        raise AttestationError(
            gettext("Attestations are only supported when using Trusted Publishing")
        )
    provider = str(publisher.provider).lower()
    if provider == "github":
        github = cast(GitHubPublisher, publisher)
        return pypi_attestations.GitHubPublisher(
            repository=f"{github.repository_owner}/{github.repository_name}",
            workflow=github.workflow_filename,
            environment=github.environment or None,
        )
    if provider == "gitlab":
        gitlab = cast(GitLabPublisher, publisher)
        return pypi_attestations.GitLabPublisher(
            repository=f"{gitlab.namespace}/{gitlab.gitlab_project}",
            workflow_filepath=gitlab.workflow_filepath,
            environment=gitlab.environment or None,
        )
    if provider == "google":
        return pypi_attestations.GooglePublisher(email=cast(GooglePublisher, publisher).email)
    name = _PROVIDER_NAMES.get(provider, str(publisher.provider))
    raise AttestationError(
        gettext("Attestations are not currently supported with {name} publishers").format(name=name)
    )


def verify_attestations(
    raw: str, *, publisher: Publisher | None, filename: str, sha256: str
) -> dict[str, Any]:
    """Check and verify the ``attestations`` upload field for the file ``filename`` whose
    SHA-256 digest is ``sha256`` (lowercase hex), uploaded by ``publisher``.

    Returns the file's PEP 740 provenance object (JSON-ready), to be stored and served as is.
    Raises :class:`AttestationError` naming the first problem found. Never uses the network.
    """
    identity = attestation_identity(publisher)
    attestations = parse_attestations(raw)
    try:
        distribution = Distribution(name=filename, digest=sha256)
    except ValidationError as exc:
        raise AttestationError(
            gettext("Attestations cannot name the file '{filename}'").format(filename=filename)
        ) from exc
    seen: set[str] = set()
    for attestation in attestations:
        predicate_type = _verify_one(attestation, identity, distribution)
        if predicate_type not in SUPPORTED_PREDICATE_TYPES:
            raise AttestationError(
                gettext("Attestation with unsupported predicate type: {type}").format(
                    type=predicate_type
                )
            )
        if predicate_type in seen:
            raise AttestationError(
                gettext(
                    "Multiple attestations for the same file with the same predicate type "
                    "({type}) are not supported"
                ).format(type=predicate_type)
            )
        seen.add(predicate_type)
    return _provenance(identity, attestations)


def parse_attestations(raw: str) -> list[Attestation]:
    """The well-formed attestation objects of ``raw`` (nothing verified yet): a JSON list of
    one or two of them, or :class:`AttestationError`."""
    try:
        attestations = _ATTESTATION_LIST.validate_json(raw)
    except ValidationError as exc:
        raise AttestationError(_malformed(exc)) from exc
    if not attestations:
        raise AttestationError(
            gettext("Malformed attestations: an empty attestation set is not permitted")
        )
    if len(attestations) > MAX_ATTESTATIONS:
        raise AttestationError(
            gettext("A maximum of {count} attestations per file are supported").format(
                count=MAX_ATTESTATIONS
            )
        )
    return attestations


def provenance_document(
    publisher: Publisher, attestations: Sequence[Attestation]
) -> dict[str, Any]:
    """The PEP 740 provenance object for ``attestations`` made by ``publisher``:
    ``{"version": 1, "attestation_bundles": [{"publisher": {...}, "attestations": [...]}]}``."""
    return _provenance(attestation_identity(publisher), attestations)


def _provenance(
    identity: pypi_attestations.Publisher, attestations: Sequence[Attestation]
) -> dict[str, Any]:
    bundle = pypi_attestations.AttestationBundle(
        publisher=identity, attestations=list(attestations)
    )
    provenance = pypi_attestations.Provenance(attestation_bundles=[bundle])
    return provenance.model_dump(mode="json")


def _verify_one(
    attestation: Attestation,
    identity: pypi_attestations.Publisher,
    distribution: Distribution,
) -> str:
    """The predicate type of ``attestation`` once verified, offline, against ``identity``
    and ``distribution``."""
    try:
        predicate_type, _predicate = attestation.verify(identity, distribution, offline=True)
    except pypi_attestations.VerificationError as exc:
        raise AttestationError(
            gettext(
                "Could not verify the uploaded artifact using the included attestation: {error}"
            ).format(error=_readable(str(exc), attestation))
        ) from exc
    except Exception as exc:
        # A certificate or log entry that does not even parse, or a trust root that cannot
        # be read: the uploader sees the reason, the operator the trace.
        logger.warning("Attestation could not be verified", exc_info=True)
        raise AttestationError(
            gettext("Unknown error while trying to verify included attestations: {error}").format(
                error=exc
            )
        ) from exc
    return predicate_type


def _readable(error: str, attestation: Attestation) -> str:
    """The library's refusal, with the certificate extension it quotes as a Python object
    (for a workflow that does not match) written as the URI the extension holds."""
    uri = attestation.certificate_claims.get(_BUILD_CONFIG_URI)
    return _EXTENSION_REPR.sub(f"({uri})", error, count=1) if uri else error


def _malformed(exc: ValidationError) -> str:
    """pydantic's complaints, short: where and what, for the first three of them."""
    details = []
    for error in exc.errors(include_url=False)[:3]:
        where = ".".join(str(part) for part in error["loc"])
        details.append(f"{where}: {error['msg']}" if where else error["msg"])
    more = exc.error_count() - len(details)
    if more > 0:
        details.append(gettext("and {count} more").format(count=more))
    return gettext("Malformed attestations: {detail}").format(detail="; ".join(details))
