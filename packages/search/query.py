"""Running a search: one function, PostgreSQL full-text or the SQLite fallback behind it.

**PostgreSQL.** The query is parsed with ``websearch_to_tsquery`` (quoted phrases, ``or``,
``-word``) twice, with the ``english`` and the ``simple`` configuration, and the two are
OR-ed: the document vector holds the name in both (see ``documents``), so a stemmed query
meets stemmed text and an unstemmed one meets a name exactly. Matches are ranked with
``ts_rank_cd`` (cover density, length-normalised) with ``RANK_WEIGHTS``, and:

- **exact name**: a project whose normalized name equals the normalized query is always
  first (and always found);
- **prefix**: for queries of 2 characters or more, projects whose normalized name starts
  with the normalized query are found too and get ``PREFIX_BONUS``.

**SQLite** (no full-text index): every term (or quoted phrase) must occur, case-insensitively,
in the name, summary, keywords, description, author or maintainer (``-term`` excludes,
``or`` separates alternatives); the score ranks an exact name first, then a name prefix, a
term in the name, in the summary, anywhere else.

In both, a single quote in the query is read as a double quote (a phrase), classifiers
filter with AND (each exactly or as a parent: ``"<c> :: "``) and the ordering is relevance,
``-created`` (the indexed release's date, newest first) or ``name``. Without a query the
relevance order is the date's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext_lazy

from ..models import Classifier, Release, SearchDocument
from ..names import PROJECT_NAME_PATTERN, normalize_name

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

# ts_rank_cd weights, in PostgreSQL's order {D, C, B, A}: the public index boosts the name
# x10, summary, description and keywords x5, the rest x1.
RANK_WEIGHTS = [0.1, 0.5, 0.5, 1.0]
# 1: divide the rank by 1 + log(document length), so a long description that repeats a word
# does not outrank a short summary that says it once.
RANK_NORMALIZATION = 1
PREFIX_BONUS = 1.0

ORDERS: dict[str, StrPromise] = {
    "": pgettext_lazy("search order", "Relevance"),
    "-created": pgettext_lazy("search order", "Date last updated"),
    "name": pgettext_lazy("search order", "Name"),
}

# What a result card needs; never the description or the vector.
CARD_FIELDS = (
    "project_id",
    "name",
    "normalized_name",
    "version",
    "is_prerelease",
    "summary",
    "created",
    "lifecycle_status",
)

SEPARATOR = " :: "
_NAME_RE = re.compile(PROJECT_NAME_PATTERN)
_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def prepare(text: str) -> str:
    """The query as it is searched: single quotes read as double quotes (phrase search)."""
    return text.replace("'", '"').strip()


def name_query(text: str) -> str | None:
    """The query as a normalized project name (spaces and quotes read as ``-``), or None when
    it cannot be one (it excludes a term with ``-word``, or has characters no name has)."""
    if any(token.startswith("-") for token in text.split()):
        return None
    candidate = re.sub(r"[\s\"]+", "-", text).strip("-")
    if not candidate or not _NAME_RE.fullmatch(candidate):
        return None
    return normalize_name(candidate)


def _below(classifier: str) -> Q:
    return Q(classifier=classifier) | Q(classifier__startswith=f"{classifier}{SEPARATOR}")


def classifier_filters(classifiers: Sequence[str]) -> list[Exists] | None:
    """One filter per classifier: documents whose release has it or one below it
    (``"<classifier> :: …"``); None when one of them is used by no release at all.

    The classifiers are resolved to their ids first (one query), so that the database plans
    with the ids' real frequencies.
    """
    if not classifiers:
        return []
    wanted = Q(pk__in=[])
    for classifier in classifiers:
        wanted |= _below(classifier)
    known = list(Classifier.objects.filter(wanted).values_list("pk", "classifier"))
    through = Release.classifiers.through
    filters = []
    for classifier in classifiers:
        ids = [
            pk
            for pk, name in known
            if name == classifier or name.startswith(f"{classifier}{SEPARATOR}")
        ]
        if not ids:
            return None
        filters.append(
            Exists(through.objects.filter(release_id=OuterRef("release_id"), classifier_id__in=ids))
        )
    return filters


@contextmanager
def index_scans(text: str) -> Iterator[None]:
    """Run the block's queries (a search for ``text``: its count and its page) with
    sequential scans discouraged, on PostgreSQL when there is a text to match.

    A document's vector holds its description's words and is stored out of line (TOAST):
    checking ``@@`` row by row detoasts every row, about 10-20 µs each, while the GIN index
    answers a match without reading a vector. The planner does not count that cost and, for a
    common word (a quarter of the projects), prices a sequential scan about equal to the
    index: measured at 10,000 projects, 4 ms through the index against 90-200 ms row by row.
    ``SET LOCAL`` ends with the block's transaction (or savepoint) at the latest.
    """
    if connection.vendor != "postgresql" or not prepare(text):
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")


def search(text: str, classifiers: Iterable[str] = (), order: str = "") -> QuerySet[SearchDocument]:
    """The matching documents, ordered, with only the fields a result card shows.

    ``text`` empty: every indexed project (that the classifiers select). Unknown orders
    read as relevance.
    """
    documents = SearchDocument.objects.only(*CARD_FIELDS)
    filters = classifier_filters(list(dict.fromkeys(classifiers)))
    if filters is None:
        return documents.none()
    for exists in filters:
        documents = documents.filter(exists)
    text = prepare(text)
    if not text:
        if order == "name":
            return documents.order_by("normalized_name")
        return documents.order_by("-created", "normalized_name")
    if connection.vendor == "postgresql":
        documents = _full_text(documents, text)
    else:
        documents = _fallback(documents, text)
    if order == "-created":
        return documents.order_by("-created", "normalized_name")
    if order == "name":
        return documents.order_by("normalized_name")
    return documents.order_by("-exact", "-score", "normalized_name")


def _prefix(name: str) -> Q:
    """Normalized names starting with ``name``, as a range (byte order, see SearchDocument):
    an index answers it exactly, where ``LIKE`` would be checked again row by row."""
    after = name[:-1] + chr(ord(name[-1]) + 1)
    return Q(normalized_name__gte=name, normalized_name__lt=after)


def _name_matches(name: str | None) -> tuple[Q, Case, Case]:
    """The match, the exact-name flag and the prefix bonus for ``name``."""
    if name is None:
        nothing = Case(default=Value(0), output_field=IntegerField())
        return Q(pk__in=[]), nothing, Case(default=Value(0.0), output_field=FloatField())
    exact = Case(When(normalized_name=name, then=Value(1)), default=Value(0))
    match = Q(normalized_name=name)
    if len(name) > 1:
        match |= _prefix(name)
        prefix = Case(
            When(_prefix(name), then=Value(PREFIX_BONUS)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    else:
        prefix = Case(default=Value(0.0), output_field=FloatField())
    return match, exact, prefix


def _full_text(documents: QuerySet[SearchDocument], text: str) -> QuerySet[SearchDocument]:
    query = SearchQuery(text, config="english", search_type="websearch") | SearchQuery(
        text, config="simple", search_type="websearch"
    )
    name_match, exact, prefix = _name_matches(name_query(text))
    rank = SearchRank(
        F("search_vector"),
        query,
        weights=RANK_WEIGHTS,
        normalization=RANK_NORMALIZATION,
        cover_density=True,
    )
    return documents.filter(Q(search_vector=query) | name_match).annotate(
        exact=exact, score=Coalesce(rank, Value(0.0), output_field=FloatField()) + prefix
    )


# --- SQLite fallback ----------------------------------------------------------------------

_TEXT_FIELDS = ("name", "summary", "keywords", "description", "author", "maintainer")


@dataclass(frozen=True)
class Terms:
    """A query read as the fallback reads it: alternatives of required terms, and exclusions."""

    alternatives: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]


def parse(text: str) -> Terms:
    """Split ``text`` into terms and quoted phrases; ``-x`` excludes, ``or`` separates."""
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    for negated, phrase, word in _TERM_RE.findall(text):
        if word and word.lower() == "or":
            groups.append([])
            continue
        if word.startswith("-") and len(word) > 1:
            negated, word = "-", word[1:]
        term = (phrase if not word else word).strip()
        if not term:
            continue
        (excluded if negated else groups[-1]).append(term)
    alternatives = tuple(tuple(group) for group in groups if group)
    return Terms(alternatives, tuple(excluded))


def _anywhere(term: str) -> Q:
    found = Q(normalized_name__icontains=normalize_name(term))
    for field in _TEXT_FIELDS:
        found |= Q(**{f"{field}__icontains": term})
    return found


def _term_score(term: str) -> Case:
    return Case(
        When(
            Q(name__icontains=term) | Q(normalized_name__icontains=normalize_name(term)),
            then=Value(10),
        ),
        When(summary__icontains=term, then=Value(5)),
        When(_anywhere(term), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _all_of(terms: Sequence[str]) -> Q:
    found = Q()
    for term in terms:
        found &= _anywhere(term)
    return found


def _fallback(documents: QuerySet[SearchDocument], text: str) -> QuerySet[SearchDocument]:
    terms = parse(text)
    name_match, exact, prefix = _name_matches(name_query(text))
    match = name_match
    for group in terms.alternatives:
        match |= _all_of(group)
    # Only exclusions ("-word"): everything else, as websearch_to_tsquery reads it.
    if terms.alternatives or not terms.excluded:
        documents = documents.filter(match)
    for term in terms.excluded:
        documents = documents.exclude(_anywhere(term))
    score: Case | Value = Value(0)
    distinct = dict.fromkeys(t for group in terms.alternatives for t in group)
    for term in distinct:
        score = score + _term_score(term)  # type: ignore[assignment]
    return documents.annotate(exact=exact, score=score + prefix * 100)
