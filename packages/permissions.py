"""Who may do what on a project: upload (``upload_denial``, whatever the identity) and
manage it (``management_denial``, the permission table of Owners and Maintainers)."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from accounts import ports as account_ports
from accounts.identity import Identity
from accounts.models import User
from help.links import help_url

from .models import Project, Role, RoleName, TrustedPublisher


def upload_denial(identity: Identity, project: Project) -> str | None:
    """Why ``identity`` may not upload to ``project`` (None when it may).

    The token's own limits (expiry, project scope, user) come first, then the project's
    lifecycle, then the user's role: Owners and Maintainers upload.
    """
    reason = identity.denial(project)
    if reason:
        return reason
    if project.is_quarantined:
        return _(
            "Project '{project}' is in quarantine and cannot accept uploads. "
            "See {url} for more information."
        ).format(project=project.name, url=help_url("project_in_quarantine"))
    if project.is_archived:
        return _("Project '{project}' is archived and cannot accept uploads.").format(
            project=project.name
        )
    if identity.user is None:
        return _publisher_denial(identity, project)
    if not Role.objects.filter(project=project, user=identity.user).exists():
        return _(
            "The user '{user}' isn't allowed to upload to project '{project}'. "
            "See {url} for more information."
        ).format(user=identity.user.username, project=project.name, url=help_url("project-name"))
    return None


def _publisher_denial(identity: Identity, project: Project) -> str | None:
    """A trusted publisher's token uploads while trusted publishing is on and one of the
    publishers it was minted for still publishes ``project`` (an Owner may remove it)."""
    if account_ports.is_on(account_ports.Switch.DISALLOW_OIDC):
        return _(
            "Trusted publishing is temporarily disabled. See {url} for more information."
        ).format(url=help_url("admin-intervention"))
    if not TrustedPublisher.objects.filter(pk__in=identity.publisher_ids, project=project).exists():
        return _(
            "The given token isn't allowed to upload to project '{project}'. "
            "See {url} for more information."
        ).format(project=project.name, url=help_url("project-name"))
    return None


class Permission(StrEnum):
    """What a collaborator may do on a project's management pages and API."""

    READ = "read"  # see the releases, files, collaborators, settings and history
    WRITE = "write"  # yank, delete, archive, change collaborators and settings


# The permission table: Owners do everything, Maintainers upload and read.
GRANTS: dict[str, frozenset[Permission]] = {
    RoleName.OWNER: frozenset({Permission.READ, Permission.WRITE}),
    RoleName.MAINTAINER: frozenset({Permission.READ}),
}


def role_of(user: User | AnonymousUser, project: Project) -> Role | None:
    if not user.is_authenticated:
        return None
    return Role.objects.filter(project=project, user=user).first()


def management_denial(role: Role | None, project: Project, permission: Permission) -> str | None:
    """Why the holder of ``role`` may not ``permission`` on ``project`` (None when they may).

    No role at all is refused too; pages answer it with a 404, so that they do not tell who
    works on which project.
    """
    if role is None:
        return _("You are not a collaborator on this project.")
    if permission not in GRANTS[role.role_name]:
        return _("Only the project's Owners can do this.")
    if permission is Permission.WRITE and project.is_quarantined:
        return _("This project is in quarantine and cannot be modified.")
    return None
