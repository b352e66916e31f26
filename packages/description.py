"""Project descriptions: turn a release's raw description into sanitised HTML.

Follows Warehouse's renderer choice: no content type means reStructuredText,
``text/markdown`` uses the GFM or CommonMark variant, ``text/plain`` and anything
unknown are shown as plain text. readme_renderer sanitises every output with nh3.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from email.message import EmailMessage
from importlib.metadata import version

import readme_renderer.markdown
import readme_renderer.rst
import readme_renderer.txt

RST = "text/x-rst"
MARKDOWN = "text/markdown"
PLAIN = "text/plain"

_MARKDOWN_VARIANTS = {"gfm": "GFM", "commonmark": "CommonMark"}


@dataclass(frozen=True)
class Rendered:
    html: str
    content_type: str
    rendered_by: str


@functools.cache
def renderer_version() -> str:
    """The renderer and its version, stored with the HTML so stale renderings can be redone."""
    return f"readme-renderer {version('readme-renderer')}"


def render_description(raw: str, content_type: str | None) -> Rendered | None:
    """Render ``raw`` as HTML for ``content_type``, or return None when it does not render.

    The HTML is always sanitised (no script, no raw HTML from reStructuredText). A blank
    description renders to an empty string. reStructuredText that produces any docutils
    warning, and Markdown with an unknown variant, do not render; there is no fallback.
    """
    kind, params = _parse_content_type(content_type)
    if not raw.strip():
        return Rendered(html="", content_type=kind, rendered_by=renderer_version())
    if kind == RST:
        html = readme_renderer.rst.render(raw, stream=io.StringIO())
    elif kind == MARKDOWN:
        html = _render_markdown(raw, params.get("variant"))
    else:
        html = _render_plain(raw)
    if html is None:
        return None
    return Rendered(html=html, content_type=kind, rendered_by=renderer_version())


def _parse_content_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """The normalised type among RST, MARKDOWN and PLAIN, and the header's parameters."""
    if not content_type:
        return RST, {}
    message = EmailMessage()
    try:
        message["content-type"] = content_type
    except (ValueError, IndexError):
        # Unparsable: RFC 2045 says to read it as text/plain, as get_content_type() does.
        return PLAIN, {}
    kind = message.get_content_type()
    params = dict(message["content-type"].params)
    return (kind if kind in {RST, MARKDOWN} else PLAIN), params


def _render_markdown(raw: str, variant: str | None) -> str | None:
    name = _MARKDOWN_VARIANTS.get((variant or "GFM").lower())
    if name is None:
        return None
    return readme_renderer.markdown.render(raw, variant=name)


def _render_plain(raw: str) -> str:
    html = readme_renderer.txt.render(raw) or ""
    # Preformatted, as Warehouse shows it, so the author's spacing survives.
    return html if html.startswith("<pre>") else f"<pre>{html}</pre>"
