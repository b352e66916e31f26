"""Trusted publishers' pages: a project's (``/manage/project/<name>/settings/publishing/``;
Owners add and remove, Maintainers read) and the user's pending ones
(``/manage/account/publishing/``). One form per provider on each page, told apart by the
``provider`` field they post; every change asks for the password again (sudo)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.http import AuthenticatedHttpRequest
from accounts.sudo import sudo_required

from ...forms import ConfirmForm
from ...forms_publishing import FORMS, PENDING_FORMS, PublisherForm
from ...models import PENDING_PUBLISHER_DAYS, PendingPublisher, Provider, TrustedPublisher
from ...models.publishers import PublisherConfig
from ...oidc.publishers import publisher_label, publisher_url
from ...permissions import Permission
from ...services import publishers
from ...services.publishers import PENDING_LIMIT, NameRefused
from ...services.refusals import Refused
from .access import Access, actor, management_page, project_access, sudo_for_changes

# What each provider's form is called on the pages.
TITLES = {
    Provider.GITHUB: "GitHub Actions",
    Provider.GITLAB: "GitLab CI/CD",
    Provider.GOOGLE: "Google Cloud",
    Provider.ACTIVESTATE: "ActiveState",
}

# The fields a publisher's row shows besides its label, by provider.
DETAILS = {
    Provider.GITHUB: [
        ("workflow_filename", gettext_lazy("Workflow")),
        ("environment", gettext_lazy("Environment")),
        ("repository_owner_id", gettext_lazy("Owner's ID")),
    ],
    Provider.GITLAB: [
        ("workflow_filepath", gettext_lazy("Pipeline file")),
        ("environment", gettext_lazy("Environment")),
    ],
    Provider.GOOGLE: [("sub", gettext_lazy("Subject"))],
    Provider.ACTIVESTATE: [
        ("actor", gettext_lazy("Actor")),
        ("actor_id", gettext_lazy("Actor's ID")),
    ],
}


def shown(publisher: PublisherConfig) -> dict[str, Any]:
    """A publisher as the pages list it."""
    any_environment = _("any")
    details = []
    for field, label in DETAILS[Provider(publisher.provider)]:
        value = getattr(publisher, field)
        if field == "environment" and not value:
            value = any_environment
        if value:
            details.append((str(label), value))
    return {
        "row": publisher,
        "provider": TITLES[Provider(publisher.provider)],
        "label": publisher_label(publisher),
        "url": publisher_url(publisher),
        "details": details,
    }


def _forms(
    request: AuthenticatedHttpRequest, catalogue: dict[str, type[PublisherForm]]
) -> tuple[list[dict[str, Any]], str | None]:
    """Every provider's form (the one posted bound to the data) and the provider posted."""
    posted = request.POST.get("provider") if request.method == "POST" else None
    forms = [
        {
            "provider": provider,
            "title": TITLES[Provider(provider)],
            "form": form_class(request.POST if provider == posted else None, prefix=provider),
        }
        for provider, form_class in catalogue.items()
    ]
    return forms, posted


def _posted(forms: list[dict[str, Any]], provider: str | None) -> PublisherForm:
    for entry in forms:
        if entry["provider"] == provider:
            form: PublisherForm = entry["form"]
            return form
    raise Http404(_("Unknown trusted publishing provider."))


# --- A project's publishers --------------------------------------------------------------------


def _project_page(
    request: AuthenticatedHttpRequest,
    access: Access,
    forms: list[dict[str, Any]],
    status: int = 200,
) -> HttpResponse:
    rows = TrustedPublisher.objects.filter(project=access.project)
    context = {
        "access": access,
        "project": access.project,
        "current": "settings",
        "publishers": [shown(row) for row in rows],
        "forms": forms,
    }
    return render(request, "packages/manage/publishing.html", context, status=status)


@management_page
@sudo_for_changes
def project_publishing(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    """The project's trusted publishers; POST (Owners) adds one."""
    permission = Permission.WRITE if request.method == "POST" else Permission.READ
    access = project_access(request, name, permission)
    forms, provider = _forms(request, FORMS)
    if request.method != "POST":
        return _project_page(request, access, forms)
    form = _posted(forms, provider)
    if not form.is_valid():
        return _project_page(request, access, forms, status=400)
    try:
        added = publishers.add_publisher(
            access.project, form.provider, form.config(), actor=actor(request)
        )
    except Refused as refused:
        form.add_error(None, refused.message)
        return _project_page(request, access, forms, status=refused.status)
    url = publisher_url(added)
    if url:
        message = _("Added {publisher} in {url} to {project}")
    else:
        message = _("Added {publisher} to {project}")
    messages.success(request, message.format(publisher=added, url=url, project=access.project.name))
    return redirect("packages:manage-publishing", name=access.project.name)


@management_page
@sudo_required
def remove_publisher(
    request: AuthenticatedHttpRequest, name: str, publisher_id: int
) -> HttpResponse:
    """GET: confirm removing a publisher; POST: remove it (Owners)."""
    access = project_access(request, name, Permission.WRITE)
    publisher = TrustedPublisher.objects.filter(pk=publisher_id, project=access.project).first()
    if publisher is None:
        raise Http404(str(publisher_id))
    form = ConfirmForm(
        request.POST or None,
        expected=str(publisher),
        label=_("Type “{specifier}” to confirm").format(specifier=publisher),
    )
    if request.method == "POST" and form.is_valid():
        try:
            publishers.remove_publisher(publisher, actor=actor(request))
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Removed trusted publisher for project '{project}'").format(
                    project=access.project.name
                ),
            )
            return redirect("packages:manage-publishing", name=access.project.name)
    context = {
        "access": access,
        "project": access.project,
        "current": "settings",
        "publisher": shown(publisher),
        "form": form,
    }
    status = 400 if form.errors else 200
    return render(request, "packages/manage/publishing_remove.html", context, status=status)


# --- The user's pending publishers -------------------------------------------------------------


def _account_page(
    request: AuthenticatedHttpRequest, forms: list[dict[str, Any]], status: int = 200
) -> HttpResponse:
    pending = PendingPublisher.objects.live().filter(added_by=request.user)
    context = {
        "pending": [{**shown(row), "project_name": row.project_name} for row in pending],
        "forms": forms,
        "limit": PENDING_LIMIT,
        "days": PENDING_PUBLISHER_DAYS,
        "at_limit": len(pending) >= PENDING_LIMIT,
    }
    return render(request, "packages/manage/publishing_account.html", context, status=status)


@management_page
@sudo_for_changes
def account_publishing(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's pending publishers; POST registers one."""
    forms, provider = _forms(request, PENDING_FORMS)
    if request.method != "POST":
        return _account_page(request, forms)
    form = _posted(forms, provider)
    if not form.is_valid():
        return _account_page(request, forms, status=400)
    project_name = form.cleaned_data["project_name"]
    try:
        publishers.add_pending_publisher(
            request.user, project_name, form.provider, form.config(), actor=actor(request)
        )
    except NameRefused as refused:
        form.add_error("project_name", refused.message)
        return _account_page(request, forms, status=refused.status)
    except Refused as refused:
        form.add_error(None, refused.message)
        return _account_page(request, forms, status=refused.status)
    messages.success(
        request,
        _("Registered a new pending publisher to create the project '{project}'.").format(
            project=project_name
        ),
    )
    return redirect("packages:account-publishing")


@management_page
@sudo_required
def remove_pending_publisher(request: AuthenticatedHttpRequest, pending_id: int) -> HttpResponse:
    """GET: confirm removing one of the user's pending publishers; POST: remove it."""
    pending = PendingPublisher.objects.filter(pk=pending_id, added_by=request.user).first()
    if pending is None:
        raise Http404(str(pending_id))
    form = ConfirmForm(
        request.POST or None,
        expected=pending.project_name,
        label=_("Type the project name to confirm"),
    )
    if request.method == "POST" and form.is_valid():
        publishers.remove_pending_publisher(pending, actor=actor(request))
        messages.success(
            request,
            _("Removed trusted publisher for project '{project}'").format(
                project=pending.project_name
            ),
        )
        return redirect("packages:account-publishing")
    context = {"pending": {**shown(pending), "project_name": pending.project_name}, "form": form}
    status = 400 if form.errors else 200
    return render(request, "packages/manage/publishing_pending_remove.html", context, status=status)
