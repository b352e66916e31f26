from __future__ import annotations

from typing import Any

from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.models import EmailAddress
from django import forms
from django.core.validators import validate_email
from django.http import HttpRequest
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


class ResetPasswordForm(AllauthResetPasswordForm):
    """A password reset asked for by username or by e-mail address.

    The answer is the same whether or not an account matches: this form never says whether an
    address or a username is registered (registration does, ``ACCOUNT_PREVENT_ENUMERATION``
    is off: see docs/operations.md). For a username the link goes to the account's primary
    address, which also keys the daily limit, so both ways of naming an account share it.
    """

    email = forms.CharField(
        label=_("Username or email address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )

    def clean_email(self) -> str:
        entered = self.cleaned_data["email"].strip()
        if "@" in entered:
            validate_email(entered)
            # Not the adapter's clean_email: it refuses addresses at prohibited mail domains,
            # which must not keep the accounts that already have one from resetting.
            email = entered.lower()
            # allauth's own form would say "unknown address" here (enumeration prevention off).
            self.users = filter_users_by_email(
                email, is_active=True, prefer_verified=True, for_login=True
            )
            return entered
        address = (
            EmailAddress.objects.filter(
                user__username__iexact=entered, user__is_active=True, primary=True
            )
            .select_related("user")
            .first()
        )
        self.users = [address.user] if address else []
        return address.email if address else entered.lower()

    def save(self, request: HttpRequest, **kwargs: Any) -> str:
        if not self.users and "@" not in self.cleaned_data["email"]:
            return self.cleaned_data["email"]  # an unknown username: nowhere to write to
        return super().save(request, **kwargs)
