"""Malware reports: submitting one (the web form, the observers' API), the automatic
quarantine that trusted observers' reports can trigger, and the administrators' verdicts.

Every function here is one transaction. A report changes nothing a client sees; a verdict or an
automatic quarantine changes the project through the project services (journal, event, purge,
mail) and mails the reporters once the transaction commits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from packages.models import Project
from packages.services import notify
from packages.services import projects as project_services
from packages.services.events import Actor
from packages.services.refusals import Refused

from .models import MalwareReport, Observer, ReportKind, Verdict
from .prohibitions import prohibit_project_name

# How many reports a user who is not an observer may send in an hour (observers' scanners may
# report many projects; they are trusted, and their reports are signed by their own token).
REPORTS_PER_USER_HOUR = 20
# An observer's malware report quarantines a project at once while it is this young.
NEW_PROJECT_AGE = timedelta(hours=24)
# Distinct reporters of malware (one an observer at least) that quarantine any project.
REPORTERS_FOR_QUARANTINE = 2

# The actor of an automatic quarantine: nobody in particular (journal and history show none).
AUTOMATIC = Actor(user=None)


def is_observer(user: User) -> bool:
    return Observer.objects.filter(user=user).exists()


def _check_reporter(project: Project, reporter: User, *, observer: bool) -> None:
    if not reporter.is_active or reporter.is_frozen:
        raise Refused(403, _("Your account may not send reports."))
    if MalwareReport.objects.open().filter(project=project, reporter=reporter).exists():
        raise Refused(
            409,
            _(
                "You have already reported {name}, and the administrators have not reviewed "
                "that report yet. There is no need to report it again."
            ).format(name=project.name),
        )
    since = timezone.now() - timedelta(hours=1)
    recent = MalwareReport.objects.filter(reporter=reporter, created__gte=since)
    if not observer and recent.count() >= REPORTS_PER_USER_HOUR:
        raise Refused(429, _("Too many reports in the last hour. Please try again later."))


@transaction.atomic
def submit_report(
    project: Project,
    *,
    reporter: User,
    kind: ReportKind | str,
    summary: str,
    evidence: str = "",
    payload: dict[str, Any] | None = None,
    actor: Actor,
) -> MalwareReport:
    """Record ``reporter``'s report about ``project``; a malware report may then quarantine the
    project (see ``quarantine_if_warranted``).

    Refused: 403 for an inactive or frozen account, 409 while the reporter already has an open
    report about the project, 429 past ``REPORTS_PER_USER_HOUR`` (observers excepted), 400
    without a summary.

    No project event is recorded (``actor`` is taken for symmetry with the other services): the
    project's history is read by its Owners, and reporters must stay unknown to them.
    """
    if not summary.strip():
        raise Refused(400, _("Say in a few words what is wrong with the project."))
    if kind not in ReportKind.values:
        raise Refused(400, _("Choose what is wrong with the project."))
    # Serialises reports about one project, so two reporters cannot both miss each other.
    project = Project.objects.select_for_update().get(pk=project.pk)
    observer = is_observer(reporter)
    _check_reporter(project, reporter, observer=observer)
    report = MalwareReport.objects.create(
        project=project,
        project_name=project.name,
        reporter=reporter,
        by_observer=observer,
        kind=ReportKind(kind),
        summary=summary.strip(),
        evidence=evidence.strip(),
        payload=payload or {},
    )
    if report.kind == ReportKind.MALWARE:
        quarantine_if_warranted(project)
    return report


def quarantine_if_warranted(project: Project) -> bool:
    """Quarantine ``project`` automatically when its open malware reports warrant it; True if
    it was quarantined now.

    The rule: never when the project is already in quarantine; otherwise when an observer
    reported it while it is younger than ``NEW_PROJECT_AGE``, or when at least
    ``REPORTERS_FOR_QUARANTINE`` distinct users reported it and one of them is an observer.
    Only open reports count: a "not malware" verdict closes the reports it answered.
    """
    if project.is_quarantined:
        return False
    reports = list(
        MalwareReport.objects.open()
        .filter(project=project, kind=ReportKind.MALWARE, reporter__isnull=False)
        .order_by("created")
    )
    by_observer = [r for r in reports if r.by_observer]
    if not by_observer:
        return False
    young = timezone.now() - project.created < NEW_PROJECT_AGE
    reporters = {r.reporter_id for r in reports}
    if not young and len(reporters) < REPORTERS_FOR_QUARANTINE:
        return False
    note = _("Quarantined automatically after malware reports {ids}.").format(
        ids=", ".join(f"#{r.pk}" for r in reports)
    )
    try:
        project_services.quarantine_project(project, actor=AUTOMATIC, note=note)
    except Refused:  # quarantined meanwhile by someone else: nothing left to do
        return False
    return True


def _closing(report: MalwareReport, verdict: Verdict) -> list[MalwareReport]:
    """The open reports a verdict on ``report`` closes, locked: the report itself, and the
    other open reports of its project (for "not malware": those of the same kind only, since
    that verdict answers one question about the project, not every other complaint)."""
    if report.project_id is None:
        return [report]
    others = MalwareReport.objects.open().filter(project_id=report.project_id)
    if verdict == Verdict.NOT_MALWARE:
        others = others.filter(kind=report.kind)
    return [report, *others.exclude(pk=report.pk).select_for_update().order_by("created")]


@transaction.atomic
def give_verdict(
    report: MalwareReport, verdict: Verdict | str, *, actor: Actor, note: str = ""
) -> list[MalwareReport]:
    """Close ``report`` (and the open reports it answers too) with ``verdict``; return every
    report closed, ``report`` first. Each reporter is mailed ``malware-report-verdict``.

    - NOT_MALWARE: the project stays as it is.
    - QUARANTINED: the project is quarantined (if it is not already).
    - REMOVED: the project is deleted and its name prohibited, the prohibition naming
      ``report``; refused while deletions are switched off.

    Refused: 409 when ``report`` already has a verdict, or a quarantine verdict finds no project.
    """
    verdict = Verdict(verdict)
    if verdict == Verdict.OPEN:
        raise Refused(400, _("Choose a verdict."))
    report = MalwareReport.objects.select_for_update().get(pk=report.pk)
    if report.verdict != Verdict.OPEN:
        raise Refused(
            409,
            _("This report already has a verdict: {verdict}.").format(
                verdict=report.get_verdict_display()
            ),
        )
    closed = _closing(report, verdict)
    project = report.project
    if verdict == Verdict.QUARANTINED:
        if project is None:
            raise Refused(409, _("The project no longer exists."))
        if not Project.objects.get(pk=project.pk).is_quarantined:
            project_services.quarantine_project(project, actor=actor, note=note)
    # Closed before a removal, which empties their ``project``.
    _close(closed, verdict, actor=actor, note=note)
    if verdict == Verdict.REMOVED:
        prohibit_project_name(
            project.name if project is not None else report.project_name,
            actor=actor,
            comment=note or _("Malware report #{id}").format(id=report.pk),
            # Only the project reported: a later project of the same name is not judged here.
            remove_project=project is not None,
            report=report,
        )
    _acknowledge(closed, actor)
    return closed


def _close(reports: list[MalwareReport], verdict: Verdict, *, actor: Actor, note: str) -> None:
    now = timezone.now()
    for report in reports:
        report.verdict = verdict
        report.verdict_note = note
        report.verdict_by = actor.user
        report.verdict_at = now
    MalwareReport.objects.bulk_update(
        reports, ["verdict", "verdict_note", "verdict_by", "verdict_at"]
    )


def _acknowledge(reports: list[MalwareReport], actor: Actor) -> None:
    """Tell each reporter what became of their report (once, should they have several)."""
    told: set[int] = set()
    for report in reports:
        reporter = report.reporter
        if reporter is None or reporter.pk in told:
            continue
        told.add(reporter.pk)
        notify.send(
            [reporter],
            "malware-report-verdict",
            report.project_name,
            actor,
            verdict=report.verdict,
            reported=report.created,
        )
