"""``/classifiers/``: every classifier, grouped, each a link to the search."""

from __future__ import annotations

import pytest
from trove_classifiers import deprecated_classifiers, sorted_classifiers

from packages.views.discovery import classifier_groups

from .conftest import page

pytestmark = pytest.mark.django_db


def test_every_current_classifier_once_grouped_by_category():
    groups = classifier_groups()

    listed = [c for g in groups for c in g.classifiers]
    assert listed == [c for c in sorted_classifiers if c not in deprecated_classifiers]
    assert len({g.name for g in groups}) == len(groups)
    assert all(c.startswith(g.name + " :: ") for g in groups for c in g.classifiers)
    assert {"Development Status", "License", "Programming Language", "Topic"} <= {
        g.name for g in groups
    }


def test_deprecated_classifiers_are_left_out(client):
    html = page(client, "/classifiers/")

    for classifier in deprecated_classifiers:
        assert f">{classifier}</a>" not in html


def test_each_links_to_the_search(client):
    html = page(client, "/classifiers/")

    assert (
        '<a href="/search/?c=Programming%20Language%20%3A%3A%20Python%20%3A%3A%203">'
        "Programming Language :: Python :: 3</a>" in html
    )
    assert '<h2 id="category-development-status">Development Status</h2>' in html
    assert '<a href="#category-development-status">Development Status <span' in html


def test_needs_no_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        page(client, "/classifiers/")
