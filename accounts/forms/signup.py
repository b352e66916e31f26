from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import USERNAME_MAX_LENGTH


def no_urls(value: str) -> None:
    if "://" in value or "www." in value.lower():
        raise ValidationError(_("URLs are not allowed in this field."), code="url")


class SignupForm(AllauthSignupForm):
    """Registration: full name, username, e-mail, password twice, and a honeypot field."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        validators=[no_urls],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # Hidden from people (CSS and aria-hidden); bots fill it in, and are then quietly ignored.
    confirm_form = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "tabindex": "-1", "class": "honeypot-input"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].max_length = USERNAME_MAX_LENGTH
        self.fields["username"].help_text = _(
            "Letters, numbers, dots, hyphens and underscores, starting and ending with a letter "
            "or number. It cannot be changed later."
        )
        self.order_fields(["name", "email", "username", "password1", "password2", "confirm_form"])

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("confirm_form"))

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if "@" in username:
            raise ValidationError(
                _(
                    "The username may not contain '@': sign up with your e-mail address in the "
                    "e-mail field."
                ),
                code="invalid",
            )
        return super().clean_username()
