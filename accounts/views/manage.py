"""``/manage/account/``: profile, e-mail addresses, two-factor status, security history and
account deletion."""

from __future__ import annotations

from allauth.account import views as allauth_views
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from .. import readiness, services, two_factor
from ..forms.account import DeleteAccountForm, ProfileForm
from ..http import AuthenticatedHttpRequest
from ..sudo import sudo_required

HISTORY_PAGE_SIZE = 50


@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your name has been saved."))
        return redirect("accounts:manage")
    return render(
        request,
        "accounts/manage/overview.html",
        {
            "form": form,
            "emails": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
            "has_verified_primary": readiness.has_verified_primary_email(user),
            "has_two_factor": readiness.has_two_factor(user),
            "method_count": two_factor.method_count(user),
            "token_count": user.api_tokens.count(),
            "events": user.events.all()[:10],
        },
    )


# allauth's page for adding, removing, verifying and choosing the primary address. Where the
# account's mail and password resets go is sensitive: it needs a recent password too.
emails = sudo_required(allauth_views.email)


@login_required
def security_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(request.user.events.all(), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/manage/history.html", {"page": page})


@login_required
@sudo_required
@sensitive_post_parameters("password")
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(request.user, request=request)
        except services.SoleOwner as refused:
            form.add_error(
                None,
                _(
                    "Cannot delete account with active project ownerships: you are the only Owner "
                    "of {projects}. Add another Owner or delete the projects first."
                ).format(projects=", ".join(p.name for p in refused.projects)),
            )
        else:
            logout(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect("/")
    return render(
        request, "accounts/manage/delete.html", {"form": form}, status=400 if form.errors else 200
    )
