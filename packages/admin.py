"""The staff's view of projects, releases, files, roles and their history.

Nothing here changes a project's visible state by editing a field: lifecycle, yanks, roles,
limits and deletions are admin actions (or ``save_model``/``save_formset``/``delete_*``
hooks) that call the same services as every other surface, so each change journals, bumps
the serial, records an event naming the staff member and purges the CDN. Each also leaves
an entry in the admin's own log (``LogEntry``: who, which object, what, with the note), the
trail an operator reads on an object's "History" page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .admin_actions import (
    NoteForm,
    ReadOnlyAdmin,
    ServiceDeletion,
    actor_of,
    admin_link,
    apply_each,
    did,
    done_in,
    with_note,
)
from .admin_lists import JournalKindFilter, ProjectForm, ProjectStateFilter
from .models import (
    File,
    FilenameRegistry,
    JournalEntry,
    Project,
    ProjectEvent,
    Release,
    Role,
    RoleName,
)
from .services import projects as project_services
from .services import releases as release_services
from .services import roles as role_services
from .services.refusals import Refused

__all__ = ["NoteForm"]  # moderation's verdict actions ask for their note with the same form


def _stored_user_id(role: Role) -> int:
    return Role.objects.filter(pk=role.pk).values_list("user_id", flat=True).get()


class RoleInline(admin.StackedInline):
    """Roles, changed through the role services (see ``ProjectAdmin.save_formset``). Stacked,
    so that every field has its label; the user is found by name (autocomplete)."""

    model = Role
    extra = 0
    autocomplete_fields = ("user",)


def _limit_words(value: int | None) -> str:
    return gettext("the site's default") if value is None else filesizeformat(value)


@admin.register(Project)
class ProjectAdmin(ServiceDeletion):
    form = ProjectForm
    list_display = ("name", "created", "lifecycle_status", "stored_size", "last_serial")
    list_filter = (ProjectStateFilter,)  # active / quarantined / archived, in words
    date_hierarchy = "created"
    search_fields = ("name", "normalized_name")
    search_help_text = _("Search by project name.")
    fields = (
        "name",
        "normalized_name",
        "created",
        "lifecycle_status",
        "lifecycle_status_changed",
        "lifecycle_status_note",
        "upload_limit_mib",
        "total_size_limit_gib",
        "stored_size",
        "last_serial",
        "records",
    )
    readonly_fields = (
        "name",
        "normalized_name",
        "created",
        "lifecycle_status",
        "lifecycle_status_changed",
        "lifecycle_status_note",
        "stored_size",
        "last_serial",
        "records",
    )
    inlines = [RoleInline]
    actions = ["quarantine", "release_from_quarantine", "archive", "unarchive"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # projects are created by their first upload

    @admin.display(description=_("stored size"), ordering="total_size")
    def stored_size(self, project: Project) -> str:
        return filesizeformat(project.total_size)

    @admin.display(description=_("records"))
    def records(self, project: Project) -> SafeString:
        """Links to the project's releases, files, roles, journal and events in the admin."""
        by_id = urlencode({"project__id__exact": project.pk})
        pages = [
            ("packages:release", by_id, _("Releases")),
            ("packages:file", urlencode({"release__project__id__exact": project.pk}), _("Files")),
            ("packages:role", by_id, _("Roles")),
            ("packages:journalentry", urlencode({"name": project.name}), _("Journal entries")),
            ("packages:projectevent", by_id, _("Events")),
        ]
        return format_html_join(
            " · ",
            '<a href="{}?{}">{}</a>',
            (
                (reverse(f"admin:{model.replace(':', '_')}_changelist"), query, label)
                for model, query, label in pages
            ),
        )

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        if not form.limits_changed:
            return
        upload_limit, total_size_limit = form.limits()
        try:
            project_services.set_limits(
                obj,
                upload_limit=upload_limit,
                total_size_limit=total_size_limit,
                actor=actor_of(request),
            )
        except Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            did(
                request,
                gettext("Size limits set: files %(file)s, the project %(total)s.")
                % {"file": _limit_words(upload_limit), "total": _limit_words(total_size_limit)},
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = actor_of(request)
        project = form.instance
        roles = formset.save(commit=False)
        try:
            for role in formset.deleted_objects:
                role_services.remove_role(role, actor=actor)
                did(request, _role_line("removed", role.user, role.role_name))
            for role in roles:
                role_name = RoleName(role.role_name)
                if role.pk is not None and role.user_id != _stored_user_id(role):
                    # Another user in an existing row: the old one's role ends, the new one's
                    # begins (a role is never handed from one user to another in place).
                    old = Role.objects.select_related("user").get(pk=role.pk)
                    role_services.remove_role(old, actor=actor)
                    did(request, _role_line("removed", old.user, old.role_name))
                    role.pk = None
                if role.pk is None:
                    role_services.add_role(project, role.user, role_name, actor=actor)
                    did(request, _role_line("added", role.user, role_name))
                else:
                    role_services.change_role(role, role_name, actor=actor)
                    did(request, _role_line("changed", role.user, role_name))
        except Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)

    def log_change(self, request: HttpRequest, obj: Project, message: Any) -> LogEntry:
        done = done_in(request)
        return super().log_change(request, obj, " ".join(done) if done else message)

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, dict[str, list[str]]]]:
        return []  # what the services did is logged instead (``log_change``)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A project's history goes with it (the journal keeps its removal): its events are
        # read-only in the admin, yet that must not forbid deleting the project.
        perms_needed.discard(str(ProjectEvent._meta.verbose_name))
        perms_needed.discard(str(Role._meta.verbose_name))
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Project) -> None:
        project_services.delete_project(obj, actor=actor_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            self.delete_model(request, project)

    @with_note(
        _("Quarantine the selected projects"),
        _("Why (kept in the project history)"),
        _("Quarantined."),
    )
    def quarantine(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.quarantine_project(project, actor=actor_of(request), note=note)

    @with_note(
        _("Release the selected projects from quarantine"),
        _("Note"),
        _("Released from quarantine."),
    )
    def release_from_quarantine(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.release_from_quarantine(project, actor=actor_of(request), note=note)

    @with_note(_("Archive the selected projects"), _("Note"), _("Archived."))
    def archive(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.archive_project(project, actor=actor_of(request), note=note)

    @with_note(_("Unarchive the selected projects"), _("Note"), _("Unarchived."))
    def unarchive(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.unarchive_project(project, actor=actor_of(request), note=note)


def _role_line(what: str, user: User, role_name: str) -> str:
    lines = {
        "added": gettext("Added %(user)s as %(role)s."),
        "changed": gettext("Made %(user)s %(role)s."),
        "removed": gettext("Removed %(user)s (%(role)s)."),
    }
    return lines[what] % {"user": user.username, "role": role_name}


@admin.register(Release)
class ReleaseAdmin(ServiceDeletion):
    list_display = ("project", "version", "created", "yank_state", "lifecycle_status")
    list_filter = ("yanked", "is_prerelease", "lifecycle_status")
    list_select_related = ("project",)
    date_hierarchy = "created"
    search_fields = ("project__name", "project__normalized_name", "version")
    search_help_text = _("Search by project name or version.")
    actions = ["yank", "unyank"]

    def get_readonly_fields(self, request: HttpRequest, obj: Release | None = None) -> list[str]:
        return [f.name for f in Release._meta.get_fields() if f.concrete and not f.auto_created]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # releases come from uploads

    @admin.display(description=_("yanked"), ordering="yanked")
    def yank_state(self, release: Release) -> str:
        """Words on the yanked releases only (not a cross on every other row)."""
        if not release.yanked:
            return ""
        return format_html("<strong>{}</strong>", gettext("Yanked"))

    def delete_model(self, request: HttpRequest, obj: Release) -> None:
        release_services.delete_release(obj, actor=actor_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        for release in queryset.select_related("project"):
            self.delete_model(request, release)

    @with_note(_("Yank the selected releases"), _("Reason (shown to installers)"), _("Yanked."))
    def yank(self, release: Release, request: HttpRequest, note: str) -> None:
        release_services.yank_release(release, actor=actor_of(request), reason=note)

    @admin.action(description=_("Un-yank the selected releases"), permissions=["change"])
    def unyank(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        actor = actor_of(request)
        apply_each(
            self,
            request,
            queryset.select_related("project"),
            lambda release: release_services.unyank_release(release, actor=actor),  # type: ignore[arg-type]  # a Release queryset
            gettext("Un-yanked."),
        )


@admin.register(File)
class FileAdmin(ServiceDeletion, ReadOnlyAdmin):
    list_display = ("filename", "release", "packagetype", "human_size", "upload_time")
    list_filter = ("packagetype",)
    list_select_related = ("release__project",)
    date_hierarchy = "upload_time"
    search_fields = (
        "filename",
        "release__project__name",
        "release__project__normalized_name",
        "=sha256_digest",
        "=blake2_256_digest",
    )
    search_help_text = _("Search by filename, project name or exact SHA-256 or BLAKE2 digest.")
    exclude = ("size",)  # shown in words instead
    readonly_fields = ("human_size",)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # The project page's link to its files.
        return lookup == "release__project__id__exact" or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description=_("size"), ordering="size")
    def human_size(self, file: File) -> str:
        return filesizeformat(file.size)

    def delete_model(self, request: HttpRequest, obj: File) -> None:
        release_services.delete_file(obj, actor=actor_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[File]) -> None:
        for file in queryset.select_related("release__project"):
            self.delete_model(request, file)


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    """Every role on every project, to look up; roles change on the project's page."""

    list_display = ("project_link", "user_link", "role_name")
    list_display_links = None
    list_filter = ("role_name",)
    list_select_related = ("project", "user")
    search_fields = ("project__name", "project__normalized_name", "user__username")
    search_help_text = _(
        "Search by project name or username. Roles are changed on the project's page."
    )
    fields = ("project_link", "user_link", "role_name")
    readonly_fields = ("project_link", "user_link")

    @admin.display(description=_("project"), ordering="project__normalized_name")
    def project_link(self, role: Role) -> SafeString | str:
        return admin_link(role.project)

    @admin.display(description=_("user"), ordering="user__username")
    def user_link(self, role: Role) -> SafeString | str:
        return admin_link(role.user, role.user.username)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "version", "action", "submitted_date", "submitted_by")
    list_filter = (JournalKindFilter,)
    list_select_related = ("submitted_by",)
    date_hierarchy = "submitted_date"
    search_fields = ("name", "submitted_by__username")
    search_help_text = _("Search by project name or the username of who made the change.")


@admin.register(ProjectEvent)
class ProjectEventAdmin(ReadOnlyAdmin):
    list_display = ("time", "project", "tag", "user", "ip_address")
    list_filter = ("tag",)
    list_select_related = ("project", "user")
    date_hierarchy = "time"
    search_fields = ("project__name", "project__normalized_name", "user__username", "ip_address")
    search_help_text = _("Search by project name, username or address.")


@admin.register(FilenameRegistry)
class FilenameRegistryAdmin(ReadOnlyAdmin):
    search_fields = ("filename",)


from . import admin_publishers  # noqa: E402, F401  (registers the publishers' admin)
