from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AuthenticatorApp

OUT_OF_SYNC = _(
    "Invalid code: your device's clock seems to be out of sync. Check that its time is "
    "set automatically, then try again (see the Help page, TOTP trouble)."
)


class TOTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        help_text=_("The 6-digit code your authentication application shows now."),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("The code is 6 digits."), code="invalid")
        return code

    def reject(self, app: AuthenticatorApp) -> None:
        """Refuse the code ``app`` did not accept, saying so when it is a code of that app for
        a clock far from ours."""
        code = self.cleaned_data["code"]
        self.add_error("code", OUT_OF_SYNC if app.is_out_of_sync(code) else _("Invalid TOTP code."))


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Recovery code"),
        help_text=_("One of the 16-character codes you saved; each works once."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class SecurityKeyNameForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the security key"),
        help_text=_("To tell your keys apart, e.g. “blue USB key”."),
        max_length=64,
    )
