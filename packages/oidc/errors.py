"""Why a trusted-publishing request was refused, and the answer clients read.

Every refusal on the way from a CI token to an upload token is an ``OIDCError``: a code from
the public index's fixed set (``invalid-payload``, ``not-enabled``, ``invalid-token``,
``invalid-pending-publisher``, ``invalid-publisher``, ``invalid-reuse-token``) and a
description for the person reading the CI log. ``as_response`` turns one or more of them into
the 422 answer twine, uv and the CI publish actions print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import JsonResponse
from django.utils.translation import gettext


# Not frozen: a frozen dataclass refuses every attribute assignment, and Python assigns
# ``__traceback__`` to an exception that leaves a ``@contextmanager`` block (journal.deferred,
# for one), which would turn the refusal into a FrozenInstanceError.
@dataclass
class OIDCError(Exception):
    """A refused trusted-publishing request: ``code`` for clients, ``description`` for people."""

    code: str
    description: str

    def __post_init__(self) -> None:
        super().__init__(self.code, self.description)

    def __str__(self) -> str:
        return f"{self.code}: {self.description}"


def as_response(errors: OIDCError | Iterable[OIDCError]) -> JsonResponse:
    """The public index's answer to a refused token request: 422, each error's code and words."""
    if isinstance(errors, OIDCError):
        errors = [errors]
    return JsonResponse(
        {
            "message": gettext("Token request failed"),
            "errors": [{"code": e.code, "description": e.description} for e in errors],
        },
        status=422,
    )
