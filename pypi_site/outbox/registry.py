"""The kinds of after-commit work the outbox knows, by name.

Each app registers the functions it wants run after commit with ``@work(name)``, in the module
that owns the work; the outbox stores only the name and the keyword arguments (JSON). A
function raises to say that the work failed (it is then tried again later); what it returns is
ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

Function = Callable[..., Any]


@dataclass(frozen=True)
class Work:
    name: str
    function: Function
    #: Without a broker, run it on the process's background thread instead of in the request
    #: that committed it: for work that waits on another service (a CDN purge).
    off_request: bool = False


_works: dict[str, Work] = {}


def work(name: str, *, off_request: bool = False) -> Callable[[Function], Function]:
    """Register the decorated function as the work called ``name``."""

    def register(function: Function) -> Function:
        _works[name] = Work(name, function, off_request)
        return function

    return register


def lookup(name: str) -> Work:
    """The work called ``name``; KeyError if no app registers it."""
    if name not in _works:
        # The registering modules are the apps' ``tasks`` modules and what they import, which
        # a management command may not have imported yet.
        autodiscover_modules("tasks")
    return _works[name]


def names(*, off_request: bool) -> frozenset[str]:
    return frozenset(name for name, w in _works.items() if w.off_request == off_request)
