"""The staff's view of projects, releases, files, roles and their history.

Nothing here changes a project's visible state by editing a field: lifecycle, yanks, roles,
limits and deletions are admin actions (or ``save_model``/``save_formset``/``delete_*``
hooks) that call the same services as every other surface, so each change journals, bumps
the serial, records an event naming the staff member and purges the CDN. Each also leaves
an entry in the admin's own log (``LogEntry``: who, which object, what, with the note), the
trail an operator reads on an object's "History" page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import ports as account_ports
from accounts.admin import note_page
from accounts.models import User

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
from .services.events import Actor
from .services.refusals import Refused

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (why, for the project history)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


def _actor(request: HttpRequest) -> Actor:
    """The staff member (the admin admits only authenticated staff)."""
    assert isinstance(request.user, User)
    return Actor.from_request(request, request.user)


def _with_note(done: str, note: str) -> str:
    """An admin log line: what was done, and the staff member's note if they gave one."""
    return gettext("%(done)s Note: %(note)s") % {"done": done, "note": note} if note else done


def _apply(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[Model],
    change: Callable[[Model], None],
    log: str,
) -> None:
    """Run ``change`` on each object, logging ``log`` for each one changed; report what was
    done and what a service refused."""
    done = 0
    for obj in objects:
        try:
            change(obj)
        except Refused as refused:
            modeladmin.message_user(request, f"{obj}: {refused.message}", messages.ERROR)
        else:
            modeladmin.log_change(request, obj, log)
            done += 1
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(count)d object changed.", "%(count)d objects changed.", done)
            % {"count": done},
            messages.SUCCESS,
        )


def with_note(
    title: StrOrPromise, label: StrOrPromise, done: StrOrPromise
) -> Callable[[Callable[..., None]], Callable[..., HttpResponse | None]]:
    """Turn the method ``change(modeladmin, obj, request, note)`` into an admin action that
    first asks for a note (a reason) on a confirmation page, then changes each object and logs
    ``done`` with the note. Only staff who may change the objects get the action."""

    def decorate(change: Callable[..., None]) -> Callable[..., HttpResponse | None]:
        def action(
            modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
        ) -> HttpResponse | None:
            form = NoteForm(request.POST if "apply" in request.POST else None)
            form.fields["note"].label = label
            if form.is_valid():
                note = form.cleaned_data["note"]
                _apply(
                    modeladmin,
                    request,
                    queryset,
                    lambda obj: change(modeladmin, obj, request, note),
                    _with_note(str(done), note),
                )
                return None
            return note_page(modeladmin, request, queryset, form, title)

        action.__name__ = change.__name__
        return admin.action(description=title, permissions=["change"])(action)

    return decorate


def _admin_link(obj: Model, text: object = None) -> SafeString | str:
    """A link to ``obj``'s admin page (just its name when it has none)."""
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(text if text is not None else obj)
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


# What the services did while one admin request saved a project form (limits, roles): the
# admin log gets these lines rather than Django's list of changed form fields, which would
# also name changes a service refused.
_done_in_request: WeakKeyDictionary[HttpRequest, list[str]] = WeakKeyDictionary()


def _did(request: HttpRequest, line: str) -> None:
    _done_in_request.setdefault(request, []).append(line)


class ServiceDeletion(admin.ModelAdmin):
    """Deletion through a service, which may refuse (``disallow-deletion``): the admin says why
    on the page instead of failing, and offers no bulk deletion meanwhile. Django's delete
    views log each deletion (``log_deletions``) in the same transaction."""

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            project_services.check_deletion_allowed()
        except Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if account_ports.is_on(account_ports.Switch.DISALLOW_DELETION):
            actions.pop("delete_selected", None)
        return actions


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are only ever written by services: staff look, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


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
    list_filter = (ProjectStateFilter, "lifecycle_status")
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
                actor=_actor(request),
            )
        except Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            _did(
                request,
                gettext("Size limits set: files %(file)s, the project %(total)s.")
                % {"file": _limit_words(upload_limit), "total": _limit_words(total_size_limit)},
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = _actor(request)
        project = form.instance
        roles = formset.save(commit=False)
        try:
            for role in formset.deleted_objects:
                role_services.remove_role(role, actor=actor)
                _did(request, _role_line("removed", role.user, role.role_name))
            for role in roles:
                role_name = RoleName(role.role_name)
                if role.pk is not None and role.user_id != _stored_user_id(role):
                    # Another user in an existing row: the old one's role ends, the new one's
                    # begins (a role is never handed from one user to another in place).
                    old = Role.objects.select_related("user").get(pk=role.pk)
                    role_services.remove_role(old, actor=actor)
                    _did(request, _role_line("removed", old.user, old.role_name))
                    role.pk = None
                if role.pk is None:
                    role_services.add_role(project, role.user, role_name, actor=actor)
                    _did(request, _role_line("added", role.user, role_name))
                else:
                    role_services.change_role(role, role_name, actor=actor)
                    _did(request, _role_line("changed", role.user, role_name))
        except Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)

    def log_change(self, request: HttpRequest, obj: Project, message: Any) -> LogEntry:
        done = _done_in_request.pop(request, None)
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
        project_services.delete_project(obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            self.delete_model(request, project)

    @with_note(
        _("Quarantine the selected projects"),
        _("Why (kept in the project history)"),
        _("Quarantined."),
    )
    def quarantine(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.quarantine_project(project, actor=_actor(request), note=note)

    @with_note(
        _("Release the selected projects from quarantine"),
        _("Note"),
        _("Released from quarantine."),
    )
    def release_from_quarantine(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.release_from_quarantine(project, actor=_actor(request), note=note)

    @with_note(_("Archive the selected projects"), _("Note"), _("Archived."))
    def archive(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.archive_project(project, actor=_actor(request), note=note)

    @with_note(_("Unarchive the selected projects"), _("Note"), _("Unarchived."))
    def unarchive(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.unarchive_project(project, actor=_actor(request), note=note)


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
        release_services.delete_release(obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        for release in queryset.select_related("project"):
            self.delete_model(request, release)

    @with_note(_("Yank the selected releases"), _("Reason (shown to installers)"), _("Yanked."))
    def yank(self, release: Release, request: HttpRequest, note: str) -> None:
        release_services.yank_release(release, actor=_actor(request), reason=note)

    @admin.action(description=_("Un-yank the selected releases"), permissions=["change"])
    def unyank(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        actor = _actor(request)
        _apply(
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
        release_services.delete_file(obj, actor=_actor(request))

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
        return _admin_link(role.project)

    @admin.display(description=_("user"), ordering="user__username")
    def user_link(self, role: Role) -> SafeString | str:
        return _admin_link(role.user, role.user.username)


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
