"""The classifier filters of the search page: the classifiers indexed projects use, with the
number of projects for each, grouped by top-level category.

The counts are one aggregate over the indexed releases' classifiers, cached under a key that
changes whenever a document is added, changed or removed (so the sidebar costs one small
query per page while nothing changes). With every trove classifier in use the sidebar lists
about 900 checkboxes: the page caches it, rendered, under ``sidebar_key``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max

from ..models import Release, SearchDocument

# The sidebar's order of groups; the other groups follow alphabetically.
GROUP_ORDER = (
    "Framework",
    "Topic",
    "Development Status",
    "License",
    "Programming Language",
    "Operating System",
    "Environment",
    "Intended Audience",
    "Natural Language",
)
SEPARATOR = " :: "
CACHE_SECONDS = 3600
POPULAR = 12


@dataclass(frozen=True)
class Facet:
    classifier: str
    count: int | None  # None: selected, but no indexed project uses it exactly
    selected: bool = False

    @property
    def label(self) -> str:
        """The classifier without its group (``Django :: 5.0`` in ``Framework``)."""
        return self.classifier.partition(SEPARATOR)[2] or self.classifier


@dataclass(frozen=True)
class Group:
    name: str
    facets: list[Facet]

    @property
    def selected(self) -> int:
        return sum(f.selected for f in self.facets)


@dataclass(frozen=True)
class Counts:
    """The classifiers indexed projects use and their number of projects, under ``key``: it
    names the index's state (it changes when a document is added, changed or removed)."""

    key: str
    items: list[tuple[str, int]]


def _state_key() -> str:
    state = SearchDocument.objects.aggregate(n=Count("pk"), last=Max("indexed"))
    last = state["last"].isoformat() if state["last"] else "-"
    return f"search:classifiers:{state['n']}:{last}"


def counts() -> Counts:
    """``(classifier, projects)`` for every classifier an indexed project uses, in the
    classifiers' own order."""
    key = _state_key()
    cached = cache.get(key)
    if cached is not None:
        return Counts(key, list(cached))
    through = Release.classifiers.through
    rows = (
        through.objects.filter(release_id__in=SearchDocument.objects.values("release_id"))
        .values("classifier__classifier", "classifier__ordering")
        .annotate(n=Count("release_id"))
        .order_by("classifier__ordering", "classifier__classifier")
    )
    items = [(row["classifier__classifier"], row["n"]) for row in rows]
    cache.set(key, items, CACHE_SECONDS)
    return Counts(key, items)


def sidebar_key(counts: Counts, selected: Iterable[str]) -> str:
    """The cache key of the rendered sidebar: the index's state and the selection."""
    digest = hashlib.sha256("\n".join(sorted(selected)).encode()).hexdigest()[:32]
    return f"{counts.key}:{digest}"


def _group_key(name: str) -> tuple[int, str]:
    if name in GROUP_ORDER:
        return (GROUP_ORDER.index(name), "")
    return (len(GROUP_ORDER), name.lower())


def groups(used: Iterable[tuple[str, int]], selected: Iterable[str] = ()) -> list[Group]:
    """The sidebar: ``used`` classifiers grouped by top-level category, in ``GROUP_ORDER``
    then alphabetically; a selected classifier nobody uses exactly is listed too (checked),
    so it can be unchecked."""
    chosen = dict.fromkeys(selected)
    facets: dict[str, list[Facet]] = {}
    for classifier, count in used:
        group = classifier.partition(SEPARATOR)[0]
        facets.setdefault(group, []).append(Facet(classifier, count, classifier in chosen))
    known = {classifier for classifier, _ in used}
    for classifier in chosen:
        if classifier not in known:
            group = classifier.partition(SEPARATOR)[0]
            facets.setdefault(group, []).insert(0, Facet(classifier, None, True))
    return [Group(name, facets[name]) for name in sorted(facets, key=_group_key)]


def popular(used: Iterable[tuple[str, int]], limit: int = POPULAR) -> list[Facet]:
    """The ``limit`` classifiers most projects use, most used first."""
    ranked = sorted(used, key=lambda item: (-item[1], item[0]))[:limit]
    return [Facet(classifier, count) for classifier, count in ranked]
