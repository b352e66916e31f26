from __future__ import annotations

from django.db import models


class Classifier(models.Model):
    """A trove classifier, synced from the ``trove-classifiers`` package."""

    classifier = models.CharField(max_length=255, unique=True)
    ordering = models.IntegerField(default=0)

    class Meta:
        ordering = ["ordering", "classifier"]

    def __str__(self) -> str:
        return self.classifier
