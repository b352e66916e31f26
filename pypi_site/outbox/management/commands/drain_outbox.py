"""``drain_outbox [--all]``: deliver the after-commit work that is due now.

Without a broker, run it from cron (every minute or so): it delivers the CDN purges (and any
mail) whose first delivery failed. With a broker, celery beat does the same every
``OUTBOX_DRAIN_INTERVAL_SECONDS``; the command is for an operator who wants it done now.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pypi_site.outbox import delivery
from pypi_site.outbox.models import Job


class Command(BaseCommand):
    help = (
        "Deliver the outbox's due after-commit work (mail, CDN purges, search updates) in this "
        "process, retrying failures with back-off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help=(
                "Also deliver the jobs that are not due yet, including any a worker may be "
                "delivering right now (a mail may then go twice)."
            ),
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        report = delivery.drain(everything=opts["all"])
        left = Job.objects.count()
        self.stdout.write(
            f"Delivered {report.delivered}, failed {report.failed} (tried again later), "
            f"gave up {report.abandoned}; {left} left in the outbox."
        )
