"""The root URL map: each app mounts its own paths (DESIGN.md §3)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("account/", include("allauth.urls")),
    path("help/", include("help.urls")),
    path("", include("packages.urls")),
]
