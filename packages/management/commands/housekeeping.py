"""``housekeeping [--dry-run]``: remove what interrupted uploads left behind.

Prints one line per stored object and temporary upload file removed (``would remove`` with
``--dry-run``), then a summary. See ``packages.housekeeping`` and docs/operations.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from packages import housekeeping


class Command(BaseCommand):
    help = (
        "Remove stored objects that no file references and temporary upload files, once older "
        "than HOUSEKEEPING_ORPHAN_GRACE_SECONDS (left behind by killed uploads)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list what would be removed."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        report = housekeeping.run(dry_run=opts["dry_run"])
        verb = "Would remove" if report.dry_run else "Removed"
        for name in report.objects:
            self.stdout.write(f"{verb} stored object {name}")
        for path in report.temp_files:
            self.stdout.write(f"{verb} temporary upload file {path}")
        grace = settings.HOUSEKEEPING_ORPHAN_GRACE_SECONDS
        self.stdout.write(
            f"{verb} {len(report.objects)} stored objects and {len(report.temp_files)} "
            f"temporary upload files older than {grace} seconds."
        )
        for failure in report.failures:
            self.stderr.write(f"Could not remove {failure}")
        if report.failures:
            raise CommandError(f"{len(report.failures)} could not be removed.")
