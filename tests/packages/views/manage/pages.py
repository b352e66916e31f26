"""The maintainers' pages and actions, as tables the access and sudo tests walk through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from packages.models import LifecycleStatus, Project, RoleName

from .conftest import BASE, NAME, SDIST_1, WHEEL_1, Site


@dataclass(frozen=True)
class Page:
    """A page read with GET."""

    path: Callable[[Site], str]
    write: bool = False  # needs Permission.WRITE (Owners)
    project: bool = True  # about one project (a user without a role gets a 404)


PAGES: dict[str, Page] = {
    "projects": Page(lambda s: "/manage/projects/", project=False),
    "overview": Page(lambda s: BASE),
    "release": Page(lambda s: f"{BASE}release/1.0/"),
    "file-delete": Page(
        lambda s: f"{BASE}release/1.0/file/{s.file(WHEEL_1).pk}/delete/", write=True
    ),
    "collaboration": Page(lambda s: f"{BASE}collaboration/"),
    "remove-role": Page(lambda s: f"{BASE}collaboration/{s.mia_role.pk}/remove/", write=True),
    "settings": Page(lambda s: f"{BASE}settings/"),
    "history": Page(lambda s: f"{BASE}history/"),
}


def _archive(site: Site) -> None:
    Project.objects.filter(pk=site.project.pk).update(lifecycle_status=LifecycleStatus.ARCHIVED)


@dataclass(frozen=True)
class Action:
    """A POST an Owner may make: where, with what, after preparing what."""

    path: Callable[[Site], str]
    data: Callable[[Site], dict[str, str]] = lambda s: {}
    prepare: Callable[[Site], Any] | None = None


ACTIONS: dict[str, Action] = {
    "yank": Action(
        lambda s: f"{BASE}release/1.0/yank/",
        lambda s: {"yank-reason": "broken", "yank-confirm": "1.0"},
    ),
    "unyank": Action(lambda s: f"{BASE}release/0.9/unyank/", lambda s: {"unyank-confirm": "0.9"}),
    "delete-release": Action(
        lambda s: f"{BASE}release/2.0/delete/", lambda s: {"delete-confirm": "2.0"}
    ),
    "delete-file": Action(
        lambda s: f"{BASE}release/1.0/file/{s.file(SDIST_1).pk}/delete/",
        lambda s: {"confirm": SDIST_1},
    ),
    "invite": Action(
        lambda s: f"{BASE}collaboration/",
        lambda s: {"username": "bob", "role_name": RoleName.MAINTAINER.value},
    ),
    "change-role": Action(
        lambda s: f"{BASE}collaboration/{s.mia_role.pk}/change/",
        lambda s: {"role_name": RoleName.OWNER.value},
    ),
    "remove-role": Action(
        lambda s: f"{BASE}collaboration/{s.mia_role.pk}/remove/", lambda s: {"confirm": "mia"}
    ),
    "revoke-invitation": Action(
        lambda s: f"{BASE}collaboration/invitation/{s.invitation.pk}/revoke/"
    ),
    "archive": Action(lambda s: f"{BASE}settings/archive/"),
    "unarchive": Action(lambda s: f"{BASE}settings/unarchive/", prepare=_archive),
    "delete-project": Action(lambda s: f"{BASE}settings/delete/", lambda s: {"confirm": NAME}),
}
