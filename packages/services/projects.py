"""Projects: creating one (name rules, rate limit, first Owner), its lifecycle, its limits,
deleting it. Each function is one transaction that journals, records an event and purges."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import ports as account_ports
from accounts.models import User
from help.links import help_url

from .. import ports
from ..models import LifecycleStatus, Project, ProjectEvent, ProjectEventTag, RoleName
from ..names import is_valid_project_name, normalize_name, ultranormalize_name
from . import events, journal, notify, roles
from .events import Actor
from .refusals import Refused


def _check_rate(actor: Actor) -> None:
    since = timezone.now() - timedelta(hours=1)
    recent = ProjectEvent.objects.filter(tag=ProjectEventTag.PROJECT_CREATE, time__gte=since)
    per_user = settings.UPLOAD_NEW_PROJECTS_PER_USER_HOUR
    per_ip = settings.UPLOAD_NEW_PROJECTS_PER_IP_HOUR
    if (actor.user and recent.filter(user=actor.user).count() >= per_user) or (
        actor.ip_address and recent.filter(ip_address=actor.ip_address).count() >= per_ip
    ):
        raise Refused(429, _("Too many new projects created"))


def check_name_available(name: str) -> None:
    """Refuse a name no new project may take (the public index's order of checks)."""
    if not is_valid_project_name(name):
        raise Refused(400, _("The name '{name}' is invalid.").format(name=name))
    refusal = ports.name_refusal(name)
    if refusal:
        raise Refused(400, refusal)
    if Project.objects.filter(ultranormalized_name=ultranormalize_name(name)).exists():
        raise Refused(
            400,
            _(
                "The name '{name}' is too similar to an existing project. "
                "See {url} for more information."
            ).format(name=name, url=help_url("project-name")),
        )


def create_project(name: str, *, actor: Actor) -> Project:
    """Create ``name`` with ``actor.user`` as its Owner; journal ``create`` and the role.

    Raises ``Refused`` (429, 403, 400 or 409) when the project may not be created.
    """
    _check_rate(actor)
    if account_ports.is_on(account_ports.Switch.DISALLOW_NEW_PROJECT_REGISTRATION):
        raise Refused(
            403,
            _(
                "New project registration temporarily disabled. See {url} for more information."
            ).format(url=help_url("admin-intervention")),
        )
    check_name_available(name)
    return _insert(name, owner=actor.user, actor=actor)


def create_project_for(owner: User, name: str, *, actor: Actor) -> Project:
    """Create ``name`` with ``owner`` as its only Owner, on a staff member's decision (a
    prohibited name released to a user). The journal and the events name ``actor``.

    The name must be valid and free (400, 409), but the rules that guard uploads do not apply:
    the rate limit, the registration switch and the name rules (standard-library, prohibited
    and too-similar names) are for what clients ask, not for what staff decide.
    """
    if not is_valid_project_name(name):
        raise Refused(400, _("The name '{name}' is invalid.").format(name=name))
    return _insert(name, owner=owner, actor=actor)


def _insert(name: str, *, owner: User | None, actor: Actor) -> Project:
    """The new project, its ``create`` entry and event, and its first Owner's role."""
    try:
        with transaction.atomic():
            project = Project.objects.create(
                name=name,
                normalized_name=normalize_name(name),
                ultranormalized_name=ultranormalize_name(name),
            )
            events.record(project, ProjectEventTag.PROJECT_CREATE, actor)
            journal.record(project, journal.Entry("create"), by=actor.user)
            if owner is not None:
                roles.add_role(project, owner, RoleName.OWNER, actor=actor, notify_people=False)
    except IntegrityError:
        raise Refused(
            409,
            _(
                "The name '{name}' conflicts with an existing project. "
                "See {url} for more information."
            ).format(name=name, url=help_url("project-name")),
        ) from None
    return project


def _set_status(
    project: Project,
    status: LifecycleStatus,
    *,
    actor: Actor,
    tag: ProjectEventTag,
    action: str,
    note: str,
) -> None:
    project.lifecycle_status = status
    project.lifecycle_status_changed = timezone.now()
    project.lifecycle_status_note = note
    project.save(
        update_fields=["lifecycle_status", "lifecycle_status_changed", "lifecycle_status_note"]
    )
    events.record(project, tag, actor, note=note)
    journal.record(project, journal.Entry(action), by=actor.user)


def _locked(project: Project) -> Project:
    """``project`` re-read under a row lock, so two changes of its state do not interleave."""
    return Project.objects.select_for_update().get(pk=project.pk)


@transaction.atomic
def archive_project(project: Project, *, actor: Actor, note: str = "") -> None:
    """Archive: no more uploads, still installable; the Simple API says ``archived``."""
    current = _locked(project)
    if current.lifecycle_status not in (LifecycleStatus.ACTIVE, LifecycleStatus.QUARANTINE_EXIT):
        raise Refused(
            409,
            _("Cannot archive project with status {status}.").format(
                status=current.get_lifecycle_status_display()
            ),
        )
    _set_status(
        project,
        LifecycleStatus.ARCHIVED,
        actor=actor,
        tag=ProjectEventTag.ARCHIVE_ENTER,
        action="project archived",
        note=note,
    )
    notify.send(notify.collaborators(project), "archived-project", project.name, actor)


@transaction.atomic
def unarchive_project(project: Project, *, actor: Actor, note: str = "") -> None:
    current = _locked(project)
    if not current.is_archived:
        raise Refused(409, _("The project is not archived."))
    _set_status(
        project,
        LifecycleStatus.ACTIVE,
        actor=actor,
        tag=ProjectEventTag.ARCHIVE_EXIT,
        action="project unarchived",
        note=note,
    )
    notify.send(notify.collaborators(project), "unarchived-project", project.name, actor)


@transaction.atomic
def quarantine_project(project: Project, *, actor: Actor, note: str = "") -> None:
    """Quarantine: the project's files leave every surface and uploads stop, until released."""
    current = _locked(project)
    if current.is_quarantined:
        raise Refused(409, _("The project is already in quarantine."))
    _set_status(
        project,
        LifecycleStatus.QUARANTINE_ENTER,
        actor=actor,
        tag=ProjectEventTag.QUARANTINE_ENTER,
        action="project quarantined",
        note=note,
    )
    # Not the note (a reason for the staff) nor who acted: the administrators, as a body.
    notify.send(
        notify.collaborators(project),
        "project-quarantined",
        project.name,
        actor,
        help_link=help_url("project_in_quarantine"),
    )


@transaction.atomic
def release_from_quarantine(project: Project, *, actor: Actor, note: str = "") -> None:
    current = _locked(project)
    if not current.is_quarantined:
        raise Refused(409, _("The project is not in quarantine."))
    _set_status(
        project,
        LifecycleStatus.QUARANTINE_EXIT,
        actor=actor,
        tag=ProjectEventTag.QUARANTINE_EXIT,
        action="project quarantine cleared",
        note=note,
    )
    notify.send(
        notify.collaborators(project), "project-released-from-quarantine", project.name, actor
    )


@transaction.atomic
def set_limits(
    project: Project,
    *,
    upload_limit: int | None,
    total_size_limit: int | None,
    actor: Actor,
) -> None:
    """Raise (or reset, with None) the project's file and total size limits.

    Limits never go below the site's defaults (``Project.file_size_limit`` takes the larger)
    and a file limit never beyond ``UPLOAD_LIMIT_CAP``.
    """
    if upload_limit is not None and upload_limit > settings.UPLOAD_LIMIT_CAP:
        raise Refused(
            400,
            _("The file size limit cannot exceed {cap} bytes.").format(
                cap=settings.UPLOAD_LIMIT_CAP
            ),
        )
    # The table, not ``project``: an admin form hands over an instance with the new values.
    before = Project.objects.values("upload_limit", "total_size_limit").get(pk=project.pk)
    project.upload_limit = upload_limit
    project.total_size_limit = total_size_limit
    project.save(update_fields=["upload_limit", "total_size_limit"])
    events.record(
        project,
        ProjectEventTag.LIMITS_CHANGE,
        actor,
        before=before,
        after={"upload_limit": upload_limit, "total_size_limit": total_size_limit},
    )


def check_deletion_allowed() -> None:
    """Refuse every deletion while administrators have switched deletions off."""
    if account_ports.is_on(account_ports.Switch.DISALLOW_DELETION):
        raise Refused(
            403,
            _("Deletion is temporarily disabled. See {url} for more information.").format(
                url=help_url("admin-intervention")
            ),
        )


@transaction.atomic
def delete_project(project: Project, *, actor: Actor) -> None:
    """Delete the project, its releases and files; their filenames stay reserved forever.

    The journal keeps ``remove project`` under the project's name, so mirrors drop it.
    Stored objects stay in storage (as on the public index).
    """
    check_deletion_allowed()
    people = notify.collaborators(project)
    journal.record(project, journal.Entry("remove project"), by=actor.user)
    project.delete()
    notify.send(people, "removed-project", project.name, actor)
