"""The Celery app. Without CELERY_BROKER_URL every task runs inline (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pypi_site.settings.base")

app = Celery("pypi_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
