"""What accounts needs to know about a user's projects, without depending on packages.

packages (which sits above accounts) plugs its answers in at start-up: the projects a token
may be limited to, and the projects an account is the sole Owner of.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .caveats import ProjectLike
from .models import User


@dataclass
class _Provider:
    projects_of: Callable[[User], Sequence[ProjectLike]] = lambda user: ()
    sole_owned: Callable[[User], Sequence[ProjectLike]] = lambda user: ()


_provider = _Provider()


def register(
    *,
    projects_of: Callable[[User], Sequence[ProjectLike]],
    sole_owned: Callable[[User], Sequence[ProjectLike]],
) -> None:
    _provider.projects_of = projects_of
    _provider.sole_owned = sole_owned


def projects_of(user: User) -> list[ProjectLike]:
    """Projects ``user`` has a role on, by name: what a token may be limited to."""
    return list(_provider.projects_of(user))


def sole_owned(user: User) -> list[ProjectLike]:
    """Projects of which ``user`` is the only Owner (the account cannot be deleted then)."""
    return list(_provider.sole_owned(user))
