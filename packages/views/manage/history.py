"""``/manage/project/<name>/history/``: the project's events, newest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest

from .access import management_page, project_access

PAGE_SIZE = 50


@management_page
def history(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    access = project_access(request, name)
    events = access.project.events.select_related("user")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "packages/manage/history.html",
        {"access": access, "project": access.project, "page": page, "current": "history"},
    )
