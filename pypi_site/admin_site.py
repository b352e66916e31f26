"""The staff's admin: django-otp's admin site (a second factor is required), named after the
index, with a dashboard on its front page.

Nobody logs in here. Visitors who are not signed in are sent to the site's own login (allauth,
with its rate limits and second step; see ``pypi_site/urls.py``); staff signed in without a
second factor are told what to do instead of being offered a second login form that would go
around those.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin import ModelAdmin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp.admin import OTPAdminSite

from accounts import readiness
from accounts.models import User
from moderation.models import AdminFlag, MalwareReport
from packages.models import Project

from .admin_dashboard import dashboard

# Apps whose models the app list shows inside another app's section: allauth's e-mail
# addresses belong with the accounts (both apps are called "Accounts").
FOLDED_APPS = {"account": "accounts"}


class IndexAdminSite(OTPAdminSite):
    site_url = "/"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        # Settings are read per request, never at import time.
        return {
            **super().each_context(request),
            "site_header": _("%(site)s administration") % {"site": settings.SITE_NAME},
            "site_title": _("%(site)s admin") % {"site": settings.SITE_NAME},
        }

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        board = dashboard()
        context = {
            "title": _("Dashboard"),
            "dashboard": board,
            "newest_projects": [
                (project, self._link(request, Project, "change", project.pk))
                for project in board.newest_projects
            ],
            "newest_open_reports": [
                (report, self._link(request, MalwareReport, "change", report.pk))
                for report in board.newest_open_reports
            ],
            "reports_url": self._link(request, MalwareReport, "changelist"),
            "switches_url": self._link(request, AdminFlag, "changelist"),
            "projects_url": self._link(request, Project, "changelist"),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def _link(self, request: HttpRequest, model: type[Model], view: str, *args: Any) -> str | None:
        """The admin page ``view`` of ``model`` if this staff member may see it, else None
        (also while the model has no admin yet)."""
        model_admin: ModelAdmin | None = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_permission(request):
            return None
        opts = model._meta
        try:
            return reverse(
                f"{self.name}:{opts.app_label}_{opts.model_name}_{view}",
                args=args,
                current_app=self.name,
            )
        except NoReverseMatch:
            return None

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        by_label = {app["app_label"]: app for app in apps}
        for folded, into in FOLDED_APPS.items():
            if folded in by_label and into in by_label:
                host = by_label[into]
                host["models"] = sorted(
                    host["models"] + by_label[folded]["models"], key=lambda m: m["name"]
                )
                apps.remove(by_label[folded])
        return apps

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Where the admin sends whoever it does not let in."""
        if self.has_permission(request):
            return HttpResponseRedirect(self._next(request))
        if not request.user.is_authenticated:
            query = urlencode({REDIRECT_FIELD_NAME: self._next(request)})
            return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{query}")
        if not (request.user.is_staff and request.user.is_active):
            raise PermissionDenied
        return self._second_factor_required(request)

    def password_change(  # type: ignore[override]  # a redirect, not Django's page
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Passwords change on the site's own page (its password rules, the breached-password
        check and the security history), never on the admin's."""
        return HttpResponseRedirect(reverse("account_change_password"))

    def _next(self, request: HttpRequest) -> str:
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse(f"{self.name}:index", current_app=self.name)

    def _second_factor_required(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)
        return TemplateResponse(
            request,
            "admin/second_factor_required.html",
            {
                **self.each_context(request),
                "title": _("A second factor is required"),
                "has_two_factor": readiness.has_two_factor(user),
                "next": self._next(request),
            },
            status=403,
        )
