"""The sidebar's classifier groups."""

from __future__ import annotations

import pytest

from packages.search import filters


def test_groups_follow_the_public_index_order_then_the_alphabet():
    used = [
        ("Typing :: Typed", 1),
        ("Programming Language :: Python :: 3", 5),
        ("Framework :: Django", 2),
        ("Environment :: Web Environment", 1),
        ("Development Status :: 5 - Production/Stable", 3),
        ("Topic :: Internet", 4),
        ("Natural Language :: English", 1),
        ("License :: OSI Approved :: MIT License", 2),
        ("Operating System :: OS Independent", 2),
        ("Intended Audience :: Developers", 2),
        ("Private :: Do Not Upload", 1),
    ]

    assert [g.name for g in filters.groups(used)] == [
        "Framework",
        "Topic",
        "Development Status",
        "License",
        "Programming Language",
        "Operating System",
        "Environment",
        "Intended Audience",
        "Natural Language",
        "Private",
        "Typing",
    ]


def test_facets_keep_their_order_label_count_and_selection():
    used = [("Framework :: Django", 2), ("Framework :: Django :: 5.0", 1)]

    (group,) = filters.groups(used, ["Framework :: Django :: 5.0"])

    assert [(f.label, f.count, f.selected) for f in group.facets] == [
        ("Django", 2, False),
        ("Django :: 5.0", 1, True),
    ]
    assert group.selected == 1


def test_a_selected_classifier_nobody_uses_is_listed_checked():
    (group,) = filters.groups([("Topic :: Internet", 1)], ["Topic :: Games"])

    assert [(f.classifier, f.count, f.selected) for f in group.facets] == [
        ("Topic :: Games", None, True),
        ("Topic :: Internet", 1, False),
    ]


def test_popular_is_the_most_used_first():
    used = [("A :: x", 1), ("B :: y", 5), ("C :: z", 3)]

    assert [f.classifier for f in filters.popular(used, limit=2)] == ["B :: y", "C :: z"]


@pytest.mark.django_db
def test_counts_are_per_indexed_project_and_follow_the_index(indexed):
    indexed("a", classifiers=["Topic :: Internet", "Framework :: Django"])
    indexed("b", classifiers=["Topic :: Internet"])
    indexed("hidden", classifiers=["Topic :: Games"], status="quarantine-enter")

    assert dict(filters.counts().items) == {"Topic :: Internet": 2, "Framework :: Django": 1}

    indexed("c", classifiers=["Topic :: Games"])
    assert dict(filters.counts().items)["Topic :: Games"] == 1
