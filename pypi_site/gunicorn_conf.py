"""How gunicorn serves the site: ``make run``, the test suites' live sites and the benchmarks
all start it with this file (``gunicorn -c pypi_site/gunicorn_conf.py pypi_site.wsgi:application``),
so they serve the same way. Options given on the command line override these.

Threaded workers with a read timeout (``pypi_site.gunicorn_worker``): a client that sends its
headers or body slowly holds one of a worker's threads, never the worker, and only while it
keeps sending; one that goes silent is dropped after ``GUNICORN_READ_TIMEOUT`` seconds.

(Not ASGI: upload clients show the HTTP reason phrase as the error message, as the public
index sends it, and ASGI has no way to set a reason phrase.)
"""

from __future__ import annotations

import os

worker_class = "pypi_site.gunicorn_worker.ReadTimeoutThreadWorker"
threads = int(os.environ.get("THREADS", "16"))
bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
# Connections one worker keeps open at once (kept-alive ones wait in its poller, not a thread).
worker_connections = 1000
# The longest a worker may be unresponsive before it is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 10
keepalive = 5
# Request line and header limits (gunicorn's defaults, stated so they are visible).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Its default path is shared by every gunicorn of the user: sites side by side would clash.
control_socket_disable = True
