"""Placeholders, Markdown and the Help app's independence."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import help
from help import content, rendering

HELP_APP = Path(help.__file__).parent
PROJECT_APPS = {"accounts", "packages", "moderation", "pypi_site", "tests"}


def test_an_unknown_placeholder_is_left_as_it_is():
    values = {"site_url": "https://index.example"}
    text = 'See {site_url}, {unknown} and {"json": 1} or {Upper} and {}.'
    assert rendering.fill(text, values) == (
        'See https://index.example, {unknown} and {"json": 1} or {Upper} and {}.'
    )


def test_an_answer_is_rendered_and_sanitised():
    html = rendering.render_answer(
        "Go to [the top](#top) of {site_name}.\n\n<script>alert(1)</script>", {"site_name": "X"}
    )
    assert html.strip() == '<p>Go to <a href="#top" rel="nofollow">the top</a> of X.</p>'


def test_the_seeded_texts_use_only_placeholders_that_have_a_value():
    used = {
        name
        for section in content.SECTIONS
        for q in section.questions
        for name in re.findall(r"\{([a-z_]+)\}", section.title + q.question + q.answer)
    }
    values = rendering.placeholders()
    assert set(values) <= set(rendering.PLACEHOLDER_NAMES)
    assert used - set(values) == set()


def test_the_contact_phrase(settings):
    assert rendering.contact() == "the administrators of this index"
    settings.SUPPORT_EMAIL = "help@index.example"
    assert rendering.contact() == (
        "the administrators of this index at [help@index.example](mailto:help@index.example)"
    )
    settings.SUPPORT_URL = "https://support.index.example/"
    assert rendering.contact().endswith(
        "or through [their support page](https://support.index.example/)"
    )
    settings.SUPPORT_EMAIL = ""
    assert rendering.contact() == (
        "the administrators of this index through [their support page]"
        "(https://support.index.example/)"
    )


def test_the_help_app_imports_no_other_app():
    """``help`` depends on nothing in the project (docs/architecture.md)."""
    imported: set[str] = set()
    for path in HELP_APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert imported & PROJECT_APPS == set()
