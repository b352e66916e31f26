"""``/manage/account/token/``: create, list and delete API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .. import services
from ..forms.account import ConfirmPasswordForm
from ..forms.tokens import PROJECT_SCOPE_PREFIX, TokenForm
from ..gates import two_factor_required
from ..http import AuthenticatedHttpRequest
from ..models import ApiToken
from ..sudo import sudo_required


@never_cache
@two_factor_required
@sudo_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The list and the creation form; a new token is shown on this response only.

    ``?project=<name>`` (the shortcut on a project's settings page) preselects that project's
    scope.
    """
    initial = {"token_scope": PROJECT_SCOPE_PREFIX + request.GET.get("project", "")}
    form = TokenForm(request.POST or None, user=request.user, initial=initial)
    created = None
    if request.method == "POST" and form.is_valid():
        created, _row = services.create_api_token(
            request.user,
            description=form.cleaned_data["description"],
            projects=form.scoped_projects,
            expires_in=form.expires_in,
            made_with_2fa=True,
            can_manage=form.can_manage,
            request=request,
        )
        form = TokenForm(user=request.user)
    return render(
        request,
        "accounts/tokens/list.html",
        {
            "form": form,
            "created": created,
            "tokens": request.user.api_tokens.all(),
            "delete_form": ConfirmPasswordForm(user=request.user),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@two_factor_required
@sudo_required
@sensitive_post_parameters("password")
def delete_token(request: AuthenticatedHttpRequest, pk: str) -> HttpResponse:
    row = get_object_or_404(ApiToken, pk=pk, user=request.user)
    form = ConfirmPasswordForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("The password is not correct: the token was not deleted."))
        return redirect("accounts:tokens")
    services.delete_api_token(row, request=request)
    messages.success(request, _("Deleted API token “{name}”.").format(name=row.description))
    return redirect("accounts:tokens")
