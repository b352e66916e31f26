"""Accessibility fixes for rendered Markdown, shared by the pages that show it (Help answers,
project descriptions).

- A code block scrolls sideways on a narrow screen: it must be reachable from the keyboard
  (``tabindex="0"``), or keyboard users cannot scroll it.
- The Markdown renderer writes a code block's language as ``lang="python"``, which claims a
  human language; it is kept as ``data-lang`` instead.
"""

from __future__ import annotations

import re

_PRE_LANG = re.compile(r"<pre(\s[^>]*?)?\slang=\"([^\"]*)\"")
_PRE = re.compile(r"<pre(?![^>]*\btabindex=)(?=[\s>])")


def accessible_code_blocks(html: str) -> str:
    html = _PRE_LANG.sub(lambda m: f'<pre{m.group(1) or ""} data-lang="{m.group(2)}"', html)
    return _PRE.sub('<pre tabindex="0"', html)
