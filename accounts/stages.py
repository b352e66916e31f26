"""The second step of a login, as an allauth login stage.

While the stage is pending the user is not logged in; its views verify a second factor, store
the device in the session (django-otp's ``is_verified()``) and let allauth finish the login.
"""

from __future__ import annotations

from allauth.account.stages import LoginStage, LoginStageController
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from . import login_confirmation, readiness, two_factor
from .models import AuthenticatorApp

STAGE_KEY = "two_factor"


class TwoFactorStage(LoginStage):
    key = STAGE_KEY
    urlname = "accounts:two-factor"

    def handle(self) -> tuple[HttpResponse | None, bool]:
        user = self.login.user
        if user is None or not readiness.has_two_factor(user):
            return None, True
        return HttpResponseRedirect(reverse(self.urlname)), True


def pending(request: HttpRequest) -> TwoFactorStage | None:
    """The login waiting for its second factor in this session, if any."""
    return LoginStageController.enter(request, STAGE_KEY)


def complete(stage: TwoFactorStage, device: Device) -> HttpResponse:
    """The second factor checked out: mark the session verified and finish logging in, unless
    the login comes from an address the account must first confirm from its mail."""
    request, user = stage.request, stage.login.user
    if login_confirmation.must_wait(user, request, device):
        return HttpResponseRedirect(reverse("accounts:confirm-login"))
    login_confirmation.remember(user, request)
    if isinstance(device, AuthenticatorApp):
        two_factor.app_code_used(user)
    request.session.pop(login_confirmation.SESSION_DEVICE_KEY, None)
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    return stage.exit()
