"""Telling a project's Owners that a user's API token uploaded to a project that has trusted
publishers (the public index's ``api-token-used-in-trusted-publisher-project``): a stored
secret still publishes a project that CI could publish without one, so the token is probably
one to remove.

Each token mails about each project once: the token's row remembers the projects it mailed
about (``ApiToken.additional["trusted_publishing_mailed"]``, project ids). The row is locked
while it is read and written, so two uploads with the same token at once mail once; the mail
and the record are part of the upload's transaction, so a refused upload mails nobody.
"""

from __future__ import annotations

from accounts.identity import Identity
from accounts.models import ApiToken

from ..models import Project, TrustedPublisher
from ..oidc.publishers import publisher_label
from ..services import notify
from ..services.events import Actor

NOTICE = "api-token-used-in-trusted-publisher-project"
MAILED = "trusted_publishing_mailed"


def mail_owners_once(identity: Identity, project: Project) -> bool:
    """Mail ``project``'s Owners if ``identity`` is a user's API token, the project has trusted
    publishers and this token never mailed about this project before; True if it did."""
    if identity.user is None or project.pk in identity.token.row.additional.get(MAILED, []):
        return False
    publishers = list(TrustedPublisher.objects.filter(project=project))
    if not publishers:
        return False
    row = ApiToken.objects.select_for_update().filter(pk=identity.token.row.pk).first()
    if row is None:
        return False
    mailed = list(row.additional.get(MAILED, []))
    if project.pk in mailed:  # another upload with this token mailed meanwhile
        return False
    row.additional = {**row.additional, MAILED: [*mailed, project.pk]}
    row.save(update_fields=["additional"])
    notify.send(
        notify.owners(project),
        NOTICE,
        project.name,
        Actor(user=identity.user),
        token_name=row.description,
        publishers=[publisher_label(publisher) for publisher in publishers],
    )
    return True
