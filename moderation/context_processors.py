"""What every page's template learns from moderation."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from . import banners


def switch_banners(request: HttpRequest) -> dict[str, Callable[[], list[str]]]:
    """``switch_banners``: the texts of the switches' banners (``banners.shown``).

    Passed uncalled: the template engine calls it where ``base.html`` shows the banners, so a
    template that never shows them (a mail, an API page) costs nothing.
    """
    return {"switch_banners": banners.shown}
