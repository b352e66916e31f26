"""The staff's view of accounts. Freezing is an admin action calling ``accounts.freezing``
(never an edit of the flag), so each freeze records an event and ends the sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import freezing
from .models import ApiToken, UniqueLogin, User, UserEvent

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the account's security history)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


def note_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    form: forms.Form,
    title: StrOrPromise,
) -> TemplateResponse:
    """The confirmation page of an admin action that asks for a note (a reason) first; the
    packages admin's lifecycle actions use it too."""
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
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        },
    )


def _freeze_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[User],
    *,
    title: str,
    change: Callable[..., bool],
) -> HttpResponse | None:
    """Ask for a reason on a confirmation page, then ``change`` each selected account."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return note_page(modeladmin, request, queryset, form, title)
    assert isinstance(request.user, User)  # the admin admits only signed-in staff
    changed = 0
    for user in queryset:
        try:
            changed += change(user, by=request.user, reason=form.cleaned_data["reason"])
        except freezing.FreezeRefused:
            modeladmin.message_user(
                request, _("You cannot freeze your own account."), messages.ERROR
            )
    modeladmin.message_user(
        request,
        ngettext("%(count)d account changed.", "%(count)d accounts changed.", changed)
        % {"count": changed},
        messages.SUCCESS if changed else messages.WARNING,
    )
    return None


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "name",
        "email",
        "is_active",
        "is_frozen",
        "is_staff",
        "date_joined",
    )
    list_filter = ("is_active", "is_frozen", "is_staff", "is_superuser")
    search_fields = ("username", "name", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("name", "email")}),
        (
            _("Status"),
            {
                "fields": (
                    "is_active",
                    "is_frozen",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "password_date")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "email", "password1", "password2")}),)
    actions = ["freeze_accounts", "unfreeze_accounts"]

    def get_readonly_fields(self, request, obj=None):
        # Usernames never change (Help: "How do I change my username?"); the frozen flag
        # changes through the actions below.
        return ("username", "password_date", "is_frozen") if obj else ()

    @admin.action(description=_("Freeze selected accounts"))
    def freeze_accounts(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        return _freeze_action(
            self, request, queryset, title=gettext("Freeze accounts"), change=freezing.freeze_user
        )

    @admin.action(description=_("Unfreeze selected accounts"))
    def unfreeze_accounts(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        return _freeze_action(
            self,
            request,
            queryset,
            title=gettext("Unfreeze accounts"),
            change=freezing.unfreeze_user,
        )


@admin.register(UserEvent)
class UserEventAdmin(admin.ModelAdmin):
    list_display = ("time", "user", "tag", "ip_address")
    list_filter = ("tag",)
    search_fields = ("user__username", "ip_address")
    readonly_fields = ("user", "tag", "time", "ip_address", "user_agent", "additional")


@admin.register(UniqueLogin)
class UniqueLoginAdmin(admin.ModelAdmin):
    """Addresses accounts log in from; staff may delete a row to make that address confirm
    again, or mark one confirmed for a user who cannot receive mail."""

    list_display = ("user", "ip_address", "status", "created", "last_used")
    list_filter = ("status",)
    search_fields = ("user__username", "ip_address")
    readonly_fields = (
        "user",
        "ip_address",
        "created",
        "last_used",
        "expires",
        "device_information",
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("description", "user", "created", "last_used", "expires")
    search_fields = ("user__username", "description", "id")
    readonly_fields = (
        "id",
        "user",
        "description",
        "created",
        "last_used",
        "expires",
        "caveats",
        "permissions_caveat",
        "additional",
    )
    exclude = ("key_salt",)
