"""``/search/``: the project search page (a GET form: it works without JavaScript).

Parameters as on the public index: ``q`` the query, ``c`` a classifier (repeatable, AND),
``o`` the order (``""`` relevance, ``-created`` date last updated, ``name``), ``page``.
Every answer, errors included, is the search page with the query box, so the visitor can
correct the query where they are. The page makes the same number of queries whatever the
number of results.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.client import client_ip

from ..search import filters, query

PER_PAGE = 20
MAX_QUERY_LENGTH = 1000
# (requests, seconds) per client address, as the public index limits its search.
RATE_LIMITS = [(5, 1)]


def within_rate_limit(request: HttpRequest) -> bool:
    """Count one search for the client's address; False once a ``RATE_LIMITS`` window is
    used up.

    The fixed windows of ``accounts.ratelimit.hit``, counted in the default cache rather than
    the security store: that store is a database table by default, and a search, which reads,
    would then write to the database every time (measured: about 15 ms a request on SQLite).
    A throttle needs no more than the cache every page already uses; with ``CACHE_URL`` set
    to a shared cache (production) every worker counts into the same windows, with the
    default local-memory cache each worker counts its own.
    """
    address = client_ip(request) or "unknown"
    now = int(time.time())
    allowed = True
    for count, seconds in RATE_LIMITS:
        window = f"search-rl:{address}:{seconds}:{now // seconds}"
        cache.add(window, 0, timeout=seconds + 1)
        try:
            used = cache.incr(window)
        except ValueError:  # expired between add and incr
            cache.set(window, 1, timeout=seconds + 1)
            used = 1
        allowed = allowed and used <= count
    return allowed


def _url(q: str, classifiers: list[str], order: str, page: int | None = None) -> str:
    params: list[tuple[str, str | int]] = [("q", q)] if q else []
    params += [("c", c) for c in classifiers]
    if order:
        params.append(("o", order))
    if page is not None and page > 1:
        params.append(("page", page))
    return f"?{urlencode(params)}" if params else "?"


def _page_links(
    page: Page, q: str, classifiers: list[str], order: str
) -> list[tuple[int | None, str]]:
    """(number, url) for each page link around ``page``; (None, "") for an ellipsis."""
    links: list[tuple[int | None, str]] = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if isinstance(number, int):
            links.append((number, _url(q, classifiers, order, number)))
        else:
            links.append((None, ""))
    return links


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    classifiers = list(dict.fromkeys(c for c in request.GET.getlist("c") if c))
    order = request.GET.get("o", "")
    if order not in query.ORDERS:
        order = ""
    context: dict[str, object] = {
        "q": q,
        "selected": classifiers,
        "order": order,
        "orders": list(query.ORDERS.items()),
    }

    def answer(status: int, error: str = "") -> HttpResponse:
        context["error"] = error
        return render(request, "packages/search.html", context, status=status)

    if not within_rate_limit(request):
        return answer(
            429,
            _(
                "Your search query could not be performed because there were too many "
                "requests by the client. Limit may reset in 1 second."
            ),
        )
    if len(q) > MAX_QUERY_LENGTH:
        return answer(413, _("Query string too long."))
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return answer(400, _("'page' must be an integer."))

    used = filters.counts()
    context["groups"] = filters.groups(used.items, classifiers)
    context["sidebar_key"] = filters.sidebar_key(used, classifiers)
    if not q.strip() and not classifiers:
        context["popular"] = filters.popular(used.items)
        context["start"] = True
        return answer(200)

    paginator = Paginator(query.search(q, classifiers, order), PER_PAGE)
    try:
        with query.index_scans(q):
            page = paginator.page(number)
            page.object_list = list(page.object_list)
    except EmptyPage:
        context["last_page_url"] = _url(q, classifiers, order, paginator.num_pages)
        return answer(
            404,
            _("There is no page {number} of these results.").format(number=number),
        )
    context.update(
        page=page,
        count=paginator.count,
        page_links=_page_links(page, q, classifiers, order),
        previous_url=_url(q, classifiers, order, page.number - 1) if page.has_previous() else "",
        next_url=_url(q, classifiers, order, page.number + 1) if page.has_next() else "",
    )
    return answer(200)
