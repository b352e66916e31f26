"""A project's releases: the overview, one release's files, yank, un-yank and deletions."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from accounts.sudo import sudo_required

from ...forms import ConfirmForm, YankForm
from ...models import File, Release
from ...permissions import Permission
from ...services import releases
from ...services.refusals import Refused
from .access import Access, actor, management_page, project_access


@management_page
def overview(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    access = project_access(request, name)
    rows = access.project.releases.annotate(file_count=Count("files")).order_by("-sort_key")
    return render(
        request,
        "packages/manage/project.html",
        {"access": access, "project": access.project, "releases": rows, "current": "releases"},
    )


def _release(access: Access, version: str) -> Release:
    release = access.project.releases.find_by_version(version)
    if release is None:
        raise Http404(version)
    return release


# Three forms share the release page: each has its own prefix, so its fields' ids differ.
def _yank_form(release: Release, data: QueryDict | None = None) -> YankForm:
    return YankForm(
        data, expected=release.version, label=_("Type the version to confirm"), prefix="yank"
    )


def _confirm_form(release: Release, prefix: str, data: QueryDict | None = None) -> ConfirmForm:
    return ConfirmForm(
        data, expected=release.version, label=_("Type the version to confirm"), prefix=prefix
    )


def _release_page(
    request: AuthenticatedHttpRequest,
    access: Access,
    release: Release,
    *,
    status: int = 200,
    **forms: object,
) -> HttpResponse:
    context = {
        "access": access,
        "project": access.project,
        "release": release,
        "files": release.files.order_by("packagetype", "filename"),
        "current": "releases",
        "yank_form": forms.get("yank_form") or _yank_form(release),
        "delete_form": forms.get("delete_form") or _confirm_form(release, "delete"),
        "unyank_form": forms.get("unyank_form") or _confirm_form(release, "unyank"),
    }
    return render(request, "packages/manage/release.html", context, status=status)


@management_page
def release_page(request: AuthenticatedHttpRequest, name: str, version: str) -> HttpResponse:
    access = project_access(request, name)
    return _release_page(request, access, _release(access, version))


def _release_action(
    request: AuthenticatedHttpRequest,
    name: str,
    version: str,
    *,
    form_name: str,
    make_form: Callable[[Release, QueryDict], ConfirmForm],
    change: Callable[[Release, ConfirmForm], None],
    success: str,
    to_project: bool = False,
) -> HttpResponse:
    """An Owner's POST from the release page: the form confirms it (else the page again, with
    the form's errors), the service makes it (a refusal is told as a message)."""
    access = project_access(request, name, Permission.WRITE)
    release = _release(access, version)
    back = redirect("packages:manage-release", name=access.project.name, version=release.version)
    if request.method != "POST":
        return back
    form = make_form(release, request.POST)
    if not form.is_valid():
        return _release_page(request, access, release, status=400, **{form_name: form})
    try:
        change(release, form)
    except Refused as refused:
        messages.error(request, refused.message)
        return back
    messages.success(request, success.format(version=release.version))
    return redirect("packages:manage-project", name=access.project.name) if to_project else back


@management_page
@sudo_required
def yank(request: AuthenticatedHttpRequest, name: str, version: str) -> HttpResponse:
    return _release_action(
        request,
        name,
        version,
        form_name="yank_form",
        make_form=_yank_form,
        change=lambda release, form: releases.yank_release(
            release, actor=actor(request), reason=form.cleaned_data["reason"]
        ),
        success=_("Yanked release {version}."),
    )


@management_page
@sudo_required
def unyank(request: AuthenticatedHttpRequest, name: str, version: str) -> HttpResponse:
    return _release_action(
        request,
        name,
        version,
        form_name="unyank_form",
        make_form=lambda release, data: _confirm_form(release, "unyank", data),
        change=lambda release, _form: releases.unyank_release(release, actor=actor(request)),
        success=_("Un-yanked release {version}."),
    )


@management_page
@sudo_required
def delete_release(request: AuthenticatedHttpRequest, name: str, version: str) -> HttpResponse:
    return _release_action(
        request,
        name,
        version,
        form_name="delete_form",
        make_form=lambda release, data: _confirm_form(release, "delete", data),
        change=lambda release, _form: releases.delete_release(release, actor=actor(request)),
        success=_("Deleted release {version}."),
        to_project=True,
    )


@management_page
@sudo_required
def delete_file(
    request: AuthenticatedHttpRequest, name: str, version: str, file_id: int
) -> HttpResponse:
    """GET: the confirmation page for one file; POST: delete it."""
    access = project_access(request, name, Permission.WRITE)
    release = _release(access, version)
    file = File.objects.filter(pk=file_id, release=release).first()
    if file is None:
        raise Http404(str(file_id))
    form = ConfirmForm(
        request.POST or None, expected=file.filename, label=_("Type the file name to confirm")
    )
    if request.method == "POST" and form.is_valid():
        try:
            releases.delete_file(file, actor=actor(request))
        except Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Deleted file {name}.").format(name=file.filename))
        return redirect(
            "packages:manage-release", name=access.project.name, version=release.version
        )
    context = {
        "access": access,
        "project": access.project,
        "release": release,
        "file": file,
        "form": form,
        "current": "releases",
    }
    status = 400 if form.errors else 200
    return render(request, "packages/manage/delete_file.html", context, status=status)
