"""The questions accounts and packages ask of the apps above them, answered at start-up.

Dependencies point one way (moderation → packages → accounts), yet three questions travel
upwards: "is this administrator's switch on?" (asked by accounts at registration and by
packages on upload; the switches are ``moderation.AdminFlag``), "which projects does this
user have?" (asked by accounts for token scopes and account deletion; projects are
``packages``) and "may an account take this username, or this e-mail address?" (asked at
registration and when an address is added; the prohibited usernames and mail domains are
moderation's). The apps that know the answers plug them in from their ``AppConfig.ready()``;
until then every switch reads as off, every user has no projects and every name is allowed.
This module is the only place where answers are plugged in upwards, so a reader finds every
such seam here.
(``packages.ports`` holds the one question packages alone asks moderation.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .caveats import ProjectLike
from .models import User


class Switch(StrEnum):
    """The administrators' switches (``moderation.AdminFlag`` rows carry these ids)."""

    READ_ONLY = "read-only"
    DISALLOW_NEW_UPLOAD = "disallow-new-upload"
    DISALLOW_NEW_PROJECT_REGISTRATION = "disallow-new-project-registration"
    DISALLOW_NEW_USER_REGISTRATION = "disallow-new-user-registration"
    DISALLOW_DELETION = "disallow-deletion"
    DISALLOW_OIDC = "disallow-oidc"


@dataclass
class _Answers:
    switch_is_on: Callable[[str], bool] = lambda switch_id: False
    projects_of: Callable[[User], Sequence[ProjectLike]] = lambda user: ()
    sole_owned: Callable[[User], Sequence[ProjectLike]] = lambda user: ()
    username_refusal: Callable[[str], str | None] = lambda username: None
    email_refusal: Callable[[str], str | None] = lambda email: None


_answers = _Answers()


def answer_switches(switch_is_on: Callable[[str], bool]) -> None:
    """Plug in the switch lookup (the moderation app does, at start-up)."""
    _answers.switch_is_on = switch_is_on


def answer_projects(
    *,
    projects_of: Callable[[User], Sequence[ProjectLike]],
    sole_owned: Callable[[User], Sequence[ProjectLike]],
) -> None:
    """Plug in the project lookups (the packages app does, at start-up)."""
    _answers.projects_of = projects_of
    _answers.sole_owned = sole_owned


def answer_account_rules(
    *,
    username_refusal: Callable[[str], str | None],
    email_refusal: Callable[[str], str | None],
) -> None:
    """Plug in the rules for new usernames and addresses (the moderation app does, at start-up).

    Each returns the message that refuses its argument, or None.
    """
    _answers.username_refusal = username_refusal
    _answers.email_refusal = email_refusal


def is_on(switch: Switch) -> bool:
    """True when an administrator has turned ``switch`` on."""
    return _answers.switch_is_on(switch.value)


def projects_of(user: User) -> list[ProjectLike]:
    """Projects ``user`` has a role on, by name: what a token may be limited to."""
    return list(_answers.projects_of(user))


def sole_owned(user: User) -> list[ProjectLike]:
    """Projects of which ``user`` is the only Owner (the account cannot be deleted then)."""
    return list(_answers.sole_owned(user))


def username_refusal(username: str) -> str | None:
    """Why a new account may not take ``username`` (prohibited by administrators), or None."""
    return _answers.username_refusal(username)


def email_refusal(email: str) -> str | None:
    """Why an account may not register or add ``email`` (its domain is prohibited), or None."""
    return _answers.email_refusal(email)
