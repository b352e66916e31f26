"""The Help page (``/help/``): one title, unique ids, and every anchor the site links to."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("accounts", "help", "moderation", "packages", "pypi_site")
HELP_URL_CALL = re.compile(r"""help_url\(\s*["']([^"']+)["']""")
HELP_TEMPLATE_LINK = re.compile(r"""\{%\s*url\s+["']help:index["']\s*%\}#([\w-]+)""")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]
        self._in_title = self._in_title or tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def linked_anchors() -> set[str]:
    """Anchors passed to ``help_url(...)`` in the code, or appended to ``{% url 'help:index' %}``
    in the templates."""
    anchors: set[str] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            anchors |= set(HELP_URL_CALL.findall(path.read_text()))
    for path in (ROOT / "templates").rglob("*.html"):
        anchors |= set(HELP_TEMPLATE_LINK.findall(path.read_text()))
    return anchors


@pytest.fixture
def page(client) -> _Page:
    response = client.get(reverse("help:index"))
    assert response.status_code == 200
    parsed = _Page()
    parsed.feed(response.content.decode())
    return parsed


def test_title_is_short(page, settings):
    assert page.title.strip() == f"Help · {settings.SITE_NAME}"


def test_ids_are_unique(page):
    duplicates = [id_ for id_, count in Counter(page.ids).items() if count > 1]
    assert duplicates == []


def test_the_scan_finds_the_links():
    anchors = linked_anchors()
    # One from Python code, one from a template: the two patterns still match something.
    assert {"file-name-reuse", "unrecognized_login"} <= anchors


def test_every_linked_anchor_exists(page):
    assert sorted(linked_anchors() - set(page.ids)) == []
