from django.urls import path, re_path

from . import api as manage_api
from . import sitemaps
from .apiheaders import language_independent as api
from .feeds import PackagesFeed, ProjectReleasesFeed, UpdatesFeed
from .oidc import views as oidc
from .upload import views as upload
from .views import discovery, files, integrity, json_api, profiles, public, search, simple, xmlrpc
from .views.manage import collaboration, history, invitation, projects, publishing, releases
from .views.manage import settings as project_settings

app_name = "packages"
urlpatterns = [
    path("", public.home, name="home"),
    path("legacy/", upload.legacy_upload, name="upload"),
    path("legacy", upload.moved_legacy),
    # Trusted publishing (packages/oidc/views.py, docs/trusted-publishing.md).
    path("_/oidc/audience", oidc.audience, name="oidc-audience"),
    path("_/oidc/mint-token", oidc.mint_token, name="oidc-mint-token"),
    path("_/oidc/github/mint-token", oidc.mint_token),  # the older address clients may use
    path("simple/", api(simple.simple_index), name="simple-index"),
    path("simple/<str:name>/", api(simple.simple_detail), name="simple-detail"),
    path(
        "integrity/<str:name>/<str:version>/<str:filename>/provenance",
        api(integrity.file_provenance),
        name="integrity-provenance",
    ),
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
    # The visitor pages around the project pages (views/discovery.py, sitemaps.py).
    path("stats/", discovery.stats, name="stats"),
    path("classifiers/", discovery.classifiers, name="classifiers"),
    path("sitemap/", discovery.sitemap_page, name="sitemap"),
    path("sitemap.xml", sitemaps.sitemap_xml, name="sitemap-xml"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("security/", discovery.security, name="security"),
    path("opensearch.xml", discovery.opensearch, name="opensearch"),
    path("robots.txt", discovery.robots, name="robots"),
    path("search/", search.search, name="search"),
    # Maintainers' pages (views/manage/): 404 for anyone without a role on the project.
    path("manage/projects/", projects.projects, name="manage-projects"),
    path(
        "manage/projects/invitation/<int:pk>/",
        projects.answer_invitation,
        name="manage-invitation-answer",
    ),
    path(
        "account/verify-project-role/",
        invitation.verify_project_role,
        name="verify-project-role",
    ),
    path("manage/project/<str:name>/", releases.overview, name="manage-project"),
    path(
        "manage/project/<str:name>/release/<str:version>/",
        releases.release_page,
        name="manage-release",
    ),
    path(
        "manage/project/<str:name>/release/<str:version>/yank/",
        releases.yank,
        name="manage-release-yank",
    ),
    path(
        "manage/project/<str:name>/release/<str:version>/unyank/",
        releases.unyank,
        name="manage-release-unyank",
    ),
    path(
        "manage/project/<str:name>/release/<str:version>/delete/",
        releases.delete_release,
        name="manage-release-delete",
    ),
    path(
        "manage/project/<str:name>/release/<str:version>/file/<int:file_id>/delete/",
        releases.delete_file,
        name="manage-file-delete",
    ),
    path(
        "manage/project/<str:name>/collaboration/",
        collaboration.collaboration,
        name="manage-collaboration",
    ),
    path(
        "manage/project/<str:name>/collaboration/<int:role_id>/change/",
        collaboration.change_role,
        name="manage-role-change",
    ),
    path(
        "manage/project/<str:name>/collaboration/<int:role_id>/remove/",
        collaboration.remove_role,
        name="manage-role-remove",
    ),
    path(
        "manage/project/<str:name>/collaboration/invitation/<int:invitation_id>/revoke/",
        collaboration.revoke_invitation,
        name="manage-invitation-revoke",
    ),
    path(
        "manage/project/<str:name>/settings/",
        project_settings.settings_page,
        name="manage-settings",
    ),
    path(
        "manage/project/<str:name>/settings/archive/",
        project_settings.archive,
        name="manage-archive",
    ),
    path(
        "manage/project/<str:name>/settings/unarchive/",
        project_settings.unarchive,
        name="manage-unarchive",
    ),
    path(
        "manage/project/<str:name>/settings/delete/",
        project_settings.delete,
        name="manage-project-delete",
    ),
    path(
        "manage/project/<str:name>/settings/publishing/",
        publishing.project_publishing,
        name="manage-publishing",
    ),
    path(
        "manage/project/<str:name>/settings/publishing/<int:publisher_id>/remove/",
        publishing.remove_publisher,
        name="manage-publisher-remove",
    ),
    path("manage/project/<str:name>/history/", history.history, name="manage-history"),
    # The user's pending trusted publishers (an account page, about projects to come).
    path("manage/account/publishing/", publishing.account_publishing, name="account-publishing"),
    path(
        "manage/account/publishing/<int:pending_id>/remove/",
        publishing.remove_pending_publisher,
        name="account-pending-publisher-remove",
    ),
    # The project management API (packages/api.py, docs/manage-api.md).
    path("api/projects/<str:name>/", manage_api.ProjectDetail.as_view(), name="api-project"),
    path(
        "api/projects/<str:name>/releases/<str:version>/",
        manage_api.ReleaseDetail.as_view(),
        name="api-release",
    ),
    path(
        "api/projects/<str:name>/releases/<str:version>/yank/",
        manage_api.YankRelease.as_view(),
        name="api-release-yank",
    ),
    path(
        "api/projects/<str:name>/releases/<str:version>/unyank/",
        manage_api.UnyankRelease.as_view(),
        name="api-release-unyank",
    ),
    path(
        "api/projects/<str:name>/files/<str:filename>/",
        manage_api.FileDetail.as_view(),
        name="api-file",
    ),
    path(
        "api/projects/<str:name>/collaborators/",
        manage_api.Collaborators.as_view(),
        name="api-collaborators",
    ),
    path(
        "api/projects/<str:name>/collaborators/<str:username>/",
        manage_api.Collaborator.as_view(),
        name="api-collaborator",
    ),
]
