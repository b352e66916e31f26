"""Rendering release descriptions to sanitised HTML."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from packages.description import render_description

MARKDOWN_TABLE = "| a | b |\n|---|---|\n| 1 | 2 |\n"


@pytest.mark.parametrize("content_type", [None, "", "text/x-rst", "TEXT/X-RST; charset=UTF-8"])
def test_restructuredtext_is_the_default(content_type):
    rendered = render_description("Title\n=====\n\nSome *emphasis*.\n", content_type)

    assert rendered is not None
    assert rendered.content_type == "text/x-rst"
    assert "<em>emphasis</em>" in rendered.html
    assert rendered.rendered_by == f"readme-renderer {version('readme-renderer')}"


@pytest.mark.parametrize(
    "content_type",
    ["text/markdown", "text/markdown; variant=GFM", "text/markdown; charset=UTF-8; variant=GFM"],
    ids=["default", "explicit", "with-charset"],
)
def test_markdown_defaults_to_github_flavour(content_type):
    rendered = render_description(MARKDOWN_TABLE, content_type)

    assert rendered is not None
    assert rendered.content_type == "text/markdown"
    assert "<table>" in rendered.html


def test_markdown_commonmark_variant_has_no_tables():
    rendered = render_description(MARKDOWN_TABLE, "text/markdown; variant=CommonMark")

    assert rendered is not None
    assert "<table>" not in rendered.html
    assert "| a | b |" in rendered.html


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/plain; charset=UTF-8", "application/json"]
)
def test_plain_text_and_unknown_types_are_preformatted(content_type):
    rendered = render_description("a < b\n  indented", content_type)

    assert rendered is not None
    assert rendered.content_type == "text/plain"
    assert rendered.html == "<pre>a &lt; b<br>  indented</pre>"


@pytest.mark.parametrize(
    "content_type",
    [None, "text/markdown", "text/markdown; variant=CommonMark", "text/plain"],
    ids=["rst", "gfm", "commonmark", "plain"],
)
def test_scripts_do_not_survive(content_type):
    rendered = render_description('Hello\n\n<script>alert("x")</script>\n', content_type)

    assert rendered is not None
    assert "<script" not in rendered.html


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (".. raw:: html\n\n   <b>raw</b>\n", None),
        ("Title\n=====\n\n.. no-such-directive::\n", "text/x-rst"),
        ("`unclosed link <http://example.com\n", "text/x-rst"),
        ("# Title\n", "text/markdown; variant=Nope"),
    ],
    ids=["rst-raw-directive", "rst-unknown-directive", "rst-warning", "markdown-variant"],
)
def test_descriptions_that_fail_to_render(raw, content_type):
    assert render_description(raw, content_type) is None


@pytest.mark.parametrize("raw", ["", "  \n\n"], ids=["empty", "blank"])
@pytest.mark.parametrize("content_type", [None, "text/markdown", "text/plain"])
def test_empty_descriptions_render_empty(raw, content_type):
    rendered = render_description(raw, content_type)

    assert rendered is not None
    assert rendered.html == ""
