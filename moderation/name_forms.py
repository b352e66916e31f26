"""The forms of the admin's name pages: prohibiting one project name (asking what becomes of
a project that has it), adding prohibitions in bulk, releasing a name to a user."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import USERNAME_MAX_LENGTH, User
from packages.models import Project
from packages.names import is_valid_project_name, normalize_name
from packages.services import projects as project_services
from packages.services.refusals import Refused

from .models import ProhibitedProjectName


class BulkAddForm(forms.Form):
    lines = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text=_("One per line; blank lines are skipped."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why: kept with every entry added."),
    )


class BulkProjectNamesForm(BulkAddForm):
    remove_projects = forms.BooleanField(
        label=_("Also remove the existing projects of these names"),
        required=False,
        help_text=_(
            "Their releases and files are deleted, and their filenames can never be uploaded "
            "again. Unticked, existing projects stay: only new projects are refused the names."
        ),
    )


class ProhibitProjectNameForm(forms.ModelForm):
    """One name; when a project has it, staff must say whether to remove the project."""

    existing_project = forms.ChoiceField(
        label=_("If a project has this name"),
        choices=[
            ("keep", _("Keep the project: only new projects are refused the name")),
            ("remove", _("Remove the project, its releases and files")),
        ],
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "Needed only when a project has the name. A removed project's filenames can never "
            "be uploaded again."
        ),
    )

    class Meta:
        model = ProhibitedProjectName
        fields = ("name", "comment")
        error_messages = {"name": {"unique": _("This name is already prohibited.")}}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not is_valid_project_name(name):
            raise ValidationError(_("The name '{name}' is invalid.").format(name=name))
        return normalize_name(name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.existing = Project.objects.find_by_name(cleaned["name"]) if "name" in cleaned else None
        choice = cleaned.get("existing_project")
        if self.existing is not None and not choice:
            self.add_error(
                "existing_project",
                _(
                    "A project named '{project}' exists. Choose whether to remove it or to keep it."
                ).format(project=self.existing.name),
            )
        elif self.existing is not None and choice == "remove":
            try:
                project_services.check_deletion_allowed()
            except Refused as refused:
                self.add_error("existing_project", refused.message)
        return cleaned


class ReleaseForm(forms.Form):
    username = forms.CharField(
        label=_("Username of the new Owner"),
        max_length=USERNAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise ValidationError(_("No account is named '{user}'.").format(user=username))
        return user
