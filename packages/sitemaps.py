"""``/sitemap.xml`` for search engines, with ``django.contrib.sitemaps``: every listed project's
page and the profiles of the users who have one.

While the whole site fits in one file (``URLS_PER_FILE``, the protocol's 50,000 URLs),
``/sitemap.xml`` is that file. Past it, ``/sitemap.xml`` is a sitemap index naming one file per
section and page: ``/sitemap-<section>.xml?p=<page>``. Addresses are built on ``SITE_URL``, not
on the ``django.contrib.sites`` Site (never configured here).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import selectors
from .apiheaders import add_caching
from .models import Project, Release

if TYPE_CHECKING:
    _Base = Sitemap[Any]  # generic in django-stubs only
else:
    _Base = Sitemap

# The sitemaps protocol's limit on the URLs of one file.
URLS_PER_FILE = 50_000
# Search engines fetch site maps now and then: an hour in browsers, a day in a CDN.
MAX_AGE = 3600


class _SiteSitemap(_Base):
    """Absolute addresses on ``SITE_URL``, ``URLS_PER_FILE`` to a page."""

    @property  # read at each request, so that tests can lower it
    def limit(self) -> int:  # type: ignore[override]
        return URLS_PER_FILE

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return settings.SITE_URL.split("://", 1)[-1]


class ProjectSitemap(_SiteSitemap):
    """Every listed project's page, alphabetically, with its latest release's date."""

    changefreq = "daily"

    def items(self) -> QuerySet[Project]:
        newest = (
            Release.objects.installable()
            .filter(project=OuterRef("pk"))
            .values("project")
            .annotate(newest=Max("created"))
            .values("newest")
        )
        return (
            selectors.listed_projects()
            .annotate(last_release=Subquery(newest[:1]))
            .order_by("normalized_name")
            .only("name")
        )

    def lastmod(self, item: Project) -> datetime:
        return item.last_release  # type: ignore[attr-defined]


class UserSitemap(_SiteSitemap):
    """The profiles of active users with a role on a listed project."""

    changefreq = "weekly"

    def items(self) -> QuerySet[Any]:
        return selectors.users_with_projects().only("username")


SECTIONS: dict[str, type[_SiteSitemap]] = {"projects": ProjectSitemap, "users": UserSitemap}
# The same, typed as Django's sitemap views take it.
SITEMAPS: dict[str, type[_Base] | _Base] = dict(SECTIONS)


def _cached(response: HttpResponse) -> HttpResponse:
    add_caching(response, max_age=MAX_AGE, surrogate_keys=["sitemap"])
    response.language_independent = True  # type: ignore[attr-defined]
    return response


@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """``/sitemap.xml``: the one file while it fits, else the index of the section files."""
    paginators = {name: cls().paginator for name, cls in SECTIONS.items()}
    if sum(p.count for p in paginators.values()) <= URLS_PER_FILE:
        return _cached(sitemap_view(request, SITEMAPS))
    items = []  # what Django's sitemap_index.xml reads: location (and last_mod)
    for name, paginator in paginators.items():
        location = settings.SITE_URL + reverse("packages:sitemap-section", args=[name])
        items.append({"location": location})
        items.extend(
            {"location": f"{location}?p={page}"} for page in range(2, paginator.num_pages + 1)
        )
    response = TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return _cached(response)


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """``/sitemap-<section>.xml?p=<page>``: one page of one section (404 past the last)."""
    return _cached(sitemap_view(request, SITEMAPS, section))
