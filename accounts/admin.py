from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, UniqueLogin, User, UserEvent


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

    def get_readonly_fields(self, request, obj=None):
        # Usernames never change (Help: "How do I change my username?").
        return ("username", "password_date") if obj else ()


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
