"""Bring the database up to date before the web nodes start: ``migrate``, then
``sync_classifiers`` (the trove classifiers uploads may name), in one process so that Django
starts once. What ``make stack`` runs; a deployment runs the same two commands on each
upgrade (docs/operations.md)."""

from __future__ import annotations

import os
import sys
import time

import django
from django.core.management import call_command


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pypi_site.settings.base")
    django.setup()
    began = time.monotonic()
    call_command("migrate", interactive=False, verbosity=1)
    print(f"migrate done in {time.monotonic() - began:.1f} s", flush=True)
    call_command("sync_classifiers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
