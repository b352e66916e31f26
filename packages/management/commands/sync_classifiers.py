"""Bring the Classifier table in line with the installed ``trove-classifiers`` package."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from trove_classifiers import sorted_classifiers

from packages.models import Classifier


class Command(BaseCommand):
    help = "Create and order trove classifiers from the trove-classifiers package."

    def handle(self, *args: Any, **opts: Any) -> None:
        order = {name: i for i, name in enumerate(sorted_classifiers)}
        existing = {c.classifier: c for c in Classifier.objects.all()}
        new = [Classifier(classifier=n, ordering=i) for n, i in order.items() if n not in existing]
        Classifier.objects.bulk_create(new, ignore_conflicts=True)
        changed = [c for n, c in existing.items() if n in order and c.ordering != order[n]]
        for c in changed:
            c.ordering = order[c.classifier]
        Classifier.objects.bulk_update(changed, ["ordering"])
        self.stdout.write(f"{len(new)} classifiers added, {len(changed)} reordered.")
