"""The visitor pages around the project pages: statistics, classifiers, the site map, the
Security page, and what browsers and crawlers fetch (``/opensearch.xml``, ``/robots.txt``).

Like every list on the site, they show only what clients may install: quarantined projects
never appear (``selectors.listed_projects``, ``Project.objects.installable()``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_safe
from trove_classifiers import deprecated_classifiers, sorted_classifiers

from .. import selectors
from ..apiheaders import add_caching, add_cors
from ..models import Project

# /stats/: the public index's figures: the 100 largest projects, cached for a day.
TOP_PROJECTS = 100
STATS_MAX_AGE = 24 * 3600
# The chart shows the largest few, each readable with its name; the table lists all of them.
CHART_BARS = 20
CHART_ROW = 40  # px: a label line and its bar
CHART_BAR_HEIGHT = 12
# /sitemap/: projects per page.
SITEMAP_PAGE_SIZE = 1000
# robots.txt and opensearch.xml change only with a deployment.
STATIC_DOCUMENT_MAX_AGE = 24 * 3600


@dataclass(frozen=True)
class Bar:
    """One bar of the statistics chart, with its coordinates written out for the SVG."""

    project: Project
    width: str  # a percentage of the chart's width
    label_y: int
    bar_y: int


def _chart(projects: list[Project]) -> tuple[list[Bar], int]:
    """Bars for the largest ``projects``, scaled to the largest, and the chart's height."""
    largest = max((p.total_size for p in projects), default=0) or 1
    bars = [
        Bar(
            project=p,
            width=f"{max(p.total_size / largest * 100, 0.5):.2f}%",
            label_y=i * CHART_ROW + 16,
            bar_y=i * CHART_ROW + 22,
        )
        for i, p in enumerate(projects[:CHART_BARS])
    ]
    return bars, len(bars) * CHART_ROW


def _wants_json(request: HttpRequest) -> bool:
    """Whether the client asked for JSON (``Accept: application/json``) over a page, as the
    public index decides."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


@require_safe
def stats(request: HttpRequest) -> HttpResponse:
    """``/stats/``: the total size of the files and the largest projects, as a page or, with
    ``Accept: application/json``, as the public index's JSON document."""
    total = selectors.total_packages_size()
    top = selectors.largest_projects(TOP_PROJECTS)
    response: HttpResponse
    if _wants_json(request):
        document = {
            "total_packages_size": total,
            "top_packages": {p.name: {"size": p.total_size} for p in top},
        }
        # Largest first, as the public index writes it (no sorted keys).
        response = HttpResponse(json.dumps(document), content_type="application/json")
        add_cors(response)
        add_caching(
            response, max_age=STATS_MAX_AGE, cdn_max_age=STATS_MAX_AGE, surrogate_keys=["stats"]
        )
        response.language_independent = True  # type: ignore[attr-defined]
    else:
        bars, height = _chart(top)
        response = render(
            request,
            "packages/stats.html",
            {
                "total_size": total,
                "top": top,
                "bars": bars,
                "chart_height": height,
                "chart_bar_height": CHART_BAR_HEIGHT,
            },
        )
    patch_vary_headers(response, ["Accept"])
    return response


@dataclass(frozen=True)
class ClassifierGroup:
    name: str
    anchor: str
    classifiers: list[str]


def classifier_groups() -> list[ClassifierGroup]:
    """Every classifier of the installed ``trove-classifiers`` package (the list uploads are
    checked against), in its order, grouped by top-level category; deprecated ones left out."""
    current = [c for c in sorted_classifiers if c not in deprecated_classifiers]
    return [
        ClassifierGroup(name, f"category-{slugify(name)}", list(members))
        for name, members in groupby(current, key=lambda c: c.split(" :: ", 1)[0])
    ]


@require_safe
def classifiers(request: HttpRequest) -> HttpResponse:
    """``/classifiers/``: the classifiers a release may declare, each a link to the search."""
    groups = classifier_groups()
    return render(
        request,
        "packages/classifiers.html",
        {"groups": groups, "count": sum(len(g.classifiers) for g in groups)},
    )


@dataclass(frozen=True)
class LetterGroup:
    letter: str
    anchor: str
    projects: list[Project]


def _letter(project: Project) -> str:
    first = project.normalized_name[:1].upper()
    return first if first.isalpha() else "0-9"


@require_safe
def sitemap_page(request: HttpRequest) -> HttpResponse:
    """``/sitemap/``: the main pages and every listed project, alphabetically, grouped by
    first letter, ``SITEMAP_PAGE_SIZE`` projects a page."""
    projects = (
        selectors.listed_projects().order_by("normalized_name").only("name", "normalized_name")
    )
    paginator = Paginator(projects, SITEMAP_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404(str(error)) from error
    groups = [
        LetterGroup(
            letter, f"letter-{letter.lower()}" if letter.isalpha() else "letter-digits", list(m)
        )
        for letter, m in groupby(page.object_list, key=_letter)
    ]
    return render(
        request,
        "packages/sitemap.html",
        {
            "page": page,
            "page_numbers": list(paginator.get_elided_page_range(page.number)),
            "groups": groups,
            "project_count": paginator.count,
        },
    )


def _contact(value: str) -> dict[str, str] | None:
    """An address from the settings as a link: ``mailto:`` for an e-mail address."""
    if not value:
        return None
    if "@" in value and "://" not in value and not value.startswith("mailto:"):
        return {"href": f"mailto:{value}", "text": value}
    return {"href": value, "text": value.removeprefix("mailto:")}


@require_safe
def security(request: HttpRequest) -> HttpResponse:
    """``/security/``: how to report a vulnerability or a malicious project, and to whom
    (``SECURITY_CONTACT``, else the support address)."""
    contact = _contact(settings.SECURITY_CONTACT) or _contact(settings.SUPPORT_EMAIL)
    contact = contact or _contact(settings.SUPPORT_URL)
    return render(request, "packages/security.html", {"contact": contact})


@require_safe
def opensearch(request: HttpRequest) -> HttpResponse:
    """``/opensearch.xml``: lets browsers add this index's search to their search engines."""
    response = render(
        request, "opensearch.xml", content_type="application/opensearchdescription+xml"
    )
    response["Cache-Control"] = f"public, max-age={STATIC_DOCUMENT_MAX_AGE}"
    return response


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    """``/robots.txt``: crawl the pages, not the APIs, the files or the personal pages."""
    response = render(request, "robots.txt", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={STATIC_DOCUMENT_MAX_AGE}"
    response.language_independent = True  # type: ignore[attr-defined]
    return response
