"""Who may upload to a project. Identities reach this one function whatever they are."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.identity import Identity
from help.links import help_url

from .models import Project, Role


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
    if not Role.objects.filter(project=project, user=identity.user).exists():
        return _(
            "The user '{user}' isn't allowed to upload to project '{project}'. "
            "See {url} for more information."
        ).format(user=identity.user.username, project=project.name, url=help_url("project-name"))
    return None
