"""The question packages asks of moderation, answered at start-up: may this name be taken?

The rules belong to moderation (standard-library names, names prohibited by
administrators), which sits above packages; it plugs its checks in from its
``AppConfig.ready()``. Packages knows only this interface. Each check returns the refusal
message, or None. (The switches and the users' projects are asked through ``accounts.ports``.)
"""

from __future__ import annotations

from collections.abc import Callable

NameCheck = Callable[[str], "str | None"]

_name_checks: list[NameCheck] = []


def answer_name_checks(*checks: NameCheck) -> None:
    """Plug in the name rules, in the order they are asked."""
    for check in checks:
        if check not in _name_checks:
            _name_checks.append(check)


def name_refusal(name: str) -> str | None:
    """The first refusal of ``name`` by the plugged-in rules, or None."""
    for check in _name_checks:
        message = check(name)
        if message:
            return message
    return None
