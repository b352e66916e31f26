from django.contrib import admin

from .models import File, FilenameRegistry, JournalEntry, Project, ProjectEvent, Release, Role


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "created", "lifecycle_status", "total_size", "last_serial")
    list_filter = ("lifecycle_status",)
    search_fields = ("normalized_name",)
    readonly_fields = (
        "name",
        "normalized_name",
        "ultranormalized_name",
        "created",
        "total_size",
        "last_serial",
    )
    inlines = [RoleInline]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("project", "version", "created", "yanked")
    search_fields = ("project__normalized_name", "version")
    raw_id_fields = ("project", "uploader")
    readonly_fields = ("version", "canonical_version", "sort_key", "created")


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = ("filename", "packagetype", "size", "upload_time")
    search_fields = ("filename", "sha256_digest", "blake2_256_digest")
    raw_id_fields = ("release",)
    readonly_fields = [f.name for f in File._meta.fields]


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "version", "action", "submitted_date", "submitted_by")
    search_fields = ("name",)
    readonly_fields = ("name", "version", "action", "submitted_date", "submitted_by")


@admin.register(ProjectEvent)
class ProjectEventAdmin(admin.ModelAdmin):
    list_display = ("time", "project", "tag", "user", "ip_address")
    list_filter = ("tag",)
    search_fields = ("project__normalized_name",)
    readonly_fields = ("project", "tag", "time", "user", "ip_address", "user_agent", "additional")


admin.site.register(FilenameRegistry, search_fields=("filename",))
