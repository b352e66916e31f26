"""RSS feeds: newest releases, newest projects, and one project's releases."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _

from .apiheaders import add_cors
from .encoding import xml_safe
from .models import Project, Release


def _absolute(path: str) -> str:
    """A link on this site. Django's Feed would prefix the ``django.contrib.sites`` Site's domain
    to a bare path, and that row is never configured (example.com): use ``SITE_URL``."""
    return settings.SITE_URL + path


class _XmlFeed(Feed):
    feed_type = Rss201rev2Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        response["Content-Type"] = "text/xml; charset=utf-8"
        response["Cache-Control"] = "public, max-age=3600"
        return add_cors(response)


class _ReleaseItems:
    def item_title(self, item: Release) -> str:
        return f"{item.project.name} {item.version}"

    def item_link(self, item: Release) -> str:
        return _absolute(f"/project/{item.project.name}/{item.version}/")

    def item_description(self, item: Release) -> str:
        return xml_safe(item.summary)

    def item_pubdate(self, item: Release):
        return item.created


class UpdatesFeed(_ReleaseItems, _XmlFeed):
    def link(self) -> str:
        return _absolute("/")

    def feed_url(self) -> str:
        return _absolute("/rss/updates.xml")

    def title(self) -> str:
        return _("{site} recent updates").format(site=settings.SITE_NAME)

    def description(self) -> str:
        return _("Latest updates")

    def items(self) -> list[Release]:
        return list(
            Release.objects.installable().select_related("project").order_by("-created")[:100]
        )


class PackagesFeed(_XmlFeed):
    def link(self) -> str:
        return _absolute("/")

    def feed_url(self) -> str:
        return _absolute("/rss/packages.xml")

    def title(self) -> str:
        return _("{site} newest packages").format(site=settings.SITE_NAME)

    def description(self) -> str:
        return _("Latest projects")

    def items(self) -> list[Project]:
        return list(
            Project.objects.installable()
            .filter(releases__isnull=False)
            .distinct()
            .order_by("-created")[:40]
        )

    def item_title(self, item: Project) -> str:
        return _("{name} added to {site}").format(name=item.name, site=settings.SITE_NAME)

    def item_link(self, item: Project) -> str:
        return _absolute(item.get_absolute_url())

    def item_description(self, item: Project) -> str:
        latest = item.releases.installable().latest_first().first()
        return xml_safe(latest.summary) if latest else ""

    def item_pubdate(self, item: Project):
        return item.created


class ProjectReleasesFeed(_ReleaseItems, _XmlFeed):
    def get_object(self, request: HttpRequest, name: str) -> Project:
        project = Project.objects.installable().find_by_name(name)
        if project is None:
            raise Http404(name)
        return project

    def title(self, obj: Project) -> str:
        return _("{site} recent updates for {name}").format(site=settings.SITE_NAME, name=obj.name)

    def link(self, obj: Project) -> str:
        return _absolute(obj.get_absolute_url())

    def feed_url(self, obj: Project) -> str:
        return _absolute(f"/rss/project/{obj.normalized_name}/releases.xml")

    def description(self, obj: Project) -> str:
        return _("Latest releases of {name}").format(name=obj.name)

    def items(self, obj: Project) -> list[Release]:
        return list(obj.releases.installable().select_related("project").order_by("-created")[:40])

    def item_title(self, item: Release) -> str:
        return item.version
