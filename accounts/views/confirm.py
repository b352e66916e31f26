"""Re-confirming the password before a sensitive action."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from .. import events, ratelimit, sudo
from ..events import EventTag
from ..forms.account import ConfirmPasswordForm
from ..http import AuthenticatedHttpRequest

CONFIRM_LIMITS = [(10, 300)]


@login_required
@sensitive_post_parameters("password")
def confirm_password(request: AuthenticatedHttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or settings.LOGIN_REDIRECT_URL
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = settings.LOGIN_REDIRECT_URL
    form = ConfirmPasswordForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if ratelimit.exceeded("confirm", str(request.user.pk), CONFIRM_LIMITS):
            form.add_error(None, _("Too many attempts. Try again later."))
        elif form.is_valid():
            sudo.confirmed_now(request)
            return redirect(next_url)
        else:
            ratelimit.hit("confirm", str(request.user.pk), CONFIRM_LIMITS)
            events.record(request.user, EventTag.REAUTHENTICATE_FAILURE, request=request)
    return render(
        request,
        "accounts/confirm_password.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )
