"""Prohibiting names: the services the admin's name pages and malware verdicts call.

Project names are kept PEP 503-normalised, usernames lower-case, mail domains lower-case ASCII
without a leading "@" (see ``moderation.names``). Each function is one transaction and keeps
``actor.user`` as the author of the rows it adds. Bulk additions check every line first and
add nothing when one is not a valid name (``InvalidLines``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import User
from packages.models import Project
from packages.names import is_valid_project_name, normalize_name
from packages.services import projects as project_services
from packages.services.events import Actor
from packages.services.refusals import Refused

from . import names
from .models import (
    MalwareReport,
    ProhibitedEmailDomain,
    ProhibitedProjectName,
    ProhibitedUserName,
)

Prohibition = ProhibitedProjectName | ProhibitedUserName | ProhibitedEmailDomain


class InvalidLines(Exception):
    """Lines of a bulk addition that are not valid names, as (line number, message)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Outcome:
    """What a bulk addition did, by stored (normalised) name."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # were prohibited already: left as they were
    kept: list[str] = field(default_factory=list)  # a project or account has the name, and keeps it
    removed: list[str] = field(default_factory=list)  # projects removed with their name


def _normalized_lines(
    lines: Sequence[str],
    normalize: Callable[[str], str | None],
    invalid: Callable[[str], str],
) -> list[str]:
    """Each non-blank line normalised (duplicates once, in order); raise ``InvalidLines``."""
    found: dict[str, None] = {}
    errors = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        normalized = normalize(text)
        if normalized is None:
            errors.append((number, invalid(text)))
        else:
            found[normalized] = None
    if errors:
        raise InvalidLines(errors)
    return list(found)


def _invalid_project_name(name: str) -> str:
    return _("The name '{name}' is invalid.").format(name=name)


def _project_name(name: str) -> str | None:
    return normalize_name(name) if is_valid_project_name(name) else None


@transaction.atomic
def prohibit_project_name(
    name: str,
    *,
    actor: Actor,
    comment: str = "",
    remove_project: bool = False,
    report: MalwareReport | None = None,
) -> ProhibitedProjectName:
    """Prohibit ``name`` (stored normalised) for every new project.

    An existing project of that name stays unless ``remove_project``: then it is deleted
    through the project service (journal, mails; refused while deletions are switched off),
    in the same transaction. Prohibiting a name twice keeps the first row and its author.
    """
    normalized = _project_name(name)
    if normalized is None:
        raise Refused(400, _invalid_project_name(name))
    prohibition, _created = _prohibit_project_name(
        normalized,
        actor=actor,
        comment=comment,
        remove_project=remove_project,
        report=report,
        outcome=Outcome(),
    )
    return prohibition


def _prohibit_project_name(
    normalized: str,
    *,
    actor: Actor,
    comment: str,
    remove_project: bool,
    report: MalwareReport | None,
    outcome: Outcome,
) -> tuple[ProhibitedProjectName, bool]:
    project = Project.objects.find_by_name(normalized)
    if project is not None:
        if remove_project:
            project_services.delete_project(project, actor=actor)
            outcome.removed.append(project.name)
        else:
            outcome.kept.append(project.name)
    prohibition, created = ProhibitedProjectName.objects.get_or_create(
        name=normalized,
        defaults={"prohibited_by": actor.user, "comment": comment, "report": report},
    )
    (outcome.added if created else outcome.already).append(normalized)
    return prohibition, created


@transaction.atomic
def prohibit_project_names(
    lines: Sequence[str], *, actor: Actor, comment: str = "", remove_projects: bool = False
) -> Outcome:
    """Prohibit every name of ``lines`` (one per line, blank lines skipped) with one comment.

    Existing projects of those names are removed when ``remove_projects``, else kept. Nothing
    is added if a line is not a valid project name, nor if a removal is refused.
    """
    outcome = Outcome()
    for normalized in _normalized_lines(lines, _project_name, _invalid_project_name):
        _prohibit_project_name(
            normalized,
            actor=actor,
            comment=comment,
            remove_project=remove_projects,
            report=None,
            outcome=outcome,
        )
    return outcome


def _username(name: str) -> str | None:
    return names.normalize_username(name) if names.is_valid_username(name) else None


@transaction.atomic
def prohibit_user_names(lines: Sequence[str], *, actor: Actor, comment: str = "") -> Outcome:
    """Prohibit every username of ``lines`` (kept lower-case) for new accounts.

    An account that already has one of them keeps it (``Outcome.kept``).
    """
    wanted = _normalized_lines(
        lines,
        _username,
        lambda name: _("'{name}' is not a valid username.").format(name=name),
    )
    outcome = Outcome()
    taken = set(
        User.objects.annotate(lowered=Lower("username"))
        .filter(lowered__in=wanted)
        .values_list("lowered", flat=True)
    )
    for name in wanted:
        _row, created = ProhibitedUserName.objects.get_or_create(
            name=name, defaults={"prohibited_by": actor.user, "comment": comment}
        )
        (outcome.added if created else outcome.already).append(name)
        if name in taken:
            outcome.kept.append(name)
    return outcome


@transaction.atomic
def prohibit_email_domains(lines: Sequence[str], *, actor: Actor, comment: str = "") -> Outcome:
    """Prohibit every mail domain of ``lines`` (and so its subdomains) for new addresses.

    Addresses accounts already have stay.
    """
    wanted = _normalized_lines(
        lines,
        names.normalize_email_domain,
        lambda domain: _("'{domain}' is not a mail domain such as example.com.").format(
            domain=domain
        ),
    )
    outcome = Outcome()
    for domain in wanted:
        _row, created = ProhibitedEmailDomain.objects.get_or_create(
            domain=domain, defaults={"prohibited_by": actor.user, "comment": comment}
        )
        (outcome.added if created else outcome.already).append(domain)
    return outcome


@transaction.atomic
def lift_prohibition(prohibition: Prohibition) -> None:
    """Allow the name (or domain) again: new projects, accounts or addresses may take it.
    (The admin's log keeps who lifted it.)"""
    prohibition.delete()


@transaction.atomic
def release_project_name(prohibition: ProhibitedProjectName, *, to: User, actor: Actor) -> Project:
    """Give a prohibited name to a user: create the project with ``to`` as its only Owner
    (journal ``create`` and ``add Owner``, by ``actor``) and lift the prohibition.

    Refused (409) while a project has the name; (400) for a frozen or inactive account.
    """
    current = ProhibitedProjectName.objects.select_for_update().filter(pk=prohibition.pk).first()
    if current is None:
        raise Refused(
            409, _("The name '{name}' is no longer prohibited.").format(name=prohibition.name)
        )
    if not to.is_active or to.is_frozen:
        raise Refused(
            400,
            _("The account '{user}' is frozen or inactive: it cannot own a project.").format(
                user=to.username
            ),
        )
    if Project.objects.find_by_name(current.name) is not None:
        raise Refused(
            409,
            _("A project named '{name}' exists: remove it before releasing its name.").format(
                name=current.name
            ),
        )
    project = project_services.create_project_for(to, current.name, actor=actor)
    current.delete()
    return project
