"""Registration, the second step of logging in, confirming a login from a new address, and
asking for a password reset."""

from __future__ import annotations

from allauth.account.views import PasswordResetView as AllauthPasswordResetView
from allauth.account.views import SignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.models import Device

from .. import events, login_confirmation, ratelimit, stages, two_factor
from ..events import EventTag
from ..forms.account import ResetPasswordForm
from ..forms.two_factor import RecoveryCodeForm, TOTPCodeForm
from ..models import RecoveryCodes, User


class RegisterView(SignupView):
    def form_valid(self, form):
        if form.is_bot:  # the honeypot was filled in: no account, nothing said
            return redirect("/")
        return super().form_valid(form)


class PasswordResetView(AllauthPasswordResetView):
    """``/account/reset-password/``: by username or e-mail address."""

    form_class = ResetPasswordForm


def _throttled(request: HttpRequest, user: User) -> bool:
    return ratelimit.second_factor_locked(request, user)


def _failed(request: HttpRequest, user: User, method: str) -> None:
    ratelimit.second_factor_failed(request, user)
    events.record(user, EventTag.LOGIN_FAILURE, request=request, reason=method)


TOO_MANY = _("There have been too many unsuccessful attempts. Try again later.")


@never_cache
@login_not_required
@sensitive_post_parameters("code")
def second_factor(request: HttpRequest) -> HttpResponse:
    """The code of the authentication app (the page also offers the security keys)."""
    stage = stages.pending(request)
    if stage is None:
        return redirect("account_login")
    user = stage.login.user
    app = two_factor.confirmed_app(user)
    form = TOTPCodeForm(request.POST or None)
    if request.method == "POST" and app is not None and form.is_valid():
        code = form.cleaned_data["code"]
        if _throttled(request, user):
            form.add_error(None, TOO_MANY)
        elif app.verify_token(code):
            return stages.complete(stage, app)
        else:
            _failed(request, user, "totp")
            form.reject(app)
    return render(
        request,
        "accounts/login/two_factor.html",
        {
            "form": form,
            "has_app": app is not None,
            "has_keys": two_factor.method_count(user) > (app is not None),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_not_required
@sensitive_post_parameters("code")
def recovery_code(request: HttpRequest) -> HttpResponse:
    """Log in with one of the account's one-time recovery codes."""
    stage = stages.pending(request)
    if stage is None:
        return redirect("account_login")
    user = stage.login.user
    device = RecoveryCodes.objects.filter(user=user).first()
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _throttled(request, user):
            form.add_error(None, TOO_MANY)
        elif device is not None and device.verify_token(form.cleaned_data["code"]):
            two_factor.recovery_code_used(device, request=request)
            return stages.complete(stage, device)
        else:
            _failed(request, user, "recovery_code")
            form.add_error("code", _("Invalid recovery code."))
    return render(
        request,
        "accounts/login/recovery_code.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@login_not_required
def confirm_login(request: HttpRequest) -> HttpResponse:
    """``/account/confirm-login/``: "check your mail" while a login waits for its link; with
    ``?token=`` (the mailed link) a button confirms the address, so that a mail scanner
    fetching the link confirms nothing."""
    token = request.POST.get("token") or request.GET.get("token") or ""
    error = None
    if request.method == "POST":
        try:
            user = login_confirmation.confirm(request, token)
        except login_confirmation.InvalidConfirmation as invalid:
            error = str(invalid)
        else:
            return _finish_confirmed_login(request, user)
    return render(
        request,
        "accounts/login/confirm_login.html",
        {"token": token, "error": error},
        status=400 if error else 200,
    )


def _finish_confirmed_login(request: HttpRequest, user: User) -> HttpResponse:
    """The login waiting in this browser goes on; elsewhere the person logs in again."""
    stage = stages.pending(request)
    device_id = request.session.get(login_confirmation.SESSION_DEVICE_KEY)
    device = Device.from_persistent_id(device_id) if device_id else None
    if stage is not None and stage.login.user == user and device is not None:
        return stages.complete(stage, device)
    messages.success(request, _("This device is confirmed: log in again to continue."))
    return redirect("account_login")
