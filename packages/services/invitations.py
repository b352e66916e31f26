"""Inviting a user to collaborate on a project, and their answer.

An Owner invites a user (who must have a verified primary e-mail address) as Owner or
Maintainer; the invitee gets a mail with a signed link, valid ``ROLE_INVITATION_HOURS``, to a
page where they accept (the role is created) or decline. An Owner may revoke a pending
invitation. Each step is journalled as the public index does (``invite Owner alice``,
``decline_invite Owner alice``, ``revoke_invite Owner alice``),
recorded in the project's history and mailed; an acceptance is journalled as the role it
creates (``add Owner alice``).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.readiness import has_verified_primary_email

from ..models import InviteStatus, Project, ProjectEventTag, Role, RoleInvitation, RoleName
from . import events, journal, notify, roles
from .events import Actor
from .refusals import Refused

SALT = "packages.role-invitation"
EXPIRED = gettext_noop(
    "This invitation has expired or was withdrawn: ask an Owner to invite you again."
)


def token_for(invitation: RoleInvitation) -> str:
    """The signed value of the mailed link: names the invitation, its user and when it was sent."""
    return signing.dumps(
        {"i": invitation.pk, "u": invitation.user_id, "t": invitation.created.timestamp()},
        salt=SALT,
    )


def accept_url(invitation: RoleInvitation) -> str:
    path = reverse("packages:verify-project-role")
    return f"{settings.SITE_URL.rstrip('/')}{path}?token={token_for(invitation)}"


def from_token(token: str, user: User) -> RoleInvitation:
    """The pending invitation the link names, for the logged-in ``user``; ``Refused`` if none."""
    expired = Refused(400, _(EXPIRED))
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ROLE_INVITATION_HOURS * 3600)
    except signing.SignatureExpired:
        raise expired from None
    except signing.BadSignature:
        raise Refused(400, _("This invitation link is not valid.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or data.get("u") != user.pk:
        raise Refused(403, _("This invitation is for another account: log in as the user invited."))
    invitation = (
        RoleInvitation.objects.pending()
        .select_related("project", "user", "invited_by")
        .filter(pk=data["i"], user=user)
        .first()
    )
    # A link from before the invitation was sent again names an older moment: only the newest
    # mail's link works.
    if invitation is None or abs(invitation.created.timestamp() - float(data.get("t", 0))) > 1:
        raise expired
    return invitation


def _entry(action: str, invitation: RoleInvitation) -> journal.Entry:
    return journal.Entry(f"{action} {invitation.role_name} {invitation.user.username}")


@transaction.atomic
def invite(project: Project, user: User, role_name: RoleName, *, actor: Actor) -> RoleInvitation:
    """Invite ``user`` as ``role_name`` and mail them the link (renewing an expired invite)."""
    role = Role.objects.filter(project=project, user=user).first()
    if role is not None:
        raise Refused(
            409,
            _("User '{user}' already has {role} role for project").format(
                user=user.username, role=role.get_role_name_display()
            ),
        )
    if not has_verified_primary_email(user) or not user.is_active or user.is_frozen:
        raise Refused(
            400,
            _(
                "User '{user}' does not have a verified primary email address and cannot be "
                "added as a {role} for project"
            ).format(user=user.username, role=RoleName(role_name).label),
        )
    current = RoleInvitation.objects.select_for_update().filter(project=project, user=user).first()
    if current is not None and current.is_pending:
        raise Refused(
            409,
            _("User '{user}' already has an active invite. Please try again later.").format(
                user=user.username
            ),
        )
    invitation, _created = RoleInvitation.objects.update_or_create(
        project=project,
        user=user,
        defaults={
            "role_name": role_name,
            "invite_status": InviteStatus.PENDING,
            "invited_by": actor.user,
            "created": timezone.now(),
        },
    )
    events.record(
        project,
        ProjectEventTag.ROLE_INVITE,
        actor,
        role_name=invitation.role_name,
        target_user=user.username,
    )
    journal.record(project, _entry("invite", invitation), by=actor.user)
    notify.send(
        [user],
        "verify-project-role",
        project.name,
        actor,
        role_name=invitation.role_name,
        accept_url=accept_url(invitation),
        valid_hours=settings.ROLE_INVITATION_HOURS,
    )
    return invitation


def _lock_pending(invitation: RoleInvitation) -> RoleInvitation:
    current = (
        RoleInvitation.objects.select_for_update()
        .pending()
        .select_related("project", "user")
        .filter(pk=invitation.pk)
        .first()
    )
    if current is None:
        raise Refused(409, _(EXPIRED))
    return current


@transaction.atomic
def accept(invitation: RoleInvitation, *, actor: Actor) -> Role:
    """The invitee takes the role offered; the invitation is used up."""
    current = _lock_pending(invitation)
    project = current.project
    current.delete()
    # The role's own entry (``add Owner alice``) is the journal's record of the acceptance.
    inviter = current.invited_by.username if current.invited_by else ""
    return roles.add_role(
        project,
        current.user,
        RoleName(current.role_name),
        actor=actor,
        invited_by=inviter,
    )


@transaction.atomic
def decline(invitation: RoleInvitation, *, actor: Actor) -> None:
    current = _lock_pending(invitation)
    project = current.project
    current.delete()
    events.record(
        project,
        ProjectEventTag.ROLE_DECLINE_INVITE,
        actor,
        role_name=current.role_name,
        target_user=current.user.username,
    )
    journal.record(project, _entry("decline_invite", current), by=actor.user)
    notify.send(
        notify.owners(project),
        "role-invitation-declined",
        project.name,
        actor,
        username=current.user.username,
        role_name=current.role_name,
    )


@transaction.atomic
def revoke(invitation: RoleInvitation, *, actor: Actor) -> None:
    """An Owner withdraws an invitation (pending or expired); its link stops working."""
    current = (
        RoleInvitation.objects.select_for_update()
        .select_related("project", "user")
        .filter(pk=invitation.pk)
        .first()
    )
    if current is None:
        raise Refused(404, _("There is no such invitation."))
    project = current.project
    was_pending = current.is_pending
    current.delete()
    events.record(
        project,
        ProjectEventTag.ROLE_REVOKE_INVITE,
        actor,
        role_name=current.role_name,
        target_user=current.user.username,
    )
    journal.record(project, _entry("revoke_invite", current), by=actor.user)
    if was_pending:
        notify.send(
            [current.user],
            "role-invitation-revoked",
            project.name,
            actor,
            role_name=current.role_name,
        )


def expire_stale() -> int:
    """Mark invitations past their window as expired (housekeeping); returns how many."""
    return RoleInvitation.objects.filter(
        invite_status=InviteStatus.PENDING, created__lte=RoleInvitation.cutoff()
    ).update(invite_status=InviteStatus.EXPIRED)
