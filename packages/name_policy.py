"""The questions packages asks before a new project name is taken.

The rules that belong to moderation (standard-library names, names prohibited by
administrators) are plugged in by the moderation app at start-up; packages knows only this
interface. Each check returns the refusal message, or None.
"""

from __future__ import annotations

from collections.abc import Callable

NameCheck = Callable[[str], "str | None"]

_checks: list[NameCheck] = []


def register(check: NameCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def refusal(name: str) -> str | None:
    """The first registered refusal of ``name``, in registration order."""
    for check in _checks:
        message = check(name)
        if message:
            return message
    return None
