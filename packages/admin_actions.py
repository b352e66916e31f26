"""The machinery of the packages admin's actions (``packages/admin.py``): the note page and
the loop that applies a service to each selected object and logs it, deletions through the
services, read-only admins, and what a saved project form did, for the admin's log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import ports as account_ports
from accounts.admin import note_page
from accounts.models import User

from .services import projects as project_services
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


def actor_of(request: HttpRequest) -> Actor:
    """The staff member acting in the admin (which admits only authenticated staff).

    Without their address and browser: the project's history, which its Owners read, names
    the staff member and the note, not where they work from; Django's admin log keeps who did
    what. Every admin (packages' and moderation's) acts through this one.
    """
    assert isinstance(request.user, User)
    return Actor(user=request.user)


def _with_note(done: str, note: str) -> str:
    """An admin log line: what was done, and the staff member's note if they gave one."""
    return gettext("%(done)s Note: %(note)s") % {"done": done, "note": note} if note else done


def apply_each(
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
                apply_each(
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


def admin_link(obj: Model, text: object = None) -> SafeString | str:
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


def did(request: HttpRequest, line: str) -> None:
    """Remember that a service did ``line`` while this request saved a form."""
    _done_in_request.setdefault(request, []).append(line)


def done_in(request: HttpRequest) -> list[str]:
    """What the services did while this request saved a form (forgotten once read)."""
    return _done_in_request.pop(request, [])


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
