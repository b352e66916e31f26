from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from packages.names import normalize_name

from .models import AdminFlag, ProhibitedProjectName

# The description is what visitors read while the switch is on and notifies (base.html).
BANNER_HELP = _(
    "The banner text: shown at the top of every page while the switch is on and "
    "“Notify” is ticked. Write it for visitors."
)


@admin.register(AdminFlag)
class AdminFlagAdmin(admin.ModelAdmin):
    list_display = ("id", "description", "enabled", "notify")
    list_editable = ("enabled", "notify")

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("help_texts", {"description": BANNER_HELP})
        return super().get_form(request, obj, **kwargs)


@admin.register(ProhibitedProjectName)
class ProhibitedProjectNameAdmin(admin.ModelAdmin):
    list_display = ("name", "created", "prohibited_by", "comment")
    search_fields = ("name",)
    readonly_fields = ("created", "prohibited_by")

    def save_model(self, request, obj, form, change):
        obj.name = normalize_name(obj.name)
        if not change:
            obj.prohibited_by = request.user
        super().save_model(request, obj, form, change)


from . import admin_reports  # noqa: E402, F401  (registers the reports' admin)
