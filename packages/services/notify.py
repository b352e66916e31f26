"""Mail about a project to the people on it.

Each notice is one template set under ``templates/email/<notice>/`` (see ``accounts.mail``),
queued for when the transaction commits and recorded in each recipient's security history.
Every notice gets ``project_name`` and ``submitter`` (who acted; empty for nobody in
particular) besides its own context.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts import mail
from accounts.models import User

from ..models import Project, Role, RoleName
from .events import Actor


def collaborators(project: Project) -> list[User]:
    """Everyone with a role on ``project``, owners first."""
    roles = Role.objects.filter(project=project).select_related("user")
    ordered = sorted(roles, key=lambda r: (r.role_name != RoleName.OWNER, r.user.username))
    return [r.user for r in ordered]


def owners(project: Project) -> list[User]:
    roles = Role.objects.filter(project=project, role_name=RoleName.OWNER).select_related("user")
    return [r.user for r in roles.order_by("user__username")]


def send(
    users: Iterable[User],
    notice: str,
    project_name: str,
    actor: Actor,
    *,
    allow_unverified: bool = False,
    **context: Any,
) -> None:
    """Mail ``notice`` to each of ``users`` once (in order, duplicates skipped)."""
    seen: set[int] = set()
    full = {"project_name": project_name, "submitter": actor.username or "", **context}
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        mail.send_notice(user, notice, full, allow_unverified=allow_unverified)


def others(users: Iterable[User], *excluded: User | None) -> list[User]:
    """``users`` without ``excluded`` (those told by a notice of their own)."""
    skip = {u.pk for u in excluded if u is not None}
    return [u for u in users if u.pk not in skip]
