"""``/_health/``: whether this web node can answer, for the load balancer's probes.

A node answers 200 only when it reaches its database: Varnish (``deploy/varnish/default.vcl``)
probes every node here and, while no node is healthy, serves what it has cached for as long as
the pages' ``stale-if-error`` allows instead of errors.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        logger.warning("health check: the database is unreachable: %s", exc)
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("OK\n", content_type="text/plain")
