"""The staff's view of malware reports and trusted observers (imported by ``admin.py``).

Reports are read-only here: a verdict is an admin action (on the list, or the buttons of a
report's page) that first asks for a note, then calls ``reports.give_verdict``, which changes
the project through the project services and mails the reporters. Each report closed gets an
entry in the admin's log naming the verdict.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import note_page
from accounts.models import User
from packages.admin import NoteForm
from packages.admin_actions import actor_of
from packages.services.refusals import Refused

from . import reports
from .models import MalwareReport, Observer, Verdict

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


# The verdict actions' names, in the order the report's page offers them.
VERDICT_ACTIONS = ("not_malware", "quarantine", "remove")


SHORT_STATUS = {
    Verdict.OPEN: _("open"),
    Verdict.NOT_MALWARE: _("not malware"),
    Verdict.QUARANTINED: _("quarantined"),
    Verdict.REMOVED: _("removed"),
}


class StatusFilter(admin.SimpleListFilter):
    """Open reports, or those closed with a given verdict (``Verdict.OPEN`` is the empty
    string, which the admin's own choices filter cannot select)."""

    title = _("verdict")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("open", _("Open")), *[(v.value, v.label) for v in Verdict if v != Verdict.OPEN]]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if value == "open":
            return queryset.filter(verdict=Verdict.OPEN)
        if value in Verdict.values:
            return queryset.filter(verdict=value)
        return None


class ReporterFilter(admin.SimpleListFilter):
    title = _("reporter")
    parameter_name = "observer"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Observers")), ("no", _("Other users"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() in ("yes", "no"):
            return queryset.filter(by_observer=self.value() == "yes")
        return None


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin admits only signed-in staff
    return request.user


def _verdict_action(
    verdict: Verdict, name: str, title: StrOrPromise
) -> Callable[..., HttpResponse | None]:
    """An admin action that asks for a note, then gives ``verdict`` on each selected report.

    A verdict may close other reports of the same project; those selected too are then
    skipped rather than refused as "already judged".
    """

    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[MalwareReport]
    ) -> HttpResponse | None:
        form = NoteForm(request.POST if "apply" in request.POST else None)
        form.fields["note"].label = _("Note (why; kept with the report, not sent to reporters)")
        if not form.is_valid():
            return note_page(modeladmin, request, queryset, form, title)
        actor = actor_of(request)
        note = form.cleaned_data["note"]
        log = gettext("Verdict: %(verdict)s.") % {"verdict": verdict.label}
        if note:
            log = gettext("%(done)s Note: %(note)s") % {"done": log, "note": note}
        closed: set[int] = set()
        for report in queryset.order_by("created"):
            if report.pk in closed:
                continue
            try:
                judged = reports.give_verdict(report, verdict, actor=actor, note=note)
            except Refused as refused:
                modeladmin.message_user(request, f"{report}: {refused.message}", messages.ERROR)
                continue
            for each in judged:
                closed.add(each.pk)
                modeladmin.log_change(request, each, log)
        if closed:
            modeladmin.message_user(
                request,
                ngettext("%(count)d report closed.", "%(count)d reports closed.", len(closed))
                % {"count": len(closed)},
                messages.SUCCESS,
            )
        return None

    action.__name__ = name
    return admin.action(description=title, permissions=["change"])(action)


@admin.register(MalwareReport)
class MalwareReportAdmin(admin.ModelAdmin):
    list_display = ("created", "project_name", "kind", "reporter", "observer", "status")
    list_display_links = ("created", "project_name")
    list_filter = (StatusFilter, "kind", ReporterFilter)
    search_fields = ("project_name", "reporter__username")
    ordering = ("-created",)
    date_hierarchy = "created"
    list_select_related = ("reporter", "verdict_by")
    fields = (
        "project_link",
        "project_name",
        "reporter",
        "reporter_was_observer",
        "kind",
        "created",
        "summary",
        "evidence_text",
        "payload_text",
        "verdict",
        "verdict_note",
        "verdict_by",
        "verdict_at",
    )
    readonly_fields = fields
    change_form_template = "moderation/admin/report_change_form.html"
    actions = [
        _verdict_action(Verdict.NOT_MALWARE, "not_malware", _("Not malware")),
        _verdict_action(Verdict.QUARANTINED, "quarantine", _("Quarantine the project")),
        _verdict_action(Verdict.REMOVED, "remove", _("Remove the project and prohibit its name")),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from the report form and the observers' API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A report's page is read-only; the change permission gates the verdict actions.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reports are the record of what was reported and decided

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        report = self.get_object(request, object_id)
        verdicts = [
            (name, action[2])
            for name, action in self.get_actions(request).items()
            if action is not None and name in VERDICT_ACTIONS
        ]
        extra = {
            **(extra_context or {}),
            "can_judge": report is not None and report.verdict == Verdict.OPEN and bool(verdicts),
            "verdict_actions": verdicts,
        }
        return super().change_view(request, object_id, form_url, extra)

    @admin.display(description=_("observer"), ordering="by_observer")
    def observer(self, report: MalwareReport) -> str:
        # Words, not the admin's red cross: most reporters are not observers, and that is fine.
        return gettext("observer") if report.by_observer else ""

    @admin.display(description=_("by observer"))
    def reporter_was_observer(self, report: MalwareReport) -> str:
        if report.by_observer:
            return gettext("Yes: the reporter was a trusted observer when reporting.")
        return gettext("No")

    @admin.display(description=_("status"), ordering="verdict")
    def status(self, report: MalwareReport) -> str:
        # Short words: the list is narrow, and the report's page says it in full.
        return str(SHORT_STATUS[Verdict(report.verdict)])

    @admin.display(description=_("project"))
    def project_link(self, report: MalwareReport) -> str:
        if report.project_id is None:
            return gettext("(removed)")
        url = reverse("admin:packages_project_change", args=[report.project_id])
        return format_html('<a href="{}">{}</a>', url, report.project_name)

    @admin.display(description=_("evidence"))
    def evidence_text(self, report: MalwareReport) -> str:
        return format_html("<pre>{}</pre>", report.evidence) if report.evidence else "-"

    @admin.display(description=_("payload"))
    def payload_text(self, report: MalwareReport) -> str:
        if not report.payload:
            return "-"
        return format_html("<pre>{}</pre>", json.dumps(report.payload, indent=2, sort_keys=True))


@admin.register(Observer)
class ObserverAdmin(admin.ModelAdmin):
    """Trusted observers: added with a comment, removed with a reason (kept in the log)."""

    list_display = ("user", "created", "added_by", "comment")
    search_fields = ("user__username", "comment")
    autocomplete_fields = ("user",)
    fields = ("user", "comment", "created", "added_by")
    readonly_fields = ("created", "added_by")
    actions = ["remove_observers"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Another user is another observer: add one rather than moving this one.
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # ``remove_observers`` asks why first
        return actions

    def save_model(self, request: HttpRequest, obj: Observer, form: Any, change: bool) -> None:
        if not change:
            obj.added_by = _staff(request)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Remove the selected observers"), permissions=["delete"])
    def remove_observers(
        self, request: HttpRequest, queryset: QuerySet[Observer]
    ) -> HttpResponse | None:
        title = _("Remove the selected observers")
        form = NoteForm(request.POST if "apply" in request.POST else None)
        form.fields["note"].label = _("Why (kept in the admin's log)")
        if not form.is_valid():
            return note_page(self, request, queryset, form, title)
        removed = list(queryset.select_related("user"))
        # The reason goes into the log's message, which a plain deletion leaves empty.
        LogEntry.objects.log_actions(
            user_id=_staff(request).pk,
            queryset=removed,
            action_flag=DELETION,
            change_message=gettext("Observer removed: {note}").format(
                note=form.cleaned_data["note"]
            ),
        )
        queryset.filter(pk__in=[o.pk for o in removed]).delete()
        self.message_user(
            request,
            ngettext("%(count)d observer removed.", "%(count)d observers removed.", len(removed))
            % {"count": len(removed)},
            messages.SUCCESS,
        )
        return None
