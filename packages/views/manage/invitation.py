"""The page a mailed invitation link opens: the invitee accepts or declines there."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest

from ...services import invitations
from ...services.refusals import Refused
from .access import actor, management_page


@management_page
def verify_project_role(request: AuthenticatedHttpRequest) -> HttpResponse:
    token = request.GET.get("token", "")
    try:
        invitation = invitations.from_token(token, request.user)
    except Refused as refused:
        return render(
            request,
            "packages/manage/invitation.html",
            {"refusal": refused.message},
            status=refused.status,
        )
    if request.method == "POST":
        name = invitation.project.name
        try:
            if "decline" in request.POST:
                invitations.decline(invitation, actor=actor(request))
                messages.success(request, _("Invitation to “{name}” declined.").format(name=name))
                return redirect("packages:manage-projects")
            invitations.accept(invitation, actor=actor(request))
        except Refused as refused:
            messages.error(request, refused.message)
            return redirect("packages:manage-projects")
        messages.success(
            request,
            _("You are now {role} of “{name}”.").format(
                role=invitation.get_role_name_display(), name=name
            ),
        )
        return redirect("packages:manage-project", name=name)
    return render(request, "packages/manage/invitation.html", {"invitation": invitation})
