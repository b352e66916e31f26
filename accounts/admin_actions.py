"""The pieces of the staff's actions on accounts (``accounts.admin``): the confirmation page
that asks for a reason, its forms, and the loop that applies a service to each selected
account and leaves an entry in the admin's log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import services
from .models import User

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the account's security history)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class DeletionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the admin's log)"),
        help_text=_(
            "Deleting an account is permanent: its roles, API tokens, addresses and security "
            "history go. Its journal entries stay, under the placeholder account deleted-user. "
            "It is mailed that its account was deleted."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


OTHER_ADDRESS = "other"


class RecoveryForm(forms.Form):
    """Where to send the recovery link, and how the person proved who they are."""

    address = forms.ChoiceField(
        label=_("Send the recovery link to"),
        widget=forms.RadioSelect,
        help_text=_("An address the person has proved to you that they control."),
    )
    other_address = forms.EmailField(
        label=_("Other address"),
        required=False,
        help_text=_("If you chose “Another address”: it becomes the account's primary address."),
    )
    reason = forms.CharField(
        label=_("How the person proved who they are (kept in the account's security history)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        address = self.fields["address"]
        assert isinstance(address, forms.ChoiceField)
        address.choices = [
            *((row.email, _address_label(row)) for row in addresses),
            (OTHER_ADDRESS, _("Another address (type it below)")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("address") == OTHER_ADDRESS and not data.get("other_address"):
            self.add_error("other_address", _("Type the address to send the link to."))
        return data

    @property
    def chosen_address(self) -> str:
        data = self.cleaned_data
        return data["other_address"] if data["address"] == OTHER_ADDRESS else data["address"]


def _address_label(row: EmailAddress) -> str:
    states = [gettext("primary")] if row.primary else []
    states.append(gettext("verified") if row.verified else gettext("unverified"))
    return f"{row.email} ({', '.join(states)})"


def note_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet | Iterable[Any],
    form: forms.Form,
    title: StrOrPromise,
    *,
    selected: list[str] | None = None,
) -> TemplateResponse:
    """The confirmation page of an admin action that asks for a note (a reason) first; the
    packages admin's lifecycle actions use it too. ``selected``: the objects the confirmed
    action applies to (by default, those ticked on the list)."""
    return TemplateResponse(
        request,
        "admin/action_with_note.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "objects": queryset,
            "form": form,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "selected": (
                selected
                if selected is not None
                else request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
            ),
        },
    )


def log_for(request: HttpRequest, user: User, title: str, reason: str, *, flag: int) -> None:
    """The admin log's entry for a change to ``user`` (made before a deletion)."""
    assert isinstance(request.user, User)  # the admin admits only signed-in staff
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[user],
        action_flag=flag,
        change_message=f"{title}: {reason}" if reason else title,
        single_object=True,
    )


def act(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[User],
    *,
    title: str,
    change: Callable[..., bool],
) -> HttpResponse | None:
    """Ask for a reason on a confirmation page, then ``change(user, by=, reason=)`` each
    selected account, logging each change; a refusal is shown and the others go on."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return note_page(modeladmin, request, queryset, form, title)
    assert isinstance(request.user, User)  # the admin admits only signed-in staff
    reason = form.cleaned_data["reason"]
    changed = 0
    for user in queryset:
        try:
            with transaction.atomic():
                if change(user, by=request.user, reason=reason):
                    log_for(request, user, title, reason, flag=CHANGE)
                    changed += 1
        except services.Refused as refused:
            modeladmin.message_user(request, str(refused), messages.ERROR)
    modeladmin.message_user(
        request,
        ngettext("%(count)d account changed.", "%(count)d accounts changed.", changed)
        % {"count": changed},
        messages.SUCCESS if changed else messages.WARNING,
    )
    return None


def deletion_refusal(user: User, by: User) -> services.Refused | None:
    try:
        services.check_deletion(user, by=by)
    except services.Refused as refused:
        return refused
    return None


def reason_action(
    name: str, description: StrOrPromise, title: StrOrPromise, change: Callable[..., bool]
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[User]], HttpResponse | None]:
    """An admin action ``name`` on accounts that asks for a reason, then calls
    ``change(user, by=, reason=)`` for each (see ``act``); staff need the change permission."""

    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        return act(modeladmin, request, queryset, title=str(title), change=change)

    action.__name__ = name
    return admin.action(description=description, permissions=["change"])(action)
