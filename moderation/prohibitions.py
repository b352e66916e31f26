"""Prohibiting project names: the service the admin's name pages and malware verdicts call."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from packages.models import Project
from packages.names import is_valid_project_name, normalize_name
from packages.services import projects as project_services
from packages.services.events import Actor
from packages.services.refusals import Refused

from .models import MalwareReport, ProhibitedProjectName


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
    if not is_valid_project_name(name):
        raise Refused(400, _("The name '{name}' is invalid.").format(name=name))
    normalized = normalize_name(name)
    project = Project.objects.find_by_name(normalized)
    if project is not None and remove_project:
        project_services.delete_project(project, actor=actor)
    prohibition, _created = ProhibitedProjectName.objects.get_or_create(
        name=normalized,
        defaults={"prohibited_by": actor.user, "comment": comment, "report": report},
    )
    return prohibition
