"""Moderation's public addresses: reporting a project (web form and the observers' API)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "moderation"

urlpatterns: list[URLPattern] = []
