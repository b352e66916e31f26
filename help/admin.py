"""Staff edit the Help page here: sections with their questions inline, or questions alone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import HelpQuestion, HelpSection
from .rendering import PLACEHOLDER_NAMES


def _answer_help() -> str:
    names = ", ".join(f"{{{name}}}" for name in PLACEHOLDER_NAMES)
    return str(
        _(
            "Markdown (CommonMark). Link to another question with [text](#anchor). These "
            "placeholders are filled in on the page: {names}. A seeded text you change is shown "
            "as you wrote it, in every language."
        )
    ).format(names=names)


def _preview(obj: HelpSection | HelpQuestion) -> str:
    if obj.pk is None:
        return "—"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        obj.get_absolute_url(),
        _("View on the Help page"),
    )


class _AnswerHelpMixin:
    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if db_field.name == "answer" and field is not None:
            field.help_text = _answer_help()
            field.widget.attrs["rows"] = 12
        return field


class HelpQuestionInline(_AnswerHelpMixin, admin.StackedInline):
    model = HelpQuestion
    extra = 0
    fields = ("order", "anchor", "question", "answer", "preview")
    readonly_fields = ("preview",)
    ordering = ("order", "pk")
    show_change_link = True

    @admin.display(description=_("preview"))
    def preview(self, obj: HelpQuestion) -> str:
        return _preview(obj)


@admin.register(HelpSection)
class HelpSectionAdmin(admin.ModelAdmin):
    list_display = ("title", "anchor", "order", "question_count", "preview")
    list_editable = ("order",)
    search_fields = ("title", "anchor", "questions__question", "questions__answer")
    readonly_fields = ("updated", "preview")
    fields = ("title", "anchor", "order", "updated", "preview")
    inlines = (HelpQuestionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[HelpSection]:
        return (
            super().get_queryset(request).annotate(question_total=Count("questions", distinct=True))
        )

    def view_on_site(self, obj: Model) -> str:
        # The page's own address: Django's default would go through the Sites framework.
        assert isinstance(obj, HelpSection)
        return obj.get_absolute_url()

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, obj: HelpSection) -> int:
        return getattr(obj, "question_total", 0)

    @admin.display(description=_("preview"))
    def preview(self, obj: HelpSection) -> str:
        return _preview(obj)


@admin.register(HelpQuestion)
class HelpQuestionAdmin(_AnswerHelpMixin, admin.ModelAdmin):
    list_display = ("question", "anchor", "section", "order", "updated", "preview")
    list_filter = ("section",)
    list_select_related = ("section",)
    search_fields = ("question", "answer", "anchor")
    ordering = ("section__order", "order", "pk")
    readonly_fields = ("updated", "preview")
    fields = ("section", "question", "anchor", "order", "answer", "updated", "preview")

    def view_on_site(self, obj: Model) -> str:
        assert isinstance(obj, HelpQuestion)
        return obj.get_absolute_url()

    @admin.display(description=_("preview"))
    def preview(self, obj: HelpQuestion) -> str:
        return _preview(obj)
