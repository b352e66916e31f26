from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import User
from .signup import no_urls


class ProfileForm(forms.ModelForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False, validators=[no_urls])

    class Meta:
        model = User
        fields = ["name"]


class ConfirmPasswordForm(forms.Form):
    """The account's password, checked: for re-confirmation and destructive actions."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="invalid_password")
        return password


class DeleteAccountForm(ConfirmPasswordForm):
    confirm_username = forms.CharField(label=_("Type your username to confirm"))

    field_order = ["confirm_username", "password"]

    def clean_confirm_username(self) -> str:
        value = self.cleaned_data["confirm_username"]
        if value != self.user.username:
            raise forms.ValidationError(
                _("Could not delete the account: '{value}' is not your username.").format(
                    value=value
                ),
                code="mismatch",
            )
        return value
