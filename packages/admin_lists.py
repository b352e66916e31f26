"""The admin lists' filters and the project form's size limits (in MiB and GiB).

Kept apart from ``packages/admin.py`` (the model admins and their actions); only the admin
uses them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import LifecycleStatus, Project, RoleName

MIB = 1024**2
GIB = 1024**3

ARCHIVED = [LifecycleStatus.ARCHIVED, LifecycleStatus.ARCHIVED_NOINDEX]

# Project states as the Simple API names them (PEP 792): quarantine left counts as active.
PROJECT_STATES: dict[str, tuple[Any, Q]] = {
    "active": (
        _("active"),
        Q(lifecycle_status__in=[LifecycleStatus.ACTIVE, LifecycleStatus.QUARANTINE_EXIT]),
    ),
    "quarantined": (_("quarantined"), Q(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)),
    "archived": (_("archived"), Q(lifecycle_status__in=ARCHIVED)),
}

_ROLE_WORDS = [f"{verb} {role}" for verb in ("add", "remove") for role in RoleName.values]
_INVITATION_WORDS = ["invite ", "decline_invite ", "revoke_invite "]


def _starts_with_any(prefixes: list[str]) -> Q:
    condition = Q()
    for prefix in prefixes:
        condition |= Q(action__startswith=prefix)
    return condition


# Journal entries by the kind of change, told from the first words of their action (the
# public index's words, see packages/services/journal.py).
JOURNAL_KINDS: dict[str, tuple[Any, Q]] = {
    "create": (_("project created"), Q(action="create")),
    "release": (_("release published"), Q(action__startswith="new release")),
    "file": (_("file uploaded"), Q(action__startswith="add ", action__contains=" file ")),
    "yank": (_("yank or un-yank"), Q(action__in=["yank release", "unyank release"])),
    "role": (
        _("collaborators and invitations"),
        _starts_with_any([*_ROLE_WORDS, "change ", *_INVITATION_WORDS]),
    ),
    "lifecycle": (_("quarantine or archive"), Q(action__startswith="project ")),
    "removal": (
        _("removal"),
        _starts_with_any(["remove file ", "remove release", "remove project"]),
    ),
}


class ChoiceFilter(admin.SimpleListFilter):
    """A filter whose choices are a ``{value: (label, condition)}`` table."""

    table: dict[str, tuple[Any, Q]] = {}

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [(value, label) for value, (label, _condition) in self.table.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        chosen = self.table.get(self.value() or "")
        return queryset.filter(chosen[1]) if chosen else queryset


class ProjectStateFilter(ChoiceFilter):
    title = _("status")
    parameter_name = "status"
    table = PROJECT_STATES


class JournalKindFilter(ChoiceFilter):
    title = _("kind of change")
    parameter_name = "kind"
    table = JOURNAL_KINDS


def _in_units(value: int | None, unit: int) -> int | None:
    return None if value is None else round(value / unit)


class ProjectForm(forms.ModelForm):
    """A project's size limits in MiB and GiB (empty: the site's default). Only a limit the
    staff member changed is checked and handed over; the other keeps its stored bytes."""

    upload_limit_mib = forms.IntegerField(label=_("File size limit (MiB)"), required=False)
    total_size_limit_gib = forms.IntegerField(
        label=_("Total size limit (GiB)"), required=False, max_value=1024**2
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = self.upload_range()
        self.fields["upload_limit_mib"].help_text = gettext(
            "From %(low)s to %(high)s MiB. Empty: the site's default, %(low)s MiB."
        ) % {"low": low, "high": high}
        self.fields["total_size_limit_gib"].help_text = gettext(
            "At least %(low)s GiB. Empty: the site's default, %(low)s GiB."
        ) % {"low": self.total_minimum()}
        self.initial["upload_limit_mib"] = _in_units(self.instance.upload_limit, MIB)
        self.initial["total_size_limit_gib"] = _in_units(self.instance.total_size_limit, GIB)

    @staticmethod
    def upload_range() -> tuple[int, int]:
        return -(-settings.UPLOAD_MAX_FILE_SIZE // MIB), settings.UPLOAD_LIMIT_CAP // MIB

    @staticmethod
    def total_minimum() -> int:
        return -(-settings.UPLOAD_MAX_PROJECT_SIZE // GIB)

    def clean_upload_limit_mib(self) -> int | None:
        value = self.cleaned_data["upload_limit_mib"]
        low, high = self.upload_range()
        if "upload_limit_mib" in self.changed_data and value is not None:
            if not low <= value <= high:
                raise forms.ValidationError(
                    _(
                        "Enter a file size limit from %(low)s to %(high)s MiB, or leave the "
                        "field empty for the site's default."
                    ),
                    code="out_of_range",
                    params={"low": low, "high": high},
                )
        return value

    def clean_total_size_limit_gib(self) -> int | None:
        value = self.cleaned_data["total_size_limit_gib"]
        low = self.total_minimum()
        if "total_size_limit_gib" in self.changed_data and value is not None and value < low:
            raise forms.ValidationError(
                _(
                    "Enter a total size limit of at least %(low)s GiB, or leave the field "
                    "empty for the site's default."
                ),
                code="out_of_range",
                params={"low": low},
            )
        return value

    @property
    def limits_changed(self) -> bool:
        return bool({"upload_limit_mib", "total_size_limit_gib"} & set(self.changed_data))

    def limits(self) -> tuple[int | None, int | None]:
        """The limits in bytes: the new one for a field that changed, else the stored one."""
        project, data, changed = self.instance, self.cleaned_data, self.changed_data
        upload, total = project.upload_limit, project.total_size_limit
        if "upload_limit_mib" in changed:
            upload = None if data["upload_limit_mib"] is None else data["upload_limit_mib"] * MIB
        if "total_size_limit_gib" in changed:
            gib = data["total_size_limit_gib"]
            total = None if gib is None else gib * GIB
        return upload, total
