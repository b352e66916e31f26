"""Caveats carried by API tokens, encoded as Warehouse encodes them.

Each caveat is a compact JSON array ``[tag, field, ...]``:
0 Expiration(expires_at, not_before), 1 ProjectName(normalized_names), 2 ProjectID(project_ids),
3 RequestUser(user_id). A caveat names what a token may do; ``check`` says why a request falls
outside it, in the words Warehouse uses.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Protocol


class ProjectLike(Protocol):
    pk: Any
    name: str
    normalized_name: str


@dataclass(frozen=True)
class Context:
    """What a request wants to do with a token: act as ``user_id`` on ``project`` (or none)."""

    user_id: str | None
    project: ProjectLike | None
    now: int


class InvalidCaveat(ValueError):
    pass


@dataclass(frozen=True)
class Expiration:
    expires_at: int
    not_before: int
    TAG = 0

    def check(self, ctx: Context) -> str | None:
        if ctx.now < self.not_before or ctx.now >= self.expires_at:
            return "token is expired"
        return None

    def fields(self) -> list[Any]:
        return [self.expires_at, self.not_before]


@dataclass(frozen=True)
class ProjectName:
    normalized_names: tuple[str, ...]
    TAG = 1

    def check(self, ctx: Context) -> str | None:
        if ctx.project is None:
            return "project-scoped token used outside of a project context"
        if ctx.project.normalized_name not in self.normalized_names:
            return f"project-scoped token is not valid for project: '{ctx.project.name}'"
        return None

    def fields(self) -> list[Any]:
        return [list(self.normalized_names)]


@dataclass(frozen=True)
class ProjectID:
    project_ids: tuple[str, ...]
    TAG = 2

    def check(self, ctx: Context) -> str | None:
        if ctx.project is None:
            return "project-scoped token used outside of a project context"
        if str(ctx.project.pk) not in self.project_ids:
            return f"project-scoped token is not valid for project: '{ctx.project.name}'"
        return None

    def fields(self) -> list[Any]:
        return [list(self.project_ids)]


@dataclass(frozen=True)
class RequestUser:
    user_id: str
    TAG = 3

    def check(self, ctx: Context) -> str | None:
        if ctx.user_id is None:
            return "token with user restriction without a user"
        if ctx.user_id != self.user_id:
            return "current user does not match user restriction in token"
        return None

    def fields(self) -> list[Any]:
        return [self.user_id]


Caveat = Expiration | ProjectName | ProjectID | RequestUser


def serialize(caveat: Caveat) -> str:
    """The caveat's predicate as it is written into a macaroon."""
    return json.dumps([caveat.TAG, *caveat.fields()], sort_keys=True, separators=(",", ":"))


def deserialize(predicate: str | bytes) -> Caveat:
    """Parse a predicate; raise ``InvalidCaveat`` for anything this site did not write."""
    try:
        data = json.loads(predicate)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCaveat("caveat is not valid JSON") from exc
    if not isinstance(data, list) or not data or not isinstance(data[0], int):
        raise InvalidCaveat("caveat has an unknown format")
    tag, fields = data[0], data[1:]
    try:
        if tag == Expiration.TAG:
            expires_at, not_before = fields
            return Expiration(int(expires_at), int(not_before))
        if tag == ProjectName.TAG:
            (names,) = fields
            return ProjectName(tuple(str(n) for n in names))
        if tag == ProjectID.TAG:
            (ids,) = fields
            return ProjectID(tuple(str(i) for i in ids))
        if tag == RequestUser.TAG:
            (user_id,) = fields
            return RequestUser(str(user_id))
    except (TypeError, ValueError) as exc:
        raise InvalidCaveat(f"caveat {tag} has malformed fields") from exc
    raise InvalidCaveat(f"unknown caveat tag {tag}")


def failures(predicates: list[str | bytes], ctx: Context) -> list[str]:
    """Every reason the predicates refuse ``ctx``; empty when all of them allow it."""
    reasons: list[str] = []
    for predicate in predicates:
        try:
            reason = deserialize(predicate).check(ctx)
        except InvalidCaveat as exc:
            reason = str(exc)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons


def now() -> int:
    return int(time.time())
