from django.urls import path, re_path

from .feeds import PackagesFeed, ProjectReleasesFeed, UpdatesFeed
from .upload import views as upload
from .views import files, json_api, public, simple, xmlrpc

app_name = "packages"
urlpatterns = [
    path("legacy/", upload.legacy_upload, name="upload"),
    path("legacy", upload.moved_legacy),
    path("simple/", simple.simple_index, name="simple-index"),
    path("simple/<str:name>/", simple.simple_detail, name="simple-detail"),
    path("pypi/<str:name>/json", json_api.project_json, name="json-project"),
    path("pypi/<str:name>/json/", json_api.project_json),
    path("pypi/<str:name>/<str:version>/json", json_api.release_json, name="json-release"),
    path("pypi/<str:name>/<str:version>/json/", json_api.release_json),
    path("pypi", xmlrpc.xmlrpc_endpoint, name="xmlrpc"),
    path("pypi/", xmlrpc.xmlrpc_endpoint),
    path("RPC2", xmlrpc.xmlrpc_endpoint),
    re_path(
        r"^packages/(?P<path>[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/[^/]+)$",
        files.package_file,
        name="file",
    ),
    path("rss/updates.xml", UpdatesFeed(), name="rss-updates"),
    path("rss/packages.xml", PackagesFeed(), name="rss-packages"),
    path("rss/project/<str:name>/releases.xml", ProjectReleasesFeed(), name="rss-project"),
    path("project/<str:name>/", public.project_detail, name="project"),
    path("project/<str:name>/<str:version>/", public.release_detail, name="release"),
]
