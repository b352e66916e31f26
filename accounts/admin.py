"""The staff's view of accounts.

Every change staff make to an account is an admin action that first asks for a reason, calls
a service of this app (which records an event naming the staff member) and leaves an entry in
the admin's log: freezing (``freezing``), disabling a password (``passwords``), account
recovery (``recovery``), making recovery codes unusable and deleting an account
(``services``). The reason page and that loop are in ``admin_actions``. Fields those services
own are read-only here.
"""

from __future__ import annotations

from typing import Any

from allauth.account import admin as allauth_admin
from allauth.account.models import EmailAddress
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, DELETION
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import events, freezing, passwords, recovery, services
from .admin_actions import (
    DeletionForm,
    RecoveryForm,
    deletion_refusal,
    log_for,
    note_page,
    reason_action,
)
from .events import EventTag
from .models import ApiToken, UniqueLogin, User, UserEvent

__all__ = ["note_page"]  # the other apps' admin actions ask for their note on the same page


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
        (None, {"fields": ("username", "password_state", "recovery_state")}),
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
    actions = [
        reason_action(
            "freeze_accounts",
            _("Freeze selected accounts"),
            _("Freeze accounts"),
            freezing.freeze_user,
        ),
        reason_action(
            "unfreeze_accounts",
            _("Unfreeze selected accounts"),
            _("Unfreeze accounts"),
            freezing.unfreeze_user,
        ),
        reason_action(
            "reset_passwords",
            _("Reset passwords (the owner must use “Forgot password?”)"),
            _("Reset passwords"),
            passwords.reset_password_by_admin,
        ),
        reason_action(
            "mark_passwords_compromised",
            _("Mark passwords compromised"),
            _("Mark passwords compromised"),
            passwords.mark_password_compromised,
        ),
        reason_action(
            "burn_recovery_codes",
            _("Make all unused recovery codes unusable"),
            _("Make recovery codes unusable"),
            services.burn_recovery_codes,
        ),
        "start_account_recovery",
        reason_action(
            "cancel_account_recovery",
            _("Cancel pending account recovery"),
            _("Cancel account recovery"),
            recovery.cancel,
        ),
        "delete_accounts",
    ]

    def get_readonly_fields(self, request, obj=None):
        # Usernames never change (Help: "How do I change my username?"); the frozen flag and
        # the password change through the actions below.
        if obj is None:
            return ()
        return ("username", "password_state", "recovery_state", "password_date", "is_frozen")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "delete_accounts" goes through the service
        return actions

    @admin.display(description=_("password"))
    def password_state(self, obj: User) -> str:
        if obj.has_usable_password():
            return gettext("Set (only its owner knows it)")
        return gettext("Disabled: the account must choose a new one with “Forgot password?”")

    @admin.display(description=_("account recovery"))
    def recovery_state(self, obj: User) -> str:
        started = recovery.pending(obj)
        if started is None:
            return gettext("None pending")
        return gettext("Link mailed to %(address)s on %(time)s by %(by)s") % {
            "address": started.additional.get("to"),
            "time": f"{started.time:%Y-%m-%d %H:%M %Z}",
            "by": started.additional.get("by"),
        }

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Staff never choose a password for someone: they disable it ("Reset passwords"),
        # and its owner chooses a new one.
        raise PermissionDenied

    @admin.action(
        description=_("Start account recovery (lost second factor)"), permissions=["change"]
    )
    def start_account_recovery(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        """For one account whose owner proved who they are out of band: mail a link that
        lets them set a new password, and removes their second factors."""
        users = list(queryset[:2])
        if len(users) != 1:
            self.message_user(request, _("Select exactly one account to recover."), messages.ERROR)
            return None
        [user] = users
        title = gettext("Start account recovery")
        form = RecoveryForm(request.POST if "apply" in request.POST else None, user=user)
        if not form.is_valid():
            return note_page(self, request, users, form, title)
        assert isinstance(request.user, User)
        address, reason = form.chosen_address, form.cleaned_data["reason"]
        try:
            with transaction.atomic():
                recovery.initiate(user, address=address, by=request.user, reason=reason)
                log_for(request, user, title, f"{address}; {reason}", flag=CHANGE)
        except services.Refused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return None
        self.message_user(
            request,
            gettext("The recovery link for %(user)s was mailed to %(address)s.")
            % {"user": user, "address": address},
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Delete selected accounts"), permissions=["delete"])
    def delete_accounts(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        """Delete through ``services.delete_account``; a refused account (sole Owner of a
        project, one's own, the placeholder) is named with the reason, before the
        confirmation page."""
        assert isinstance(request.user, User)
        staff = request.user
        title = gettext("Delete accounts")
        deletable = []
        for user in queryset:
            refusal = deletion_refusal(user, staff)
            if refusal is None:
                deletable.append(user)
            elif "apply" not in request.POST:
                self.message_user(request, str(refusal), messages.ERROR)
        if not deletable:
            return None
        form = DeletionForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            selected = [str(user.pk) for user in deletable]
            return note_page(self, request, deletable, form, title, selected=selected)
        reason = form.cleaned_data["reason"]
        deleted = 0
        for user in deletable:
            try:
                with transaction.atomic():
                    log_for(request, user, title, reason, flag=DELETION)
                    services.delete_account(user, by=staff)
                    deleted += 1
            except services.Refused as refused:
                self.message_user(request, str(refused), messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d account deleted.", "%(count)d accounts deleted.", deleted)
            % {"count": deleted},
            messages.SUCCESS if deleted else messages.WARNING,
        )
        return None

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The account page's "Delete" button: the same reason page and service."""
        user = self.get_object(request, unquote(object_id))
        if user is None:
            return super().delete_view(request, object_id, extra_context)
        if not self.has_delete_permission(request, user):
            raise PermissionDenied
        response = self.delete_accounts(request, User.objects.filter(pk=user.pk))
        if response is not None:
            return response
        if User.objects.filter(pk=user.pk).exists():
            return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        assert isinstance(request.user, User)
        services.delete_account(obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            self.delete_model(request, user)


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
    """Tokens as the server keeps them: never a secret (the salt is not shown, the token itself
    is not stored). Staff delete a token through ``services.delete_api_token``."""

    list_display = ("description", "user", "created", "last_used", "expires", "can_manage")
    list_filter = ("can_manage", "expires", "created", "last_used")
    list_select_related = ("user",)
    search_fields = ("user__username", "description", "id")
    readonly_fields = (
        "id",
        "user",
        "description",
        "created",
        "last_used",
        "expires",
        "can_manage",
        "caveats",
        "permissions_caveat",
        "additional",
    )
    exclude = ("key_salt",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token is made by its owner, who alone ever sees it

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        services.delete_api_token(obj, request=None, by=request.user.get_username())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for row in queryset.select_related("user"):
            self.delete_model(request, row)


# allauth registers its own admin for addresses (imported above, so that it has): this one
# lists, searches and filters them for staff, and records removals in the security history.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(allauth_admin.EmailAddressAdmin):
    list_display = ("email", "user", "primary", "verified")
    list_filter = ("verified", "primary")
    list_select_related = ("user",)
    ordering = ("email",)
    readonly_fields = ("user", "email", "primary", "verified")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # addresses are added by their owner, who verifies them

    def has_delete_permission(self, request: HttpRequest, obj: EmailAddress | None = None) -> bool:
        # The primary address gets the notices and the resets: its owner changes it first.
        return (obj is None or not obj.primary) and super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: EmailAddress) -> None:
        events.record(
            obj.user, EventTag.EMAIL_REMOVE, email=obj.email, by=request.user.get_username()
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[EmailAddress]) -> None:
        for row in queryset.filter(primary=False).select_related("user"):
            self.delete_model(request, row)
