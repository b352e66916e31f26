"""``/manage/project/<name>/collaboration/``: roles, invitations, leaving a project."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.sudo import sudo_required

from ...forms import ChangeRoleForm, ConfirmForm, InviteForm
from ...models import Role, RoleName
from ...permissions import Permission
from ...services import invitations, roles
from ...services.refusals import Refused
from .access import Access, actor, management_page, project_access, sudo_for_changes


def _page(
    request: AuthenticatedHttpRequest, access: Access, form: InviteForm, status: int = 200
) -> HttpResponse:
    project = access.project
    collaborators = Role.objects.filter(project=project).select_related("user")
    context = {
        "access": access,
        "project": project,
        "current": "collaboration",
        "roles": sorted(
            collaborators, key=lambda r: (r.role_name != RoleName.OWNER, r.user.username.lower())
        ),
        "invitations": project.invitations.pending().select_related("user", "invited_by"),
        # The last Owner cannot leave (nor be removed): the page does not offer it.
        "sole_owner": sum(r.role_name == RoleName.OWNER for r in collaborators) == 1,
        "form": form,
        "invitation_hours": settings.ROLE_INVITATION_HOURS,
    }
    return render(request, "packages/manage/collaboration.html", context, status=status)


@management_page
@sudo_for_changes
def collaboration(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    """The roles and invitations; POST (Owners) invites a user."""
    permission = Permission.WRITE if request.method == "POST" else Permission.READ
    access = project_access(request, name, permission)
    form = InviteForm(request.POST or None, initial={"role_name": RoleName.MAINTAINER.value})
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["username"]
        try:
            invitations.invite(
                access.project, user, RoleName(form.cleaned_data["role_name"]), actor=actor(request)
            )
        except Refused as refused:
            form.add_error("username", refused.message)
        else:
            messages.success(
                request,
                _("Invitation sent to '{user}'.").format(user=user.username),
            )
            return redirect("packages:manage-collaboration", name=access.project.name)
    return _page(request, access, form, status=400 if form.errors else 200)


def _role(access: Access, role_id: int) -> Role:
    role = Role.objects.filter(pk=role_id, project=access.project).select_related("user").first()
    if role is None:
        raise Http404(str(role_id))
    return role


@require_POST
@management_page
@sudo_required
def change_role(request: AuthenticatedHttpRequest, name: str, role_id: int) -> HttpResponse:
    access = project_access(request, name, Permission.WRITE)
    role = _role(access, role_id)
    form = ChangeRoleForm(request.POST)
    if form.is_valid():
        try:
            roles.change_role(role, RoleName(form.cleaned_data["role_name"]), actor=actor(request))
        except Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("'{user}' is now {role}.").format(
                    user=role.user.username, role=role.get_role_name_display()
                ),
            )
    return redirect("packages:manage-collaboration", name=access.project.name)


@management_page
@sudo_required
def remove_role(request: AuthenticatedHttpRequest, name: str, role_id: int) -> HttpResponse:
    """GET: confirm removing a collaborator (or leaving, for one's own role); POST: do it."""
    access = project_access(request, name)
    role = _role(access, role_id)
    leaving = role.user_id == request.user.pk
    if not leaving:
        access = project_access(request, name, Permission.WRITE)
    form = ConfirmForm(
        request.POST or None,
        expected=role.user.username,
        label=_("Type the username to confirm"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            roles.remove_role(role, actor=actor(request))
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            if leaving:
                messages.success(request, _("You left “{name}”.").format(name=access.project.name))
                return redirect("packages:manage-projects")
            messages.success(
                request, _("Removed '{user}' from the project.").format(user=role.user.username)
            )
            return redirect("packages:manage-collaboration", name=access.project.name)
    context = {
        "access": access,
        "project": access.project,
        "current": "collaboration",
        "role": role,
        "leaving": leaving,
        "form": form,
    }
    status = 400 if form.errors else 200
    return render(request, "packages/manage/remove_role.html", context, status=status)


@require_POST
@management_page
@sudo_required
def revoke_invitation(
    request: AuthenticatedHttpRequest, name: str, invitation_id: int
) -> HttpResponse:
    access = project_access(request, name, Permission.WRITE)
    invitation = access.project.invitations.filter(pk=invitation_id).select_related("user").first()
    if invitation is None:
        raise Http404(str(invitation_id))
    try:
        invitations.revoke(invitation, actor=actor(request))
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Invitation for '{user}' revoked.").format(user=invitation.user.username),
        )
    return redirect("packages:manage-collaboration", name=access.project.name)
