"""Who may open account-management pages, and what they must set up first."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import readiness
from .http import AuthenticatedHttpRequest


def two_factor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Management pages need 2FA on the account, a session that passed it, and (to act on
    projects or tokens) a verified primary e-mail."""

    @wraps(view)
    @login_required
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not readiness.has_two_factor(user):
            messages.error(request, _("You must enable two factor authentication."))
            return redirect("accounts:two-factor-manage")
        if not request.user.is_verified():
            return redirect_to_login(request.get_full_path())
        if not readiness.has_verified_primary_email(user):
            messages.error(
                request, _("Verify your primary email address first (see your account settings).")
            )
            return redirect("accounts:manage")
        return view(request, *args, **kwargs)

    return wrapper
