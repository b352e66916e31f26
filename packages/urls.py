from django.urls import path, re_path

from .apiheaders import language_independent as api
from .feeds import PackagesFeed, ProjectReleasesFeed, UpdatesFeed
from .upload import views as upload
from .views import files, json_api, profiles, public, simple, xmlrpc

app_name = "packages"
urlpatterns = [
    path("", public.home, name="home"),
    path("legacy/", upload.legacy_upload, name="upload"),
    path("legacy", upload.moved_legacy),
    path("simple/", api(simple.simple_index), name="simple-index"),
    path("simple/<str:name>/", api(simple.simple_detail), name="simple-detail"),
    path("pypi/<str:name>/json", api(json_api.project_json), name="json-project"),
    path("pypi/<str:name>/json/", api(json_api.project_json)),
    path("pypi/<str:name>/<str:version>/json", api(json_api.release_json), name="json-release"),
    path("pypi/<str:name>/<str:version>/json/", api(json_api.release_json)),
    path("pypi", api(xmlrpc.xmlrpc_endpoint), name="xmlrpc"),
    path("pypi/", api(xmlrpc.xmlrpc_endpoint)),
    path("RPC2", api(xmlrpc.xmlrpc_endpoint)),
    re_path(
        r"^packages/(?P<path>[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/[^/]+)$",
        api(files.package_file),
        name="file",
    ),
    path("rss/updates.xml", api(UpdatesFeed()), name="rss-updates"),
    path("rss/packages.xml", api(PackagesFeed()), name="rss-packages"),
    path("rss/project/<str:name>/releases.xml", api(ProjectReleasesFeed()), name="rss-project"),
    path("project/<str:name>/", public.project_detail, name="project"),
    path("project/<str:name>/<str:version>/", public.release_detail, name="release"),
    path("user/<str:username>/", profiles.user_profile, name="profile"),
]
