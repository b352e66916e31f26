"""Ranking and matching: PostgreSQL full-text, the SQLite fallback, and what both share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from packages.models import LifecycleStatus
from packages.search import query

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def names(text: str, classifiers: tuple[str, ...] = (), order: str = "") -> list[str]:
    return [d.name for d in query.search(text, classifiers, order)]


# Shared by both databases ------------------------------------------------------------------


def test_the_exact_name_comes_first_even_if_others_mention_it_often(indexed):
    indexed("requests-toolbelt", summary="Utilities for requests")
    indexed(
        "noisy",
        summary="requests requests requests",
        keywords="requests,requests",
        description="requests " * 500,
    )
    indexed("requests", summary="HTTP for Humans")

    assert names("requests")[0] == "requests"
    assert names("Requests")[0] == "requests"


def test_the_exact_name_matches_any_spelling_of_the_name(indexed):
    indexed("zope.interface", summary="Interfaces")
    indexed("zope-other", summary="Mentions zope.interface and zope_interface")

    for spelling in ("zope.interface", "Zope_Interface", "zope-interface", "zope interface"):
        assert names(spelling)[0] == "zope.interface", spelling


def test_a_name_prefix_matches(indexed):
    indexed("django", summary="A web framework")
    indexed("django-rest", summary="REST for it")
    indexed("flask", summary="Another web framework")

    assert set(names("djan")) == {"django", "django-rest"}


def test_a_quoted_phrase_matches_as_written(indexed):
    indexed("one", summary="A small web framework")
    indexed("two", summary="A framework for the web")

    assert names('"web framework"') == ["one"]
    assert names("'web framework'") == ["one"]  # single quotes read as double quotes
    assert set(names("web framework")) == {"one", "two"}


def test_a_minus_excludes_and_or_accepts_either(indexed):
    indexed("tomlkit", summary="Style-preserving TOML library")
    indexed("pyyaml", summary="YAML parser and emitter")
    indexed("other", summary="Reads TOML and YAML")

    assert set(names("toml -yaml")) == {"tomlkit"}
    assert set(names("tomlkit or pyyaml")) == {"tomlkit", "pyyaml"}


def test_every_term_must_match(indexed):
    indexed("one", summary="Parse TOML files")
    indexed("two", summary="Parse YAML files")

    assert names("parse toml") == ["one"]


def test_author_and_keywords_are_searched(indexed):
    indexed("one", author="Kenneth Reitz")
    indexed("two", keywords="asyncio,networking")

    assert names("reitz") == ["one"]
    assert names("networking") == ["two"]


def test_classifiers_filter_with_and_and_parent_prefixes(indexed):
    indexed("a", summary="lib", classifiers=["Framework :: Django :: 5.0", "Topic :: Internet"])
    indexed("b", summary="lib", classifiers=["Framework :: Django", "Topic :: Utilities"])
    indexed("c", summary="lib", classifiers=["Framework :: Django-CMS", "Topic :: Internet"])
    indexed("d", summary="lib", classifiers=["Framework :: Flask"])

    assert set(names("lib", ("Framework :: Django",))) == {"a", "b"}  # not Django-CMS
    assert names("lib", ("Framework :: Django", "Topic :: Internet")) == ["a"]
    assert set(names("", ("Topic",))) == {"a", "b", "c"}
    assert names("", ("Framework :: Django :: 5.0",)) == ["a"]
    assert names("lib", ("Framework :: Django", "Framework :: Flask")) == []
    assert names("lib", ("Nobody :: Uses :: This",)) == []
    assert names("", ("Framework :: Djang",)) == []  # a parent is a whole part, not a prefix


def test_order_by_date_and_by_name(indexed):
    indexed("beta", summary="sorting test", created=NOW - timedelta(days=3))
    indexed("Alpha", summary="sorting test", created=NOW - timedelta(days=1))
    indexed("gamma", summary="sorting test", created=NOW - timedelta(days=2))

    assert names("sorting", order="-created") == ["Alpha", "gamma", "beta"]
    assert names("sorting", order="name") == ["Alpha", "beta", "gamma"]
    assert names("", order="name") == ["Alpha", "beta", "gamma"]
    # Without a query, relevance is the date.
    assert names("", order="") == ["Alpha", "gamma", "beta"]
    assert names("", order="bogus") == ["Alpha", "gamma", "beta"]


def test_quarantined_projects_are_never_found(indexed):
    indexed("hidden", summary="secret", status=LifecycleStatus.QUARANTINE_ENTER)
    indexed("shown", summary="secret", status=LifecycleStatus.ARCHIVED)

    assert names("secret") == ["shown"]
    assert names("hidden") == []


def test_results_carry_only_what_a_card_shows(indexed):
    indexed("one", summary="card", description="long text")

    document = query.search("card").get()
    assert document.get_deferred_fields() >= {"description", "search_vector", "keywords"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Flask_Login", "flask-login"),
        ("flask login", "flask-login"),
        ('"requests"', "requests"),
        ("-requests", None),
        ("a+b", None),
        ("", None),
    ],
)
def test_name_query(text, expected):
    assert query.name_query(query.prepare(text)) == expected


def test_parse():
    terms = query.parse('web "static site" -old or blog')
    assert terms.alternatives == (("web", "static site"), ("blog",))
    assert terms.excluded == ("old",)
    assert query.parse('-"two words" x') == query.Terms((("x",),), ("two words",))


# PostgreSQL --------------------------------------------------------------------------------


def test_postgresql_stems_words_of_the_text(postgresql, indexed):
    indexed("one", summary="Parsing frameworks")

    assert names("parse framework") == ["one"]


def test_postgresql_keeps_names_whole(postgresql, indexed):
    # "the" is an English stop word and "attrs" would stem: the name still matches exactly.
    indexed("the", summary="A project called the")
    indexed("attrs", summary="Classes without boilerplate")

    assert names("the") == ["the"]
    assert names("attrs")[0] == "attrs"


def test_postgresql_a_one_letter_query_is_no_prefix(postgresql, indexed):
    indexed("x", summary="one letter")
    indexed("xylophone", summary="music")

    assert names("x") == ["x"]
    assert set(names("xy")) == {"xylophone"}


def test_postgresql_ranks_the_name_over_the_summary_over_the_description(postgresql, indexed):
    indexed("in-description", summary="something", description="Mentions widget once.")
    indexed("in-summary", summary="A widget library")
    indexed("widget-tools", summary="Tools")

    assert names("widget") == ["widget-tools", "in-summary", "in-description"]


def test_postgresql_a_prefix_outranks_a_mention(postgresql, indexed):
    indexed("mentions", summary="Extensions for flask and flask apps")
    indexed("flask-login", summary="User sessions")
    indexed("flask", summary="A micro framework")

    assert names("flask") == ["flask", "flask-login", "mentions"]


def test_postgresql_email_and_urls_are_searchable(postgresql, indexed):
    indexed("one", author="alice@example.org")

    assert names("alice@example.org") == ["one"]


def seqscan() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        return cursor.fetchone()[0]


def test_postgresql_index_scans_last_for_the_block_only(postgresql):
    with query.index_scans("web"):
        assert seqscan() == "off"
    assert seqscan() == "on"

    with pytest.raises(RuntimeError), query.index_scans("web"):
        raise RuntimeError
    assert seqscan() == "on"

    with query.index_scans(""):  # nothing to match: the planner's own choice
        assert seqscan() == "on"


# SQLite fallback ---------------------------------------------------------------------------


def test_fallback_scores_exact_then_prefix_then_name_then_summary_then_other(sqlite, indexed):
    indexed("other", summary="nothing", description="a widget somewhere")
    indexed("summary-has-it", summary="A widget library")
    indexed("my-widget", summary="named")
    indexed("widget-tools", summary="prefix")
    indexed("widget", summary="exact")

    assert names("widget") == [
        "widget",
        "widget-tools",
        "my-widget",
        "summary-has-it",
        "other",
    ]


def test_fallback_is_case_insensitive(sqlite, indexed):
    indexed("one", summary="Parse TOML")

    assert names("toml") == ["one"]
    assert names("PARSE") == ["one"]


def test_fallback_only_exclusions_return_the_others(sqlite, indexed):
    indexed("one", summary="toml")
    indexed("two", summary="yaml")

    assert names("-toml") == ["two"]
