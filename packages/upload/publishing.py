"""What an upload records about trusted publishing (check 45 and after): which publisher
published the file, and its verified PEP 740 attestations as the file's provenance."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.identity import Identity

from ..attestations import AttestationError, verify_attestations
from ..models import File, Project, Provenance, TrustedPublisher
from ..oidc.publishers import publisher_url, repository_of
from . import token_mail
from .errors import bad_request


def publisher_of(identity: Identity, project: Project) -> TrustedPublisher | None:
    """The trusted publisher of ``project`` that ``identity``'s token was minted for."""
    if identity.user is not None:
        return None
    return TrustedPublisher.objects.filter(pk__in=identity.publisher_ids, project=project).first()


def record(file: File, identity: Identity, project: Project, attestations: str | None) -> None:
    """Mark ``file`` as published by its trusted publisher and store its provenance.

    Raises the upload's 400 when the attestations do not verify (check 45); the transaction
    then leaves nothing behind. A user's API token uploading to a project that has trusted
    publishers mails the Owners (once per token and project, ``token_mail``).
    """
    token_mail.mail_owners_once(identity, project)
    publisher = publisher_of(identity, project)
    if publisher is not None:
        file.published_by = {
            "provider": publisher.provider,
            "repository": repository_of(publisher),
            "url": publisher_url(publisher),
        }
        file.save(update_fields=["published_by"])
    if not attestations:
        return
    try:
        document = verify_attestations(
            attestations, publisher=publisher, filename=file.filename, sha256=file.sha256_digest
        )
    except AttestationError as refused:
        raise bad_request(
            _("Invalid attestations supplied during upload: {detail}").format(detail=refused)
        ) from None
    Provenance.objects.create(file=file, document=document)
