"""The classifier filters of the search page: the classifiers indexed projects use, with the
number of projects for each, grouped by top-level category.

The counts are one aggregate over the indexed releases' classifiers, cached under a key that
changes whenever a document is added, changed or removed (so the sidebar costs one small
query per page while nothing changes).
"""

from __future__ import annotations

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


def _state_key() -> str:
    state = SearchDocument.objects.aggregate(n=Count("pk"), last=Max("indexed"))
    last = state["last"].isoformat() if state["last"] else "-"
    return f"search:classifiers:{state['n']}:{last}"


def counts() -> list[tuple[str, int]]:
    """``(classifier, projects)`` for every classifier an indexed project uses, in the
    classifiers' own order."""
    key = _state_key()
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    through = Release.classifiers.through
    rows = (
        through.objects.filter(release_id__in=SearchDocument.objects.values("release_id"))
        .values("classifier__classifier", "classifier__ordering")
        .annotate(n=Count("release_id"))
        .order_by("classifier__ordering", "classifier__classifier")
    )
    result = [(row["classifier__classifier"], row["n"]) for row in rows]
    cache.set(key, result, CACHE_SECONDS)
    return result


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
