"""Rendering release descriptions to sanitised HTML."""

from __future__ import annotations

import threading
import time
from importlib.metadata import version

import psutil
import pytest

from packages.description import (
    CONCURRENT_RENDERINGS,
    RenderTimeout,
    render_description,
    render_description_within,
)

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


# Rendering within a time limit, in a child process -------------------------------------------

# Minutes for any of the renderers run in-process: comrak and nh3 are quadratic in the depth
# of nested block quotes.
QUOTE_BOMB = ">" * 200_000 + " a\n"
# docutils raises KeyError for a chain of substitutions that ends in an undefined one.
RST_CRASH = ".. |a| replace:: |b|\n.. |b| replace:: |c|\n\n|a|\n"
# docutils recurses once per level of indentation: 200 nested block quotes exhaust the stack.
RST_TOO_DEEP = "".join(" " * level + "a\n" for level in range(200))


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ("Title\n=====\n\nSome *emphasis*.\n", None),
        (MARKDOWN_TABLE, "text/markdown"),
        (MARKDOWN_TABLE, "text/markdown; variant=CommonMark"),
        ("a < b\n  indented", "text/plain"),
        ("```python\nprint('hello')\n```\n", "text/markdown"),
    ],
    ids=["rst", "gfm", "commonmark", "plain", "highlighted-code"],
)
def test_rendering_within_a_limit_gives_the_same_html(raw, content_type):
    assert render_description_within(raw, content_type, seconds=30) == render_description(
        raw, content_type
    )


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (".. raw:: html\n\n   <b>raw</b>\n", None),
        ("# Title\n", "text/markdown; variant=Nope"),
    ],
    ids=["rst-raw-directive", "markdown-variant"],
)
def test_what_does_not_render_does_not_render_within_a_limit(raw, content_type):
    assert render_description_within(raw, content_type, seconds=30) is None


@pytest.mark.parametrize("raw", [RST_CRASH, RST_TOO_DEEP], ids=["keyerror", "recursion"])
def test_a_renderer_that_crashes_means_the_description_does_not_render(raw):
    with pytest.raises((KeyError, RecursionError)):
        render_description(raw, None)

    assert render_description_within(raw, None, seconds=30) is None


def _children() -> set[int]:
    """This process's children. Other tests in the process may have left servers running (the
    live sites of the interop and browser suites): a test counts only the children it starts."""
    return {child.pid for child in psutil.Process().children()}


@pytest.mark.parametrize("content_type", ["text/markdown", "text/markdown; variant=CommonMark"])
def test_rendering_that_takes_too_long_is_stopped_at_the_limit(content_type):
    before = _children()
    started = time.monotonic()

    with pytest.raises(RenderTimeout, match="rendering took longer than 1 seconds"):
        render_description_within(QUOTE_BOMB, content_type, seconds=1)

    assert time.monotonic() - started < 3
    # The child was killed and reaped: nothing renders on, and no zombie is left.
    assert _children() <= before


def test_rendering_that_needs_too_much_memory_does_not_render():
    footnotes = "[^a]" * 250_000 + "\n\n[^a]: b\n"  # about 300 MiB for comrak
    before = _children()

    rendered = render_description_within(
        footnotes, "text/markdown", seconds=30, memory_bytes=32 * 1024 * 1024
    )

    assert rendered is None
    assert _children() <= before


def test_blank_descriptions_render_empty_within_a_limit():
    rendered = render_description_within("  \n", "text/markdown", seconds=30)

    assert rendered is not None
    assert (rendered.html, rendered.content_type) == ("", "text/markdown")


def test_one_process_runs_a_bounded_number_of_renderings_at_once():
    """Threads rendering slow descriptions: two children at most; the third waits for a turn,
    and its wait counts in its time limit."""
    outcomes: list[str] = []
    most = 0

    def render() -> None:
        try:
            render_description_within(QUOTE_BOMB, "text/markdown", seconds=2)
        except RenderTimeout:
            outcomes.append("timeout")

    threads = [threading.Thread(target=render) for _ in range(CONCURRENT_RENDERINGS + 1)]
    before = _children()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        most = max(most, len(_children() - before))
        time.sleep(0.05)

    assert outcomes == ["timeout"] * (CONCURRENT_RENDERINGS + 1)
    assert most == CONCURRENT_RENDERINGS
    assert time.monotonic() - started < 4
