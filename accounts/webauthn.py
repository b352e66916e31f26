"""Security keys through django-otp-webauthn, wired into this site's flows.

- Registration names the key from the setup form (kept in the session), needs a recent
  password confirmation, and records the event and mail.
- Authentication serves the second step of a pending login (the user is not logged in yet)
  and then finishes it through the allauth stage; passwordless login stays off.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext as _
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper as BaseHelper
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from . import stages, sudo, two_factor

PENDING_NAME_KEY = "accounts.webauthn_pending_name"


class WebAuthnHelper(BaseHelper):
    def create_credential(self, user: Any, *args: Any, **kwargs: Any) -> Any:
        device = super().create_credential(user, *args, **kwargs)
        device.name = self.request.session.pop(PENDING_NAME_KEY, "") or "Security key"
        return device

    def register_complete(self, user: Any, state: dict, data: dict) -> Any:
        device = super().register_complete(user, state, data)
        two_factor.security_key_added(device, request=self.request)
        # Shown on the page the browser goes to next (static/js/security-key-done.js).
        messages.success(self.request, _("Security key “%(name)s” added.") % {"name": device.name})
        return device


class PasswordNotConfirmed(exceptions.OTPWebAuthnApiError):
    status_code = 403
    code = "password_not_confirmed"
    default_detail = "Confirm your password again before adding a security key."


class _Registration:
    request: HttpRequest  # set by the view it is mixed into

    def check_can_register(self) -> None:
        if not sudo.recently_confirmed(self.request):
            raise PasswordNotConfirmed()
        if PENDING_NAME_KEY not in self.request.session:
            raise exceptions.InvalidState()


class BeginRegistration(_Registration, BeginCredentialRegistrationView):
    pass


class CompleteRegistration(_Registration, CompleteCredentialRegistrationView):
    pass


class _PendingLogin:
    """The user is the one whose login waits for its second factor (or the signed-in user)."""

    request: HttpRequest  # set by the view it is mixed into
    stage = None

    def get_user(self) -> Any:
        if self.request.user.is_authenticated:
            return self.request.user
        self.stage = stages.pending(self.request)
        return self.stage.login.user if self.stage else None


class BeginAuthentication(_PendingLogin, BeginCredentialAuthenticationView):
    pass


class CompleteAuthentication(_PendingLogin, CompleteCredentialAuthenticationView):
    _response = None

    def complete_auth(self, device: Any) -> None:
        if self.stage is None:
            super().complete_auth(device)
            return
        self._response = stages.complete(self.stage, device)

    def get_success_url(self) -> str:
        if self._response is not None:
            return self._response["Location"]
        return super().get_success_url()


# The bundled JavaScript reverses these names in the "otp_webauthn" namespace.
app_name = "otp_webauthn"
urlpatterns = [
    path("registration/begin/", BeginRegistration.as_view(), name="credential-registration-begin"),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
