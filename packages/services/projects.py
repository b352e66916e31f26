"""Creating a project: the name rules, the creation rate limit, the first Owner."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from help.links import help_url
from pypi_site import switches

from .. import name_policy
from ..models import Project, ProjectEvent, Role, RoleName
from ..names import is_valid_project_name, normalize_name, ultranormalize_name
from . import events
from .events import Actor

PROJECT_CREATE = "project:create"


class ProjectRefused(Exception):
    """A project that may not be created: the HTTP status and the reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _check_rate(actor: Actor) -> None:
    since = timezone.now() - timedelta(hours=1)
    recent = ProjectEvent.objects.filter(tag=PROJECT_CREATE, time__gte=since)
    per_user = settings.UPLOAD_NEW_PROJECTS_PER_USER_HOUR
    per_ip = settings.UPLOAD_NEW_PROJECTS_PER_IP_HOUR
    if (actor.user and recent.filter(user=actor.user).count() >= per_user) or (
        actor.ip_address and recent.filter(ip_address=actor.ip_address).count() >= per_ip
    ):
        raise ProjectRefused(429, _("Too many new projects created"))


def check_name_available(name: str) -> None:
    """Refuse a name no new project may take (Warehouse's order of checks)."""
    if not is_valid_project_name(name):
        raise ProjectRefused(400, _("The name '{name}' is invalid.").format(name=name))
    refusal = name_policy.refusal(name)
    if refusal:
        raise ProjectRefused(400, refusal)
    if Project.objects.filter(ultranormalized_name=ultranormalize_name(name)).exists():
        raise ProjectRefused(
            400,
            _(
                "The name '{name}' is too similar to an existing project. "
                "See {url} for more information."
            ).format(name=name, url=help_url("project-name")),
        )


def create_project(name: str, *, actor: Actor) -> tuple[Project, list[tuple[str, str | None]]]:
    """Create ``name`` with ``actor.user`` as its Owner.

    Returns the project and the journal entries the caller writes when its transaction ends.
    Raises ``ProjectRefused`` (429, 403, 400 or 409) when the project may not be created.
    """
    _check_rate(actor)
    if switches.is_on(switches.Switch.DISALLOW_NEW_PROJECT_REGISTRATION):
        raise ProjectRefused(
            403,
            _(
                "New project registration temporarily disabled. See {url} for more information."
            ).format(url=help_url("admin-intervention")),
        )
    check_name_available(name)
    try:
        with transaction.atomic():
            project = Project.objects.create(
                name=name,
                normalized_name=normalize_name(name),
                ultranormalized_name=ultranormalize_name(name),
            )
    except IntegrityError:
        raise ProjectRefused(
            409,
            _(
                "The name '{name}' conflicts with an existing project. "
                "See {url} for more information."
            ).format(name=name, url=help_url("project-name")),
        ) from None
    events.record(project, PROJECT_CREATE, actor)
    journal: list[tuple[str, str | None]] = [("create", None)]
    if actor.user is not None:
        Role.objects.create(user=actor.user, project=project, role_name=RoleName.OWNER)
        events.record(
            project,
            "project:role:add",
            actor,
            role_name=RoleName.OWNER.value,
            target_user=actor.user.username,
        )
        journal.append((f"add {RoleName.OWNER.value} {actor.user.username}", None))
    return project, journal
