"""The staff's view of projects, releases and files.

Nothing here changes a project's visible state by editing a field: lifecycle, yanks, roles,
limits and deletions are admin actions (or ``save_model``/``save_formset``/``delete_*``
hooks) that call the same services as every other surface, so each change journals, bumps
the serial, records an event naming the staff member and purges the CDN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import ports as account_ports
from accounts.admin import note_page
from accounts.models import User

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


def _apply(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[Model],
    change: Callable[[Model], None],
) -> None:
    """Run ``change`` on each object; report what was done and what a service refused."""
    done = 0
    for obj in objects:
        try:
            change(obj)
        except Refused as refused:
            modeladmin.message_user(request, f"{obj}: {refused.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(count)d object changed.", "%(count)d objects changed.", done)
            % {"count": done},
            messages.SUCCESS,
        )


def with_note(
    title: StrOrPromise, label: StrOrPromise
) -> Callable[[Callable[..., None]], Callable[..., HttpResponse | None]]:
    """Turn the method ``change(modeladmin, obj, request, note)`` into an admin action that
    first asks for a note (a reason) on a confirmation page, then changes each object."""

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
                )
                return None
            return note_page(modeladmin, request, queryset, form, title)

        action.__name__ = change.__name__
        return admin.action(description=title)(action)

    return decorate


def _stored_user_id(role: Role) -> int:
    return Role.objects.filter(pk=role.pk).values_list("user_id", flat=True).get()


class ServiceDeletion(admin.ModelAdmin):
    """Deletion through a service, which may refuse (``disallow-deletion``): the admin says why
    on the page instead of failing, and offers no bulk deletion meanwhile."""

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


class RoleInline(admin.TabularInline):
    """Roles, changed through the role services (see ``ProjectAdmin.save_formset``)."""

    model = Role
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(ServiceDeletion):
    list_display = ("name", "created", "lifecycle_status", "total_size", "last_serial")
    list_filter = ("lifecycle_status",)
    search_fields = ("normalized_name",)
    fields = (
        "name",
        "normalized_name",
        "created",
        "lifecycle_status",
        "lifecycle_status_changed",
        "lifecycle_status_note",
        "upload_limit",
        "total_size_limit",
        "total_size",
        "last_serial",
    )
    readonly_fields = (
        "name",
        "normalized_name",
        "created",
        "lifecycle_status",
        "lifecycle_status_changed",
        "lifecycle_status_note",
        "total_size",
        "last_serial",
    )
    inlines = [RoleInline]
    actions = ["quarantine", "release_from_quarantine", "archive", "unarchive"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # projects are created by their first upload

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        if {"upload_limit", "total_size_limit"} & set(form.changed_data):
            try:
                project_services.set_limits(
                    obj,
                    upload_limit=obj.upload_limit,
                    total_size_limit=obj.total_size_limit,
                    actor=_actor(request),
                )
            except Refused as refused:
                self.message_user(request, refused.message, messages.ERROR)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = _actor(request)
        project = form.instance
        roles = formset.save(commit=False)
        try:
            for role in formset.deleted_objects:
                role_services.remove_role(role, actor=actor)
            for role in roles:
                role_name = RoleName(role.role_name)
                if role.pk is not None and role.user_id != _stored_user_id(role):
                    # Another user in an existing row: the old one's role ends, the new one's
                    # begins (a role is never handed from one user to another in place).
                    role_services.remove_role(Role.objects.get(pk=role.pk), actor=actor)
                    role.pk = None
                if role.pk is None:
                    role_services.add_role(project, role.user, role_name, actor=actor)
                else:
                    role_services.change_role(role, role_name, actor=actor)
        except Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A project's history goes with it (the journal keeps its removal): its events are
        # read-only in the admin, yet that must not forbid deleting the project.
        perms_needed.discard(str(ProjectEvent._meta.verbose_name))
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Project) -> None:
        project_services.delete_project(obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            self.delete_model(request, project)

    @with_note(_("Quarantine the selected projects"), _("Why (kept in the project history)"))
    def quarantine(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.quarantine_project(project, actor=_actor(request), note=note)

    @with_note(_("Release the selected projects from quarantine"), _("Note"))
    def release_from_quarantine(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.release_from_quarantine(project, actor=_actor(request), note=note)

    @with_note(_("Archive the selected projects"), _("Note"))
    def archive(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.archive_project(project, actor=_actor(request), note=note)

    @with_note(_("Unarchive the selected projects"), _("Note"))
    def unarchive(self, project: Project, request: HttpRequest, note: str) -> None:
        project_services.unarchive_project(project, actor=_actor(request), note=note)


@admin.register(Release)
class ReleaseAdmin(ServiceDeletion):
    list_display = ("project", "version", "created", "yanked")
    list_filter = ("yanked",)
    search_fields = ("project__normalized_name", "version")
    actions = ["yank", "unyank"]

    def get_readonly_fields(self, request: HttpRequest, obj: Release | None = None) -> list[str]:
        return [f.name for f in Release._meta.get_fields() if f.concrete and not f.auto_created]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # releases come from uploads

    def delete_model(self, request: HttpRequest, obj: Release) -> None:
        release_services.delete_release(obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        for release in queryset.select_related("project"):
            self.delete_model(request, release)

    @with_note(_("Yank the selected releases"), _("Reason (shown to installers)"))
    def yank(self, release: Release, request: HttpRequest, note: str) -> None:
        release_services.yank_release(release, actor=_actor(request), reason=note)

    @admin.action(description=_("Un-yank the selected releases"))
    def unyank(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        actor = _actor(request)
        _apply(
            self,
            request,
            queryset.select_related("project"),
            lambda release: release_services.unyank_release(release, actor=actor),  # type: ignore[arg-type]  # a Release queryset
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are only ever written by services: staff look, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(File)
class FileAdmin(ServiceDeletion, ReadOnlyAdmin):
    list_display = ("filename", "packagetype", "size", "upload_time")
    search_fields = ("filename", "sha256_digest", "blake2_256_digest")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_model(self, request: HttpRequest, obj: File) -> None:
        release_services.delete_file(obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[File]) -> None:
        for file in queryset.select_related("release__project"):
            self.delete_model(request, file)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "version", "action", "submitted_date", "submitted_by")
    search_fields = ("name",)


@admin.register(ProjectEvent)
class ProjectEventAdmin(ReadOnlyAdmin):
    list_display = ("time", "project", "tag", "user", "ip_address")
    list_filter = ("tag",)
    search_fields = ("project__normalized_name",)


@admin.register(FilenameRegistry)
class FilenameRegistryAdmin(ReadOnlyAdmin):
    search_fields = ("filename",)
