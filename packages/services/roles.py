"""Who may do what on a project: adding, changing and removing roles.

The journal spells role changes as the public index does (``add Owner alice``,
``change Owner alice to Maintainer``, ``remove Maintainer bob``): mirrors and the XML-RPC
``package_roles`` read them. A project never loses its last Owner, and nobody demotes
themselves (another Owner does it, or they leave). Every change is mailed to the project's
owners and to the collaborator concerned (``notify``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import Project, ProjectEventTag, Role, RoleName
from . import events, journal, notify
from .events import Actor
from .refusals import Refused


def _owner_count(project: Project) -> int:
    return Role.objects.filter(project=project, role_name=RoleName.OWNER).count()


def _stored_name(role: Role) -> str:
    """The role's name as the table has it, with the project's row locked: two Owners
    removing each other at once are taken one after the other, so one of them stays. (The
    instance may already carry new values that an admin form applied.)"""
    Project.objects.select_for_update().filter(pk=role.project_id).exists()
    return Role.objects.filter(pk=role.pk).values_list("role_name", flat=True).get()


def _check_keeps_an_owner(role: Role, stored: str, actor: Actor) -> None:
    """Refuse to take away the project's last Owner."""
    if stored != RoleName.OWNER or _owner_count(role.project) > 1:
        return
    if actor.user is not None and actor.user.pk == role.user_id:
        raise Refused(409, _("Cannot remove yourself as Sole Owner"))
    raise Refused(409, _("A project must keep at least one Owner."))


@transaction.atomic
def add_role(
    project: Project,
    user: User,
    role_name: RoleName,
    *,
    actor: Actor,
    notify_people: bool = True,
    **additional: str,
) -> Role:
    """Give ``user`` a role (``notify_people=False`` for a new project's first Owner)."""
    existing = Role.objects.filter(project=project, user=user).first()
    if existing is not None:
        raise Refused(
            409,
            _("User '{user}' already has {role} role for project").format(
                user=user.username, role=existing.get_role_name_display()
            ),
        )
    role = Role.objects.create(project=project, user=user, role_name=role_name)
    events.record(
        project,
        ProjectEventTag.ROLE_ADD,
        actor,
        role_name=role_name.value,
        target_user=user.username,
        **additional,
    )
    journal.record(project, journal.Entry(f"add {role_name.value} {user.username}"), by=actor.user)
    if notify_people:
        owners = notify.others(notify.owners(project), user)
        for people, notice in ((owners, "collaborator-added"), ([user], "added-as-collaborator")):
            notify.send(
                people,
                notice,
                project.name,
                actor,
                username=user.username,
                role_name=role_name.value,
            )
    return role


@transaction.atomic
def change_role(role: Role, role_name: RoleName, *, actor: Actor) -> None:
    old = _stored_name(role)
    if old == role_name:
        return
    if old == RoleName.OWNER and actor.user is not None and actor.user.pk == role.user_id:
        raise Refused(409, _("Cannot remove yourself as Owner"))
    if old == RoleName.OWNER and _owner_count(role.project) <= 1:
        raise Refused(409, _("A project must keep at least one Owner."))
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
    owners = notify.others(notify.owners(role.project), role.user)
    for people, notice in (
        (owners, "collaborator-role-changed"),
        ([role.user], "role-changed-as-collaborator"),
    ):
        notify.send(
            people, notice, role.project.name, actor, username=username, role_name=role_name.value
        )


@transaction.atomic
def remove_role(role: Role, *, actor: Actor) -> None:
    """End a role (a collaborator leaving their project too); never the last Owner's."""
    stored = _stored_name(role)
    _check_keeps_an_owner(role, stored, actor)
    role.role_name = stored
    user = role.user
    username = user.username
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
    owners = notify.others(notify.owners(role.project), user)
    notify.send(owners, "collaborator-removed", role.project.name, actor, username=username)
    notify.send([user], "removed-as-collaborator", role.project.name, actor)
