"""The staff's switches and prohibited names (project names, usernames, mail domains).

Prohibitions are added (one at a time or in bulk), lifted and released to a user only through
``moderation.prohibitions``, with the staff member as the ``Actor``; each such change is in
the admin's history. A prohibition is never edited in place: lift it and add it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from packages.admin_actions import actor_of
from packages.models import Project
from packages.names import normalize_name
from packages.services.events import Actor
from packages.services.refusals import Refused

from . import prohibitions
from .models import AdminFlag, ProhibitedEmailDomain, ProhibitedProjectName, ProhibitedUserName
from .name_forms import BulkAddForm, BulkProjectNamesForm, ProhibitProjectNameForm, ReleaseForm

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


# The description is what visitors read while the switch is on and notifies (base.html).
BANNER_HELP = _(
    "The banner text: shown at the top of every page while the switch is on and "
    "“Notify” is ticked. Write it for visitors."
)


def _admin_form(form: forms.Form) -> helpers.AdminForm:
    """``form`` laid out as the admin lays out its own (labels, help and errors by each field)."""
    fieldsets = [(None, {"fields": list(form.fields)})]
    # The stubs ask for a ModelForm; the admin's layout needs only a form's bound fields.
    return helpers.AdminForm(form, fieldsets, {})  # type: ignore[arg-type]


@admin.register(AdminFlag)
class AdminFlagAdmin(admin.ModelAdmin):
    list_display = ("id", "description", "enabled", "notify")
    list_editable = ("enabled", "notify")

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("help_texts", {"description": BANNER_HELP})
        return super().get_form(request, obj, **kwargs)


# Shared by the three kinds of prohibition ------------------------------------------------------


class ProhibitionAdmin(admin.ModelAdmin):
    """Prohibitions are added through a service (one or many at a time), lifted through one,
    and never edited; the bulk page takes one entry per line with one comment."""

    bulk_form: ClassVar[type[BulkAddForm]] = BulkAddForm
    bulk_title: ClassVar[StrOrPromise]
    bulk_label: ClassVar[StrOrPromise]
    # What ``Outcome.kept`` means for this kind, with %(names)s.
    kept_message: ClassVar[StrOrPromise] = ""
    field_name: ClassVar[str] = "name"
    list_select_related = ("prohibited_by",)

    def bulk_add(self, form: BulkAddForm, actor: Actor) -> prohibitions.Outcome:
        raise NotImplementedError

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "bulk-add/",
                self.admin_site.admin_view(self.bulk_add_view),
                name=self._url_name("bulk_add"),
            ),
            *super().get_urls(),
        ]

    def _url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def _changelist(self) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse(f"admin:{self._url_name('changelist')}"))

    def bulk_add_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.bulk_form(request.POST if request.method == "POST" else None)
        form.fields["lines"].label = self.bulk_label
        if form.is_valid():
            try:
                with transaction.atomic():
                    outcome = self.bulk_add(form, actor_of(request))
                    added = self.model._default_manager.filter(
                        **{f"{self.field_name}__in": outcome.added}
                    )
                    for obj in added:
                        self.log_addition(request, obj, [{"added": {}}])
            except prohibitions.InvalidLines as invalid:
                for number, message in invalid.errors:
                    form.add_error(
                        "lines",
                        gettext("Line {number}: {message}").format(number=number, message=message),
                    )
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                self._report(request, outcome)
                return self._changelist()
        return TemplateResponse(
            request,
            "admin/moderation/bulk_add.html",
            {
                **self.admin_site.each_context(request),
                "title": self.bulk_title,
                "opts": self.opts,
                "form": form,
                "adminform": _admin_form(form),
            },
        )

    def _report(self, request: HttpRequest, outcome: prohibitions.Outcome) -> None:
        said = [
            (outcome.added, _("Prohibited: %(names)s."), messages.SUCCESS),
            (
                outcome.already,
                _("Already prohibited, left as they were: %(names)s."),
                messages.INFO,
            ),
            (outcome.removed, _("Removed the projects %(names)s."), messages.SUCCESS),
            (outcome.kept, self.kept_message, messages.WARNING),
        ]
        for names, message, level in said:
            if names:
                self.message_user(request, message % {"names": ", ".join(names)}, level)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        prohibitions.lift_prohibition(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            prohibitions.lift_prohibition(obj)


class MadeBy(admin.SimpleListFilter):
    title = _("prohibited by")
    parameter_name = "by"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [("me", _("Me")), ("others", _("Others"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(prohibited_by=request.user)
        if self.value() == "others":
            return queryset.exclude(prohibited_by=request.user)
        return queryset


# Project names ---------------------------------------------------------------------------------


class ProjectExists(admin.SimpleListFilter):
    title = _("a project has the name")
    parameter_name = "project"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(has_project=self.value() == "yes")
        return queryset


class FromReport(admin.SimpleListFilter):
    title = _("source")
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [("report", _("A malware report's verdict")), ("staff", _("Added by staff"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("report", "staff"):
            return queryset.filter(report__isnull=self.value() == "staff")
        return queryset


@admin.register(ProhibitedProjectName)
class ProhibitedProjectNameAdmin(ProhibitionAdmin):
    form = ProhibitProjectNameForm
    bulk_form = BulkProjectNamesForm
    bulk_title = _("Prohibit project names")
    bulk_label = _("Project names")
    kept_message = _(
        "These projects exist and stay (only new projects are refused the name): %(names)s."
    )
    list_display = ("name", "created", "prohibited_by", "comment", "has_project", "report")
    list_filter = (ProjectExists, FromReport, MadeBy, "created")
    search_fields = ("name", "comment", "prohibited_by__username")
    readonly_fields = ("created", "prohibited_by", "report")
    actions = ["release_to_user"]
    change_list_template = "admin/moderation/change_list_bulk_add.html"
    change_form_template = "admin/moderation/prohibitedprojectname/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProhibitedProjectName]:
        projects = Project.objects.filter(normalized_name=OuterRef("name"))
        return super().get_queryset(request).annotate(has_project=Exists(projects))

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> list[Any]:
        if obj is None:
            return ["name", "comment", "existing_project"]
        return ["name", "created", "prohibited_by", "comment", "report"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # Names are kept normalised: "Foo_Bar" finds "foo-bar" too.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(name__contains=normalize_name(search_term.strip()))
        return found, may_have_duplicates

    @admin.display(boolean=True, description=_("project exists"), ordering="has_project")
    def has_project(self, obj: Any) -> bool:
        return bool(obj.has_project)

    def save_model(
        self, request: HttpRequest, obj: ProhibitedProjectName, form: Any, change: bool
    ) -> None:
        remove = form.cleaned_data.get("existing_project") == "remove"
        prohibition = prohibitions.prohibit_project_name(
            obj.name, actor=actor_of(request), comment=obj.comment, remove_project=remove
        )
        obj.pk, obj.created = prohibition.pk, prohibition.created
        obj.prohibited_by = prohibition.prohibited_by
        if remove and form.existing is not None:
            self.message_user(
                request,
                gettext("The project '{project}' was removed.").format(project=form.existing.name),
                messages.SUCCESS,
            )

    def bulk_add(self, form: BulkAddForm, actor: Actor) -> prohibitions.Outcome:
        return prohibitions.prohibit_project_names(
            form.cleaned_data["lines"].splitlines(),
            actor=actor,
            comment=form.cleaned_data["comment"],
            remove_projects=form.cleaned_data["remove_projects"],
        )

    def get_urls(self) -> list[URLPattern]:
        release = path(
            "<path:object_id>/release/",
            self.admin_site.admin_view(self.release_view),
            name=self._url_name("release"),
        )
        return [release, *super().get_urls()]

    @admin.action(description=_("Release the selected name to a user"), permissions=["delete"])
    def release_to_user(
        self, request: HttpRequest, queryset: QuerySet[ProhibitedProjectName]
    ) -> HttpResponse | None:
        if len(chosen := list(queryset[:2])) != 1:
            self.message_user(request, _("Select exactly one name to release."), messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse(f"admin:{self._url_name('release')}", args=[chosen[0].pk])
        )

    def release_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Create the project with a user as its Owner and lift the prohibition."""
        prohibition = self.get_object(request, unquote(object_id))
        if prohibition is None:
            raise Http404
        if not self.has_delete_permission(request, prohibition):
            raise PermissionDenied
        form = ReleaseForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            owner = form.cleaned_data["username"]
            try:
                with transaction.atomic():
                    self.log_deletions(request, self.model.objects.filter(pk=prohibition.pk))
                    project = prohibitions.release_project_name(
                        prohibition, to=owner, actor=actor_of(request)
                    )
                    self.log_addition(
                        request,
                        project,
                        gettext("Released the prohibited name to {user}.").format(
                            user=owner.username
                        ),
                    )
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                self.message_user(
                    request,
                    gettext(
                        "The name '{name}' is released: the project exists with {user} as its "
                        "Owner."
                    ).format(name=project.name, user=owner.username),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:packages_project_change", args=[project.pk])
                )
        return TemplateResponse(
            request,
            "admin/moderation/release_name.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Release the name '{name}' to a user").format(
                    name=prohibition.name
                ),
                "opts": self.opts,
                "original": prohibition,
                "form": form,
                "adminform": _admin_form(form),
            },
        )


# Usernames and mail domains --------------------------------------------------------------------


class AddedInBulk(ProhibitionAdmin):
    """The "add" page is the bulk page: one entry or many."""

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self.bulk_add_view(request)


@admin.register(ProhibitedUserName)
class ProhibitedUserNameAdmin(AddedInBulk):
    bulk_title = _("Prohibit usernames")
    bulk_label = _("Usernames")
    kept_message = _("These accounts exist and keep their usernames: %(names)s.")
    list_display = ("name", "created", "prohibited_by", "comment")
    list_filter = (MadeBy, "created")
    search_fields = ("name", "comment", "prohibited_by__username")
    fields = ("name", "created", "prohibited_by", "comment")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return super().get_search_results(request, queryset, search_term.lower())

    def bulk_add(self, form: BulkAddForm, actor: Actor) -> prohibitions.Outcome:
        return prohibitions.prohibit_user_names(
            form.cleaned_data["lines"].splitlines(),
            actor=actor,
            comment=form.cleaned_data["comment"],
        )


@admin.register(ProhibitedEmailDomain)
class ProhibitedEmailDomainAdmin(AddedInBulk):
    bulk_title = _("Prohibit mail domains")
    bulk_label = _("Mail domains (each also blocks its subdomains)")
    field_name = "domain"
    list_display = ("domain", "created", "prohibited_by", "comment")
    list_filter = (MadeBy, "created")
    search_fields = ("domain", "comment", "prohibited_by__username")
    fields = ("domain", "created", "prohibited_by", "comment")

    def bulk_add(self, form: BulkAddForm, actor: Actor) -> prohibitions.Outcome:
        return prohibitions.prohibit_email_domains(
            form.cleaned_data["lines"].splitlines(),
            actor=actor,
            comment=form.cleaned_data["comment"],
        )


from . import admin_reports  # noqa: E402, F401  (registers the reports' admin)
