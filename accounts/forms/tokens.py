from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import ports
from ..models import ApiToken, User

USER_SCOPE = "scope:user"
PROJECT_SCOPE_PREFIX = "scope:project:"
EXPIRY_CHOICES = [
    ("", _("No expiry")),
    ("1", _("1 day")),
    ("7", _("7 days")),
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
]
UPLOAD_ONLY = "upload"
UPLOAD_AND_MANAGE = "manage"
PERMISSION_CHOICES = [
    (UPLOAD_ONLY, _("Upload only")),
    (UPLOAD_AND_MANAGE, _("Upload and manage (yank, delete, collaborators through the API)")),
]


class TokenForm(forms.Form):
    description = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What is this token for? For example, “CI for my-project”."),
        error_messages={"required": _("Specify a token name")},
    )
    token_scope = forms.ChoiceField(label=_("Scope"))
    expires_in_days = forms.ChoiceField(label=_("Expiry"), choices=EXPIRY_CHOICES, required=False)
    # Not required: a form sent without it (an older page, a script) makes an upload-only token.
    permissions = forms.ChoiceField(
        label=_("Permissions"),
        choices=PERMISSION_CHOICES,
        initial=UPLOAD_ONLY,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "An upload-only token can publish new files and nothing else. "
            "An “upload and manage” token can also yank, un-yank and delete releases and files "
            "and manage collaborators through the project management API, as far as your role "
            "on the project allows: give it only to automation that needs it."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.projects = {p.normalized_name: p for p in ports.projects_of(user)}
        scope_field = cast(forms.ChoiceField, self.fields["token_scope"])  # declared above
        scope_field.choices = [
            (USER_SCOPE, _("Entire account (all projects)")),
            *(
                (PROJECT_SCOPE_PREFIX + n, _("Project: {name}").format(name=p.name))
                for n, p in self.projects.items()
            ),
        ]

    def clean_description(self) -> str:
        description = self.cleaned_data["description"]
        if ApiToken.objects.filter(user=self.user, description=description).exists():
            raise forms.ValidationError(_("API token name already in use"), code="duplicate")
        return description

    @property
    def scoped_projects(self) -> list[Any]:
        scope = self.cleaned_data["token_scope"]
        if scope == USER_SCOPE:
            return []
        return [self.projects[scope.removeprefix(PROJECT_SCOPE_PREFIX)]]

    @property
    def can_manage(self) -> bool:
        return self.cleaned_data.get("permissions") == UPLOAD_AND_MANAGE

    @property
    def expires_in(self) -> timedelta | None:
        days = self.cleaned_data.get("expires_in_days")
        return timedelta(days=int(days)) if days else None
