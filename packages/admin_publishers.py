"""Trusted publishers in the admin: staff see every project's publishers and the pending
ones, and may remove either (a project's publisher through the service, which records the
event and mails the Owners). Adding one is the Owners' (or ``manage.py addpublisher``)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .admin_actions import ReadOnlyAdmin, actor_of
from .models import PendingPublisher, TrustedPublisher
from .oidc.publishers import publisher_label
from .services import publishers as publisher_services
from .services.events import Actor

_FIELDS = ("provider", "label", "environment", "created", "added_by")


class PublisherAdmin(ReadOnlyAdmin):
    list_filter = ("provider", "created")

    @admin.display(description=_("publisher"))
    def label(self, obj: TrustedPublisher | PendingPublisher) -> str:
        return f"{publisher_label(obj)} ({obj})"

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields]


@admin.register(TrustedPublisher)
class TrustedPublisherAdmin(PublisherAdmin):
    list_display = ("project", *_FIELDS)
    list_select_related = ("project", "added_by")
    search_fields = ("project__normalized_name", "repository_owner", "repository_name", "email")

    def delete_model(self, request: HttpRequest, obj: TrustedPublisher) -> None:
        publisher_services.remove_publisher(obj, actor=actor_of(request), by_staff=True)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TrustedPublisher]) -> None:
        for publisher in queryset.select_related("project"):
            self.delete_model(request, publisher)


@admin.register(PendingPublisher)
class PendingPublisherAdmin(PublisherAdmin):
    list_display = ("project_name", *_FIELDS)
    list_select_related = ("added_by",)
    search_fields = ("normalized_name", "added_by__username", "repository_owner")

    def delete_model(self, request: HttpRequest, obj: PendingPublisher) -> None:
        # As an operator: the service lets only the registering user, or no user, remove it.
        publisher_services.remove_pending_publisher(obj, actor=Actor(user=None))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PendingPublisher]) -> None:
        for pending in queryset:
            self.delete_model(request, pending)
