"""``/project/<name>/report/``: anyone signed in reports a project to the administrators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from packages.models import Project
from packages.services.events import Actor
from packages.services.refusals import Refused

from . import reports
from .forms import ReportForm


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_project(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    project = Project.objects.find_by_name(name)
    if project is None:
        raise Http404(name)
    form = ReportForm(request.POST or None)
    status = 200
    if form.is_valid():
        try:
            reports.submit_report(
                project,
                reporter=request.user,
                actor=Actor.from_request(request, request.user),
                **form.cleaned_data,
            )
        except Refused as refused:
            form.add_error(None, refused.message)
            status = refused.status
        else:
            messages.success(
                request,
                _(
                    "Thank you for your report about {name}. The administrators will review it, "
                    "and we will let you know by e-mail what they decide."
                ).format(name=project.name),
            )
            return redirect(project.get_absolute_url())
    elif form.is_bound:
        status = 400
    return render(
        request, "moderation/report.html", {"project": project, "form": form}, status=status
    )
