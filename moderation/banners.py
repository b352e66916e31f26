"""The banners of the administrators' switches: the description of every switch that is on
and set to notify, shown at the top of every page.

Every page asks, so the answer is kept for a few seconds in the default cache: a page costs at
most one query per ``CACHE_SECONDS`` (per process with the default in-memory cache), and none
in between. Saving or deleting a switch forgets the answer (``moderation.receivers``); a bulk
``QuerySet.update()`` does not, and is seen within ``CACHE_SECONDS``.
"""

from __future__ import annotations

from django.core.cache import cache

from .models import AdminFlag

CACHE_KEY = "moderation:switch-banners"
CACHE_SECONDS = 5


def shown() -> list[str]:
    """The texts of the banners to show now, in the switches' order."""
    texts: list[str] | None = cache.get(CACHE_KEY)
    if texts is None:
        texts = list(
            AdminFlag.objects.filter(enabled=True, notify=True).values_list(
                "description", flat=True
            )
        )
        remember(texts)
    return texts


def remember(texts: list[str], *, seconds: int | None = CACHE_SECONDS) -> None:
    """Keep ``texts`` as the answer for ``seconds`` (None: until a switch is saved)."""
    cache.set(CACHE_KEY, texts, seconds)


def forget() -> None:
    """Drop the kept answer: the next page reads the switches again."""
    cache.delete(CACHE_KEY)
