from django.contrib import admin

from packages.names import normalize_name

from .models import AdminFlag, ProhibitedProjectName


@admin.register(AdminFlag)
class AdminFlagAdmin(admin.ModelAdmin):
    list_display = ("id", "description", "enabled", "notify")
    list_editable = ("enabled", "notify")


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
