"""``reindex_search``: rebuild the search index from the database.

Every installable project with a release that has files gets its document rebuilt; documents
of projects that should have none are removed. See ``packages.search.documents`` and
docs/operations.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from packages.search import documents


class Command(BaseCommand):
    help = (
        "Rebuild the search index: one document per installable project with a release that "
        "has files; remove the others."
    )

    def handle(self, *args: Any, **opts: Any) -> None:
        indexed, removed = documents.rebuild()
        self.stdout.write(f"Indexed {indexed} projects, removed {removed} stale documents.")
