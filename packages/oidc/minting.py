"""Minting a trusted publisher's upload token: a macaroon like any API token (``pypi-…``),
without a user, limited to the publisher's projects and to 15 minutes.

The token's row (``accounts.ApiToken``) keeps which publishers it was minted for
(``additional["publisher_ids"]``) and the CI run's claims the history shows; the upload checks
that one of them still publishes the project (``packages.permissions.upload_denial``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import caveats as cav
from accounts import tokens
from accounts.models import ApiToken

from ..models import Project, ProjectEventTag, TrustedPublisher
from ..services import events
from ..services.events import Actor
from .publishers import event_details, publisher_url, publishers_for, recorded_label

LIFETIME = timedelta(minutes=15)

# The claims kept with the token and shown in the project's history: where the run came from.
KEPT_CLAIMS = ("ref", "sha", "run_id", "run_attempt", "environment", "job_workflow_ref", "sub")


@transaction.atomic
def mint(publisher: TrustedPublisher, claims: dict[str, Any], *, actor: Actor) -> tuple[str, int]:
    """A new upload token for ``publisher`` (and every publisher that accepts ``claims``, on
    whatever project), and when it expires (a Unix time). Records the project event
    ``account:short_lived_api_token:added`` on each project."""
    rows = publishers_for(publisher, claims) or [publisher]
    publisher_ids = sorted({publisher.pk, *(row.pk for row in rows)})
    projects = sorted({row.project for row in rows}, key=lambda p: p.normalized_name)
    now = timezone.now()
    expires = now + LIFETIME
    kept = {name: str(claims[name]) for name in KEPT_CLAIMS if claims.get(name) not in (None, "")}
    row = ApiToken.objects.create(
        user=None,
        description=f"OpenID token: {recorded_label(publisher)} ({now.isoformat()})"[:100],
        caveats=[
            cav.serialize(
                cav.Expiration(expires_at=int(expires.timestamp()), not_before=int(now.timestamp()))
            ),
            cav.serialize(cav.ProjectID(tuple(str(p.pk) for p in projects))),
        ],
        expires=expires,
        additional={"oidc": kept, "publisher_ids": publisher_ids},
        key_salt=tokens.new_salt(),
    )
    for project in projects:
        _record(project, publisher, claims, actor, expires)
    return tokens.mint(row), int(expires.timestamp())


def _record(
    project: Project, publisher: TrustedPublisher, claims: dict[str, Any], actor: Actor, expires
) -> None:
    events.record(
        project,
        ProjectEventTag.OIDC_TOKEN_ADD,
        actor,
        expires=int(expires.timestamp()),
        **{**event_details(publisher), "url": publisher_url(publisher, claims)},
    )
