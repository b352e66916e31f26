"""Malware reports through their services: who may report and how often, the automatic
quarantine that observers' malware reports trigger (and when they do not), the administrators'
verdicts, and the mail each of these sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import mail as account_mail
from accounts.events import EventTag
from accounts.models import User, UserEvent
from help.links import help_url
from moderation import reports
from moderation.models import (
    AdminFlag,
    MalwareReport,
    Observer,
    ProhibitedProjectName,
    ReportKind,
    Verdict,
)
from packages.models import (
    JournalEntry,
    LifecycleStatus,
    Project,
    ProjectEvent,
    ProjectEventTag,
    RoleName,
)
from packages.services.events import Actor
from packages.services.projects import quarantine_project, release_from_quarantine
from packages.services.refusals import Refused
from tests.accounts.factories import EmailAddressFactory, UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = pytest.mark.django_db


# Helpers and fixtures (the view, API and admin tests use them too)


def person(username: str, *, observer: bool = False) -> User:
    """A user with a verified address, optionally a trusted observer."""
    user = UserFactory(username=username)
    EmailAddressFactory(user=user)
    if observer:
        Observer.objects.create(user=user, comment="scanner")
    return user


def make_project(name: str, *, age: timedelta = timedelta(days=30)) -> Project:
    """``name`` with Owner ``<name>-owner`` and Maintainer ``<name>-maintainer`` (addresses
    verified) and release 1.0 with a wheel, created ``age`` ago."""
    project = ProjectFactory(name=name)
    for role_name in (RoleName.OWNER, RoleName.MAINTAINER):
        RoleFactory(
            project=project,
            user=person(f"{name}-{role_name.lower()}"),
            role_name=role_name,
        )
    FileFactory(release=ReleaseFactory(project=project, version="1.0"))
    Project.objects.filter(pk=project.pk).update(created=timezone.now() - age)
    return Project.objects.get(pk=project.pk)


def report(
    project: Project, reporter: User, kind: ReportKind = ReportKind.MALWARE, **extra: object
) -> MalwareReport:
    return reports.submit_report(
        project,
        reporter=reporter,
        kind=kind,
        summary=extra.pop("summary", "Steals credentials on install"),
        actor=Actor(user=reporter),
        **extra,
    )


def sent() -> list[tuple[str, str]]:
    """(notice, recipient) of each mail, from the recipients' security histories, sorted."""
    return sorted(
        UserEvent.objects.filter(tag=EventTag.EMAIL_SENT).values_list(
            "additional__notice", "user__username"
        )
    )


def status_of(project: Project) -> str:
    return Project.objects.get(pk=project.pk).lifecycle_status


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the on-commit callbacks (mail) of what happens inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def old() -> Project:
    return make_project("old")


@pytest.fixture
def young() -> Project:
    return make_project("young", age=timedelta(hours=3))


@pytest.fixture
def ann() -> User:
    return person("ann")


@pytest.fixture
def ben() -> User:
    return person("ben")


@pytest.fixture
def watcher() -> User:
    """A trusted observer."""
    return person("watcher", observer=True)


@pytest.fixture
def moderator() -> User:
    return person("moderator")


@pytest.fixture
def staff_actor(moderator: User) -> Actor:
    return Actor(user=moderator, ip_address="192.0.2.9")


# Submitting


def test_a_report_is_recorded_and_changes_nothing_else(old, ann):
    serial = old.last_serial

    made = report(
        old,
        ann,
        summary="  Runs a miner  ",
        evidence="setup.py line 12\n",
        payload={"sha256": "ab"},
    )

    stored = MalwareReport.objects.get()
    assert stored == made
    assert (stored.project, stored.project_name, stored.reporter) == (old, "old", ann)
    assert (stored.kind, stored.summary, stored.evidence) == (
        ReportKind.MALWARE,
        "Runs a miner",
        "setup.py line 12",
    )
    assert stored.payload == {"sha256": "ab"}
    assert stored.by_observer is False
    assert stored.verdict == Verdict.OPEN
    assert list(MalwareReport.objects.open()) == [stored]
    assert status_of(old) == LifecycleStatus.ACTIVE
    assert Project.objects.get(pk=old.pk).last_serial == serial
    assert sent() == []


def test_an_observers_report_says_so(old, watcher):
    assert report(old, watcher, ReportKind.SPAM).by_observer is True


def test_one_open_report_per_user_and_project(old, young, ann, staff_actor):
    first = report(old, ann)

    with pytest.raises(Refused) as refused:
        report(old, ann, ReportKind.SPAM)

    assert refused.value.status == 409
    assert refused.value.message == (
        "You have already reported old, and the administrators have not reviewed that report "
        "yet. There is no need to report it again."
    )
    report(young, ann)  # another project is another report
    reports.give_verdict(first, Verdict.NOT_MALWARE, actor=staff_actor)
    report(old, ann)  # reviewed: a new report is welcome
    assert MalwareReport.objects.filter(reporter=ann).count() == 3


@pytest.mark.parametrize("change", [{"is_active": False}, {"is_frozen": True}])
def test_inactive_and_frozen_accounts_may_not_report(old, ann, change):
    User.objects.filter(pk=ann.pk).update(**change)

    with pytest.raises(Refused) as refused:
        report(old, User.objects.get(pk=ann.pk))

    assert (refused.value.status, refused.value.message) == (
        403,
        "Your account may not send reports.",
    )
    assert not MalwareReport.objects.exists()


def test_a_report_needs_a_summary(old, ann):
    with pytest.raises(Refused) as refused:
        report(old, ann, summary="   ")

    assert refused.value.status == 400
    assert not MalwareReport.objects.exists()


def test_a_report_needs_a_known_kind(old, ann):
    with pytest.raises(Refused) as refused:
        report(old, ann, "is_virus")

    assert (refused.value.status, refused.value.message) == (
        400,
        "Choose what is wrong with the project.",
    )


def test_reports_per_hour_are_limited_except_for_observers(monkeypatch, ann, watcher):
    monkeypatch.setattr(reports, "REPORTS_PER_USER_HOUR", 2)
    projects = [make_project(f"p{n}") for n in range(3)]
    report(projects[0], ann, ReportKind.SPAM)
    report(projects[1], ann, ReportKind.SPAM)

    with pytest.raises(Refused) as refused:
        report(projects[2], ann, ReportKind.SPAM)

    assert (refused.value.status, refused.value.message) == (
        429,
        "Too many reports in the last hour. Please try again later.",
    )
    for project in projects:
        report(project, watcher, ReportKind.SPAM)
    # An hour later the user may report again.
    MalwareReport.objects.filter(reporter=ann).update(
        created=timezone.now() - timedelta(minutes=61)
    )
    report(projects[2], ann, ReportKind.SPAM)


# Automatic quarantine


def assert_quarantined_automatically(project: Project, *report_ids: int) -> None:
    stored = Project.objects.get(pk=project.pk)
    note = "Quarantined automatically after malware reports {}.".format(
        ", ".join(f"#{pk}" for pk in report_ids)
    )
    assert stored.lifecycle_status == LifecycleStatus.QUARANTINE_ENTER
    assert stored.lifecycle_status_note == note
    entry = JournalEntry.objects.latest("id")
    assert (entry.name, entry.action, entry.submitted_by) == (
        project.name,
        "project quarantined",
        None,
    )
    assert stored.last_serial == entry.id
    event = ProjectEvent.objects.filter(project=project).latest("id")
    assert (event.tag, event.user) == (ProjectEventTag.QUARANTINE_ENTER, None)
    assert event.additional == {"submitted_by": None, "note": note}


def test_an_observers_malware_report_quarantines_a_new_project(young, watcher, committed):
    with committed():
        made = report(young, watcher)

    assert_quarantined_automatically(young, made.pk)
    assert made.verdict == Verdict.OPEN  # the administrators still decide
    assert sent() == [
        ("project-quarantined", "young-maintainer"),
        ("project-quarantined", "young-owner"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "young-maintainer@example.com",
        "young-owner@example.com",
    ]
    assert {m.subject for m in mail.outbox} == {"Project young is in quarantine"}


def test_an_observers_report_of_a_project_older_than_a_day_alone_does_not(old, watcher):
    Project.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(hours=25))

    report(old, watcher)

    assert status_of(old) == LifecycleStatus.ACTIVE


@pytest.mark.parametrize("kind", [k for k in ReportKind if k != ReportKind.MALWARE])
def test_only_malware_reports_quarantine(young, old, watcher, ann, kind):
    report(young, watcher, kind)
    report(old, ann, kind)
    report(old, watcher, kind)

    assert status_of(young) == status_of(old) == LifecycleStatus.ACTIVE


def test_a_users_malware_report_alone_does_not_quarantine_even_a_new_project(young, ann):
    report(young, ann)

    assert status_of(young) == LifecycleStatus.ACTIVE


def test_a_user_then_an_observer_quarantine_any_project(old, ann, watcher):
    first = report(old, ann)
    assert status_of(old) == LifecycleStatus.ACTIVE

    second = report(old, watcher)

    assert_quarantined_automatically(old, first.pk, second.pk)


def test_an_observer_then_a_user_quarantine_any_project(old, ann, watcher):
    first = report(old, watcher)
    assert status_of(old) == LifecycleStatus.ACTIVE

    second = report(old, ann)

    assert_quarantined_automatically(old, first.pk, second.pk)


def test_two_users_who_are_not_observers_do_not_quarantine(old, young, ann, ben):
    for project in (old, young):
        report(project, ann)
        report(project, ben)

    assert status_of(old) == status_of(young) == LifecycleStatus.ACTIVE


def test_an_observer_and_a_spam_report_do_not_quarantine(old, ann, watcher):
    report(old, ann, ReportKind.SPAM)
    report(old, watcher)

    assert status_of(old) == LifecycleStatus.ACTIVE


def test_reports_judged_not_malware_no_longer_count(old, ann, ben, watcher, staff_actor):
    reports.give_verdict(report(old, ann), Verdict.NOT_MALWARE, actor=staff_actor)

    report(old, watcher)
    assert status_of(old) == LifecycleStatus.ACTIVE

    report(old, ben)  # a second open report by another user
    assert status_of(old) == LifecycleStatus.QUARANTINE_ENTER


def test_a_quarantined_project_is_not_quarantined_again(young, ann, watcher, moderator):
    quarantine_project(young, actor=Actor(moderator), note="by hand")
    entries = JournalEntry.objects.count()

    report(young, watcher)
    report(young, ann)

    assert MalwareReport.objects.open().count() == 2
    assert JournalEntry.objects.count() == entries
    assert Project.objects.get(pk=young.pk).lifecycle_status_note == "by hand"


def test_open_reports_still_count_after_a_release_from_quarantine(
    old, ann, ben, watcher, moderator
):
    report(old, ann)
    report(old, watcher)
    release_from_quarantine(old, actor=Actor(moderator), note="looked fine")
    assert status_of(old) == LifecycleStatus.QUARANTINE_EXIT

    report(old, ben)  # the reports were never judged: with a new one, quarantine again

    assert status_of(old) == LifecycleStatus.QUARANTINE_ENTER


# Verdicts


def test_not_malware_closes_the_reports_of_that_kind_and_tells_their_reporters(
    old, young, ann, ben, watcher, staff_actor, committed
):
    first = report(old, ann)
    same_kind = report(old, ben)
    other_kind = report(old, watcher, ReportKind.SPAM)
    elsewhere = report(young, ann)
    serial = Project.objects.get(pk=old.pk).last_serial

    with committed():
        closed = reports.give_verdict(
            first, Verdict.NOT_MALWARE, actor=staff_actor, note="a test fixture"
        )

    assert [r.pk for r in closed] == [first.pk, same_kind.pk]
    for pk in (first.pk, same_kind.pk):
        stored = MalwareReport.objects.get(pk=pk)
        assert (stored.verdict, stored.verdict_note, stored.verdict_by) == (
            Verdict.NOT_MALWARE,
            "a test fixture",
            staff_actor.user,
        )
        assert timezone.now() - stored.verdict_at < timedelta(minutes=1)
    assert set(MalwareReport.objects.open()) == {other_kind, elsewhere}
    stored = Project.objects.get(pk=old.pk)
    assert (stored.lifecycle_status, stored.last_serial) == (LifecycleStatus.ACTIVE, serial)
    assert sent() == [("malware-report-verdict", "ann"), ("malware-report-verdict", "ben")]
    assert {m.subject for m in mail.outbox} == {"Your report about old has been reviewed"}
    assert "nothing that calls for action" in mail.outbox[0].body
    assert "a test fixture" not in mail.outbox[0].body  # the note stays with the staff


def test_quarantine_closes_every_open_report_of_the_project(
    old, young, ann, watcher, staff_actor, committed
):
    first = report(old, ann)
    spam = report(old, watcher, ReportKind.SPAM)
    elsewhere = report(young, ann)

    with committed():
        closed = reports.give_verdict(
            spam, Verdict.QUARANTINED, actor=staff_actor, note="confirmed"
        )

    assert [r.pk for r in closed] == [spam.pk, first.pk]
    assert list(MalwareReport.objects.open()) == [elsewhere]
    assert set(MalwareReport.objects.filter(verdict=Verdict.QUARANTINED)) == {first, spam}
    stored = Project.objects.get(pk=old.pk)
    assert (stored.lifecycle_status, stored.lifecycle_status_note) == (
        LifecycleStatus.QUARANTINE_ENTER,
        "confirmed",
    )
    entry = JournalEntry.objects.latest("id")
    assert (entry.name, entry.action, entry.submitted_by) == (
        "old",
        "project quarantined",
        staff_actor.user,
    )
    assert sent() == [
        ("malware-report-verdict", "ann"),
        ("malware-report-verdict", "watcher"),
        ("project-quarantined", "old-maintainer"),
        ("project-quarantined", "old-owner"),
    ]
    verdict_mail = next(m for m in mail.outbox if m.to == ["ann@example.com"])
    assert "put the project in quarantine" in verdict_mail.body


def test_quarantine_of_a_project_already_in_quarantine_closes_the_reports(
    young, watcher, staff_actor
):
    made = report(young, watcher)  # quarantined automatically
    entries = JournalEntry.objects.count()

    reports.give_verdict(made, Verdict.QUARANTINED, actor=staff_actor)

    assert MalwareReport.objects.get().verdict == Verdict.QUARANTINED
    assert JournalEntry.objects.count() == entries
    assert status_of(young) == LifecycleStatus.QUARANTINE_ENTER


def test_removal_deletes_the_project_and_prohibits_its_name(
    old, young, ann, watcher, staff_actor, committed
):
    first = report(old, ann)
    second = report(old, watcher, ReportKind.TYPOSQUATTING)
    elsewhere = report(young, ann)

    with committed():
        closed = reports.give_verdict(
            first, Verdict.REMOVED, actor=staff_actor, note="steals tokens"
        )

    assert [r.pk for r in closed] == [first.pk, second.pk]
    assert not Project.objects.filter(name="old").exists()
    for pk in (first.pk, second.pk):
        stored = MalwareReport.objects.get(pk=pk)
        assert (stored.project, stored.project_name, stored.verdict) == (
            None,
            "old",
            Verdict.REMOVED,
        )
    assert list(MalwareReport.objects.open()) == [elsewhere]
    prohibition = ProhibitedProjectName.objects.get()
    assert (prohibition.name, prohibition.report, prohibition.prohibited_by) == (
        "old",
        first,
        staff_actor.user,
    )
    assert prohibition.comment == "steals tokens"
    entry = JournalEntry.objects.latest("id")
    assert (entry.name, entry.action) == ("old", "remove project")
    assert sent() == [
        ("malware-report-verdict", "ann"),
        ("malware-report-verdict", "watcher"),
        ("removed-project", "old-maintainer"),
        ("removed-project", "old-owner"),
    ]
    verdict_mail = next(m for m in mail.outbox if m.to == ["ann@example.com"])
    assert "removed the project and prohibited its name" in verdict_mail.body


def test_removal_is_refused_while_deletions_are_switched_off(old, ann, staff_actor, committed):
    made = report(old, ann)
    AdminFlag.objects.update_or_create(
        id="disallow-deletion", defaults={"enabled": True, "description": "x"}
    )

    with committed(), pytest.raises(Refused) as refused:
        reports.give_verdict(made, Verdict.REMOVED, actor=staff_actor)

    assert refused.value.status == 403
    assert Project.objects.filter(name="old").exists()
    assert MalwareReport.objects.get().verdict == Verdict.OPEN
    assert not ProhibitedProjectName.objects.exists()
    assert mail.outbox == []


def test_a_report_with_a_verdict_takes_no_other(old, ann, staff_actor):
    made = report(old, ann)
    reports.give_verdict(made, Verdict.NOT_MALWARE, actor=staff_actor)

    for verdict in Verdict:
        with pytest.raises(Refused) as refused:
            reports.give_verdict(made, verdict, actor=staff_actor)
        assert refused.value.status in (400, 409)

    with pytest.raises(Refused) as refused:
        reports.give_verdict(made, Verdict.QUARANTINED, actor=staff_actor)
    assert (refused.value.status, refused.value.message) == (
        409,
        "This report already has a verdict: Not malware.",
    )
    assert status_of(old) == LifecycleStatus.ACTIVE


def test_a_report_about_a_project_deleted_since(old, ann, staff_actor):
    made = report(old, ann)
    Project.objects.filter(pk=old.pk).delete()
    made.refresh_from_db()

    with pytest.raises(Refused) as refused:
        reports.give_verdict(made, Verdict.QUARANTINED, actor=staff_actor)
    assert (refused.value.status, refused.value.message) == (409, "The project no longer exists.")

    reports.give_verdict(made, Verdict.REMOVED, actor=staff_actor, note="gone")
    assert MalwareReport.objects.get().verdict == Verdict.REMOVED
    assert ProhibitedProjectName.objects.get().name == "old"


def test_a_reporter_without_a_verified_address_gets_no_mail(old, staff_actor):
    quiet = UserFactory(username="quiet")
    made = report(old, quiet)

    reports.give_verdict(made, Verdict.NOT_MALWARE, actor=staff_actor)

    assert sent() == []


# Quarantine mail (from the project service, whoever quarantines)


def test_release_from_quarantine_tells_the_collaborators(old, moderator, committed):
    quarantine_project(old, actor=Actor(moderator))
    mail.outbox.clear()
    UserEvent.objects.filter(tag=EventTag.EMAIL_SENT).delete()

    with committed():
        release_from_quarantine(old, actor=Actor(moderator), note="false alarm")

    assert sent() == [
        ("project-released-from-quarantine", "old-maintainer"),
        ("project-released-from-quarantine", "old-owner"),
    ]
    assert {m.subject for m in mail.outbox} == {"Project old released from quarantine"}


def test_a_refused_quarantine_mails_nobody(old, moderator, committed):
    quarantine_project(old, actor=Actor(moderator))
    mail.outbox.clear()

    with committed(), pytest.raises(Refused):
        quarantine_project(old, actor=Actor(moderator))

    assert mail.outbox == []


@pytest.mark.parametrize(
    ("notice", "context", "phrases"),
    [
        (
            "project-quarantined",
            {"help_link": "HELP"},
            [
                "The administrators of Test Index have put the project o-brien in quarantine",
                "cannot be downloaded or installed",
                "Nobody, its Owners included, can upload",
            ],
        ),
        (
            "project-released-from-quarantine",
            {},
            [
                "The administrators of Test Index have released the project o-brien from "
                "quarantine.",
                "http://testserver/manage/project/o-brien/history/",
            ],
        ),
        (
            "malware-report-verdict",
            {"verdict": "quarantined", "reported": datetime(2026, 3, 4, 12, tzinfo=UTC)},
            [
                "Thank you for reporting the project o-brien on March 4, 2026.",
                "They have put the project in quarantine",
                "Thank you for helping keep Test Index safe.",
            ],
        ),
    ],
)
def test_the_notices_render_in_text_and_html(settings, notice, context, phrases):
    settings.SITE_NAME = "Test Index"
    zoe = UserFactory(username="zoe", name="Zoë O'Hara")
    link = help_url("project_in_quarantine")
    context = {k: (link if v == "HELP" else v) for k, v in context.items()}

    subject, text, html = account_mail.render(
        notice, {"user": zoe, "project_name": "o-brien", "submitter": "", **context}
    )

    assert "o-brien" in subject and "\n" not in subject
    assert text.startswith("Hello Zoë O'Hara,")  # plain text is not HTML-escaped
    assert "Hello Zoë O&#x27;Hara," in html
    for phrase in phrases:
        assert phrase in " ".join(text.split())
        assert phrase in " ".join(html.split())
    if notice == "project-quarantined":
        assert link in text
        assert f'<a href="{link}">' in html
        assert link.endswith("/help/#project_in_quarantine")
