"""SQL queries per read request, counted in-process with Django's test ``Client``.

Run by ``bench/run.py`` as ``python -m bench.queries HOST PROJECT...`` with the site's environment
(same database); prints one JSON document on stdout. For every project and endpoint the cache
is cleared, then one request is captured (cold); a second, cached request is captured too.
"""

from __future__ import annotations

import json
import sys
import time

import django


def main(argv: list[str]) -> int:
    host, projects = argv[0], argv[1:]
    django.setup()

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load import endpoints

    client = Client(HTTP_HOST=host)
    # One unmeasured request first, so process-wide first-use work (URL resolver, translations,
    # content types) is not counted against whichever project happens to come first.
    client.get("/simple/")

    results: dict[str, dict[str, object]] = {}
    for project in projects:
        for endpoint in endpoints(project):
            headers = {"HTTP_ACCEPT": endpoint.accept} if endpoint.accept else {}
            cache.clear()
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as cold:
                response = client.get(endpoint.path, **headers)
            cold_seconds = time.perf_counter() - start
            if response.status_code != 200:
                raise RuntimeError(f"{endpoint.path}: {response.status_code}")
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as warm:
                client.get(endpoint.path, **headers)
            warm_seconds = time.perf_counter() - start
            results.setdefault(project, {})[endpoint.label] = {
                "queries_cold": len(cold.captured_queries),
                "queries_cached": len(warm.captured_queries),
                "cold_ms": round(cold_seconds * 1000, 1),
                "cached_ms": round(warm_seconds * 1000, 1),
                "sql_cold": [q["sql"][:300] for q in cold.captured_queries],
            }
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
