"""Who may do what on a project: adding, changing and removing roles.

The journal spells role changes as the public index does (``add Owner alice``,
``change Owner alice to Maintainer``, ``remove Maintainer bob``): mirrors and the XML-RPC
``package_roles`` read them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import Project, ProjectEventTag, Role, RoleName
from . import events, journal
from .events import Actor
from .refusals import Refused


@transaction.atomic
def add_role(project: Project, user: User, role_name: RoleName, *, actor: Actor) -> Role:
    if Role.objects.filter(project=project, user=user).exists():
        raise Refused(
            409,
            _("User '{user}' already has a role for project '{project}'.").format(
                user=user.username, project=project.name
            ),
        )
    role = Role.objects.create(project=project, user=user, role_name=role_name)
    events.record(
        project,
        ProjectEventTag.ROLE_ADD,
        actor,
        role_name=role_name.value,
        target_user=user.username,
    )
    journal.record(project, journal.Entry(f"add {role_name.value} {user.username}"), by=actor.user)
    return role


@transaction.atomic
def change_role(role: Role, role_name: RoleName, *, actor: Actor) -> None:
    # The instance may already carry the new name (an admin form applied it): ask the table.
    old = Role.objects.filter(pk=role.pk).values_list("role_name", flat=True).get()
    if old == role_name:
        return
    role.role_name = role_name
    role.save(update_fields=["role_name"])
    username = role.user.username
    events.record(
        role.project,
        ProjectEventTag.ROLE_CHANGE,
        actor,
        role_name=role_name.value,
        previous_role_name=old,
        target_user=username,
    )
    journal.record(
        role.project,
        journal.Entry(f"change {old} {username} to {role_name.value}"),
        by=actor.user,
    )


@transaction.atomic
def remove_role(role: Role, *, actor: Actor) -> None:
    username = role.user.username
    role.delete()
    events.record(
        role.project,
        ProjectEventTag.ROLE_REMOVE,
        actor,
        role_name=role.role_name,
        target_user=username,
    )
    journal.record(
        role.project, journal.Entry(f"remove {role.role_name} {username}"), by=actor.user
    )
