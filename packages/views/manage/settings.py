"""``/manage/project/<name>/settings/``: archive, unarchive, delete, limits, a token."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.sudo import sudo_required

from ...forms import ConfirmForm
from ...models import File
from ...permissions import Permission
from ...services import projects
from ...services.refusals import Refused
from .access import Access, actor, management_page, project_access


def _delete_form(access: Access, data: object = None) -> ConfirmForm:
    return ConfirmForm(
        data, expected=access.project.name, label=_("Type the project name to confirm")
    )


def _page(
    request: AuthenticatedHttpRequest,
    access: Access,
    delete_form: ConfirmForm,
    status: int = 200,
) -> HttpResponse:
    project = access.project
    context = {
        "access": access,
        "project": project,
        "current": "settings",
        "delete_form": delete_form,
        "file_count": File.objects.filter(release__project=project).count(),
        "release_count": project.releases.count(),
    }
    return render(request, "packages/manage/settings.html", context, status=status)


@management_page
def settings_page(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    access = project_access(request, name)
    return _page(request, access, _delete_form(access))


def _lifecycle(
    request: AuthenticatedHttpRequest,
    name: str,
    change: Callable[..., None],
    success: str,
) -> HttpResponse:
    access = project_access(request, name, Permission.WRITE)
    try:
        change(access.project, actor=actor(request))
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, success)
    return redirect("packages:manage-settings", name=access.project.name)


@require_POST
@management_page
@sudo_required
def archive(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    return _lifecycle(request, name, projects.archive_project, _("The project is archived."))


@require_POST
@management_page
@sudo_required
def unarchive(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    return _lifecycle(
        request, name, projects.unarchive_project, _("The project is no longer archived.")
    )


@require_POST
@management_page
@sudo_required
def delete(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    access = project_access(request, name, Permission.WRITE)
    form = _delete_form(access, request.POST)
    if not form.is_valid():
        return _page(request, access, form, status=400)
    try:
        projects.delete_project(access.project, actor=actor(request))
    except Refused as refused:
        form.add_error(None, refused.message)
        return _page(request, access, form, status=refused.status)
    messages.success(request, _("Deleted the project “{name}”.").format(name=access.project.name))
    return redirect("packages:manage-projects")
