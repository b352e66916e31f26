"""Forms of the project management pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import RoleName

ROLE_CHOICES = [(RoleName.MAINTAINER.value, _("Maintainer")), (RoleName.OWNER.value, _("Owner"))]


class ConfirmForm(forms.Form):
    """A destructive action confirmed by typing what it acts on (a version, a file, a name)."""

    confirm = forms.CharField(max_length=255, strip=True)

    def __init__(self, *args: Any, expected: str, label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.fields["confirm"].label = label

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data["confirm"]
        if value != self.expected:
            raise forms.ValidationError(
                _("Type “%(expected)s” exactly to confirm."),
                code="mismatch",
                params={"expected": self.expected},
            )
        return value


class YankForm(ConfirmForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to people installing the release and on the project page."),
    )

    field_order = ["reason", "confirm"]


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role_name = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, widget=forms.RadioSelect)

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No user found"), code="unknown")
        return user


class ChangeRoleForm(forms.Form):
    role_name = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
