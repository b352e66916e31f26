"""``/account/recovery/``: the page the account recovery mail links to (``accounts.recovery``).

Opening the link changes nothing (mail scanners fetch links); the new password is posted with
the token. Someone logged in as another account is asked to log out first.
"""

from __future__ import annotations

from allauth.account.forms import SetPasswordForm
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .. import recovery

TEMPLATE = "account/recovery.html"


@never_cache
@login_not_required
@sensitive_post_parameters("token", "password1", "password2")
def recover(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token") or request.GET.get("token") or ""
    try:
        user = recovery.check(token).user
    except recovery.InvalidLink as invalid:
        return render(request, TEMPLATE, {"error": str(invalid)}, status=400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        error = _(
            "You are logged in as another account. Log out, then open the link from the email "
            "again."
        )
        return render(request, TEMPLATE, {"error": error, "logged_in": True}, status=403)
    form = SetPasswordForm(user=user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.complete(token, password=form.cleaned_data["password1"], request=request)
        except recovery.InvalidLink as invalid:
            return render(request, TEMPLATE, {"error": str(invalid)}, status=400)
        if request.user.is_authenticated:
            logout(request)
        messages.success(
            request,
            _(
                "Your account is recovered: your new password is set and your second factors "
                "are removed. Log in, then set up two-factor authentication again."
            ),
        )
        return redirect("account_login")
    return render(
        request,
        TEMPLATE,
        {"form": form, "token": token, "account": user},
        status=400 if form.errors else 200,
    )
