from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """After-commit work kept in the database until it is done (``delivery``). It has no page
    and no admin: operators see it through ``manage.py drain_outbox`` and the logs."""

    name = "pypi_site.outbox"
    label = "outbox"
