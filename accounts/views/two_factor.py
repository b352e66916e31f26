"""``/manage/account/two-factor/``: authentication app, security keys and recovery codes.

These pages stay open to accounts without 2FA (they are where it is set up); changing a
method needs a recent password confirmation.
"""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp_webauthn.models import WebAuthnCredential

from .. import readiness, two_factor
from ..forms.two_factor import SecurityKeyNameForm, TOTPCodeForm
from ..http import AuthenticatedHttpRequest
from ..models import AuthenticatorApp, RecoveryCodes
from ..sudo import sudo_required
from ..webauthn import PENDING_NAME_KEY


@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    recovery = RecoveryCodes.objects.filter(user=user).first()
    return render(
        request,
        "accounts/two_factor/overview.html",
        {
            "app": two_factor.confirmed_app(user),
            "keys": WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by(
                "created_at"
            ),
            "recovery": recovery,
            "recovery_remaining": recovery.remaining() if recovery else 0,
            "method_count": two_factor.method_count(user),
            "has_two_factor": readiness.has_two_factor(user),
        },
    )


def _qr_svg(uri: str) -> str:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer,
        kind="svg",
        scale=5,
        xmldecl=False,
        svgns=True,
        title=_("QR code for your authentication application"),
    )
    return buffer.getvalue().decode()


@never_cache
@login_required
@sudo_required
def totp_provision(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the secret (QR code and text) and confirm it with a first code."""
    if two_factor.confirmed_app(request.user) is not None:
        messages.info(request, _("Your account already has an authentication application."))
        return redirect("accounts:two-factor-manage")
    device = two_factor.pending_app(request.user)
    form = TOTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if two_factor.confirm_app(device, code, request=request):
            messages.success(request, _("Authentication application added."))
            return redirect("accounts:two-factor-manage")
        form.reject(device)
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "accounts/two_factor/totp_provision.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
        status=400 if form.errors else 200,
    )


def _remove(request: HttpRequest, device: AuthenticatorApp | WebAuthnCredential) -> HttpResponse:
    try:
        two_factor.remove_method(device, request=request)
    except two_factor.LastMethod:
        messages.error(
            request,
            _(
                "Cannot remove last 2FA method: add another authentication application or "
                "security key first."
            ),
        )
    else:
        messages.success(request, _("Two-factor method removed."))
    return redirect("accounts:two-factor-manage")


@require_POST
@login_required
@sudo_required
def totp_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    device = two_factor.confirmed_app(request.user)
    if device is None:
        raise Http404()
    return _remove(request, device)


@never_cache
@login_required
@sudo_required
def webauthn_provision(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Name the key (no JavaScript needed), then register it with the browser."""
    form = SecurityKeyNameForm(request.POST or None)
    name = request.session.get(PENDING_NAME_KEY)
    if request.method == "POST" and form.is_valid():
        name = request.session[PENDING_NAME_KEY] = form.cleaned_data["name"]
    return render(
        request,
        "accounts/two_factor/webauthn_provision.html",
        {"form": form, "pending_name": name},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
@sudo_required
def webauthn_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _remove(request, get_object_or_404(WebAuthnCredential, pk=pk, user=request.user))


@never_cache
@login_required
@sudo_required
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Generate (or regenerate) the codes; they are shown on this response only."""
    if not readiness.has_two_factor(request.user):
        messages.error(request, _("Add an authentication application or a security key first."))
        return redirect("accounts:two-factor-manage")
    codes = None
    if request.method == "POST":
        codes = two_factor.generate_recovery_codes(request.user, request=request)
    device = RecoveryCodes.objects.filter(user=request.user).first()
    return render(
        request,
        "accounts/two_factor/recovery_codes.html",
        {
            "codes": codes,
            "device": device,
            "remaining": device.remaining() if device else 0,
        },
    )
