"""Moderation's public addresses: reporting a project (web form and the observers' API)."""

from __future__ import annotations

from django.urls import path

from . import api, views

app_name = "moderation"

urlpatterns = [
    path("project/<str:name>/report/", views.report_project, name="report"),
    # The public index's address for observers' reports (its "danger API").
    path(
        "danger-api/projects/<str:name>/observations",
        api.Observations.as_view(),
        name="api-observations",
    ),
]
