"""``/manage/projects/``: the user's projects and the invitations waiting for them."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest

from ...models import Release, Role, RoleInvitation
from ...services import invitations
from ...services.refusals import Refused
from .access import actor, management_page


@management_page
def projects(request: AuthenticatedHttpRequest) -> HttpResponse:
    newest = Release.objects.filter(project=OuterRef("project")).order_by("-sort_key")
    roles = (
        Role.objects.filter(user=request.user)
        .select_related("project")
        .annotate(
            newest_version=Subquery(newest.values("version")[:1]),
            last_release=Max("project__releases__created"),
        )
        .order_by("project__normalized_name")
    )
    pending = (
        RoleInvitation.objects.pending()
        .filter(user=request.user)
        .select_related("project", "invited_by")
        .order_by("created")
    )
    return render(
        request, "packages/manage/projects.html", {"roles": roles, "invitations": pending}
    )


@require_POST
@management_page
def answer_invitation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Accept or decline (``decline`` in the form) one of the user's pending invitations."""
    invitation = RoleInvitation.objects.pending().filter(pk=pk, user=request.user).first()
    if invitation is None:
        raise Http404
    name = invitation.project.name
    try:
        if "decline" in request.POST:
            invitations.decline(invitation, actor=actor(request))
            messages.success(request, _("Invitation to “{name}” declined.").format(name=name))
        else:
            role = invitations.accept(invitation, actor=actor(request))
            messages.success(
                request,
                _("You are now {role} of “{name}”.").format(
                    role=role.get_role_name_display(), name=name
                ),
            )
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("packages:manage-projects")
