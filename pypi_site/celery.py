"""The Celery app. Without CELERY_BROKER_URL every task runs inline (see settings).

Its configuration is the ``CELERY_*`` settings ("Background tasks" in settings/base.py): tasks
acknowledged late and given back when their worker dies, one task reserved per worker process,
a short broker connect timeout for the web nodes, and the beat schedule (housekeeping, and the
outbox's drain of after-commit work every OUTBOX_DRAIN_INTERVAL_SECONDS).

    celery -A pypi_site worker --loglevel INFO
    celery -A pypi_site beat --loglevel INFO
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pypi_site.settings.base")

app = Celery("pypi_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
