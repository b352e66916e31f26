"""Project history: who did what to a project, from where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from accounts.client import client_ip, user_agent
from accounts.models import User

from ..models import Project, ProjectEvent, ProjectEventTag


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where, carried from a request (or a command) into services."""

    user: User | None
    ip_address: str | None = None
    user_agent: str = ""
    # The API token the user acted with ("<name> (<id>)"), shown in the project's history.
    token: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, user: User | None, *, token: str = "") -> Actor:
        return cls(
            user=user, ip_address=client_ip(request), user_agent=user_agent(request), token=token
        )

    @property
    def username(self) -> str | None:
        return self.user.username if self.user is not None else None


def record(project: Project, tag: ProjectEventTag, actor: Actor, **additional: Any) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project,
        tag=tag.value,
        user=actor.user,
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        additional={
            "submitted_by": actor.username,
            **({"api_token": actor.token} if actor.token else {}),
            **additional,
        },
    )
