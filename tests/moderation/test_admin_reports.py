"""Malware reports and observers in the admin, over HTTP with a second factor: the report
list and its filters, a report's read-only page, the three verdicts (each asking for a note
first, logged in the admin's log) and adding and removing observers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.test import Client

from accounts.events import EventTag
from accounts.models import UserEvent
from moderation import reports
from moderation.models import (
    AdminFlag,
    MalwareReport,
    Observer,
    ProhibitedProjectName,
    ReportKind,
    Verdict,
)
from packages.models import LifecycleStatus, Project
from packages.services.events import Actor
from tests.moderation.test_reports import make_project, person

pytestmark = pytest.mark.django_db

LIST = "/admin/moderation/malwarereport/"


def report(project: Project, username: str, kind: ReportKind = ReportKind.MALWARE, **extra):
    user = person(username, observer=extra.pop("observer", False))
    return reports.submit_report(
        project,
        reporter=user,
        kind=kind,
        summary=extra.pop("summary", f"{username} says it is bad"),
        actor=Actor(user),
        **extra,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def action(client: Client, name: str, *pks: int, **data: str):
    return client.post(LIST, {"action": name, "_selected_action": list(pks), **data})


def verdict(client: Client, name: str, *pks: int, note: str):
    """Ask for verdict action ``name`` (its note page comes first, changing nothing), then
    confirm it; the page the admin lands on."""
    before = list(MalwareReport.objects.values_list("pk", "verdict"))
    page = action(client, name, *pks)
    assert page.status_code == 200
    assert page.templates[0].name == "admin/action_with_note.html"
    html = page.content.decode()
    assert "Note (why; kept with the report, not sent to reporters)" in html
    assert f'name="action" value="{name}"' in html
    assert list(MalwareReport.objects.values_list("pk", "verdict")) == before
    done = action(client, name, *pks, apply="1", note=note)
    assert done.status_code == 302
    return client.get(done["Location"])


def logged(report_pk: int) -> list[tuple[int, str, str]]:
    return list(
        LogEntry.objects.filter(
            content_type__model="malwarereport", object_id=str(report_pk)
        ).values_list("action_flag", "user__username", "change_message")
    )


@pytest.fixture
def old() -> Project:
    return make_project("old")


# The list and a report's page


def test_the_list_newest_first_with_filters_and_search(staff_client, old):
    first = report(old, "ann")
    second = report(old, "watcher", ReportKind.SPAM, observer=True)
    other = report(make_project("other"), "ben")
    reports.give_verdict(other, Verdict.NOT_MALWARE, actor=Actor(None))

    def listed(query: str = "") -> list[MalwareReport]:
        response = staff_client.get(LIST + query)
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert listed() == [other, second, first]
    assert listed("?status=open") == [second, first]
    assert listed("?status=not_malware") == [other]
    assert listed("?kind__exact=is_spam") == [second]
    assert listed("?observer=yes") == [second]
    assert listed("?observer=no") == [other, first]
    assert listed("?q=other") == [other]
    assert listed("?q=watcher") == [second]
    html = staff_client.get(LIST).content.decode()
    for label in ("Not malware", "Quarantine the project", "Remove the project and prohibit"):
        assert label in html
    assert "Add malware report" not in html


def test_a_reports_page_is_read_only_and_offers_the_verdicts(staff_client, old):
    made = report(
        old,
        "ann",
        evidence="setup.py:12 <script>alert(1)</script>",
        payload={"rule": "exfil"},
    )

    response = staff_client.get(f"{LIST}{made.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<pre>setup.py:12 &lt;script&gt;alert(1)&lt;/script&gt;</pre>" in html
    assert "&quot;rule&quot;: &quot;exfil&quot;" in html
    assert f'href="/admin/packages/project/{old.pk}/change/">old</a>' in html
    assert 'name="_save"' not in html  # nothing to save: verdicts are actions
    assert f'<input type="hidden" name="_selected_action" value="{made.pk}">' in html
    for name in ("not_malware", "quarantine", "remove"):
        assert f'name="action" value="{name}"' in html
    # A button leads to the note page of that verdict, for this report.
    page = action(staff_client, "quarantine", made.pk)
    assert page.templates[0].name == "admin/action_with_note.html"
    assert MalwareReport.objects.get().verdict == Verdict.OPEN


def test_a_closed_reports_page_offers_no_verdict(staff_client, old):
    made = report(old, "ann")
    reports.give_verdict(made, Verdict.NOT_MALWARE, actor=Actor(None))

    html = staff_client.get(f"{LIST}{made.pk}/change/").content.decode()

    assert 'name="action" value="not_malware"' not in html
    assert "Not malware" in html  # the verdict, shown


def test_reports_cannot_be_added_or_deleted_in_the_admin(staff_client, old):
    made = report(old, "ann")

    assert staff_client.get(f"{LIST}add/").status_code == 403
    assert staff_client.post(f"{LIST}{made.pk}/delete/", {"post": "yes"}).status_code == 403
    assert action(staff_client, "delete_selected", made.pk).status_code == 302
    assert MalwareReport.objects.count() == 1


# Verdicts


def test_not_malware(staff, staff_client, old):
    made = report(old, "ann")
    also = report(old, "ben")
    spam = report(old, "cat", ReportKind.SPAM)

    page = verdict(staff_client, "not_malware", made.pk, note="a test fixture")

    assert messages_of(page) == ["2 reports closed."]
    for pk in (made.pk, also.pk):
        stored = MalwareReport.objects.get(pk=pk)
        assert (stored.verdict, stored.verdict_by, stored.verdict_note) == (
            Verdict.NOT_MALWARE,
            staff,
            "a test fixture",
        )
        assert logged(pk) == [(CHANGE, "staffer", "Verdict: Not malware. Note: a test fixture")]
    assert MalwareReport.objects.get(pk=spam.pk).verdict == Verdict.OPEN
    assert Project.objects.get(pk=old.pk).lifecycle_status == LifecycleStatus.ACTIVE
    notices = UserEvent.objects.filter(tag=EventTag.EMAIL_SENT).values_list(
        "user__username", "additional__notice"
    )
    assert sorted(notices) == [
        ("ann", "malware-report-verdict"),
        ("ben", "malware-report-verdict"),
    ]


def test_quarantine(staff, staff_client, client, old):
    made = report(old, "ann")
    spam = report(old, "cat", ReportKind.SPAM)

    page = verdict(staff_client, "quarantine", made.pk, spam.pk, note="confirmed")

    # Both selected, the first verdict closed both: no "already has a verdict" error.
    assert messages_of(page) == ["2 reports closed."]
    assert set(MalwareReport.objects.values_list("verdict", flat=True)) == {Verdict.QUARANTINED}
    stored = Project.objects.get(pk=old.pk)
    assert (stored.lifecycle_status, stored.lifecycle_status_note) == (
        LifecycleStatus.QUARANTINE_ENTER,
        "confirmed",
    )
    assert logged(spam.pk) == [(CHANGE, "staffer", "Verdict: Project quarantined. Note: confirmed")]
    assert b"old-1.0" not in client.get("/simple/old/").content
    assert client.get("/pypi/old/json").status_code == 404


def test_remove_and_prohibit(staff, staff_client, client, old):
    made = report(old, "ann")

    page = verdict(staff_client, "remove", made.pk, note="steals tokens")

    assert messages_of(page) == ["1 report closed."]
    assert not Project.objects.filter(name="old").exists()
    stored = MalwareReport.objects.get()
    assert (stored.verdict, stored.project, stored.project_name) == (Verdict.REMOVED, None, "old")
    prohibition = ProhibitedProjectName.objects.get()
    assert (prohibition.name, prohibition.report, prohibition.prohibited_by) == (
        "old",
        made,
        staff,
    )
    assert client.get("/simple/old/").status_code == 404
    # The report's page still shows what the report was about.
    html = staff_client.get(f"{LIST}{made.pk}/change/").content.decode()
    assert "(removed)" in html


def test_a_refused_verdict_says_why_and_changes_nothing(staff_client, old):
    made = report(old, "ann")
    AdminFlag.objects.update_or_create(
        id="disallow-deletion", defaults={"enabled": True, "description": "x"}
    )

    page = verdict(staff_client, "remove", made.pk, note="no")

    assert len(messages_of(page)) == 1
    assert messages_of(page)[0].startswith(f"{made}: Deletion is temporarily disabled.")
    assert MalwareReport.objects.get().verdict == Verdict.OPEN
    assert Project.objects.filter(name="old").exists()
    assert logged(made.pk) == []


def test_a_report_with_a_verdict_is_not_judged_again(staff_client, old):
    made = report(old, "ann")
    reports.give_verdict(made, Verdict.NOT_MALWARE, actor=Actor(None))

    page = verdict(staff_client, "quarantine", made.pk, note="")

    assert messages_of(page) == [f"{made}: This report already has a verdict: Not malware."]
    assert Project.objects.get(pk=old.pk).lifecycle_status == LifecycleStatus.ACTIVE


# Observers


def test_add_an_observer_with_a_comment(staff, staff_client):
    ann = person("ann")
    form = staff_client.get("/admin/moderation/observer/add/").content.decode()
    assert 'data-ajax--url="/admin/autocomplete/"' in form  # the user is chosen by search

    response = staff_client.post(
        "/admin/moderation/observer/add/", {"user": ann.pk, "comment": "runs a scanner"}
    )

    assert response.status_code == 302
    observer = Observer.objects.get()
    assert (observer.user, observer.added_by, observer.comment) == (ann, staff, "runs a scanner")
    entry = LogEntry.objects.get(content_type__model="observer")
    assert entry.action_flag == ADDITION
    assert reports.is_observer(ann)


def test_an_observers_user_cannot_be_changed(staff_client):
    observer = Observer.objects.create(user=person("ann"))
    ben = person("ben")

    staff_client.post(
        f"/admin/moderation/observer/{observer.pk}/change/", {"user": ben.pk, "comment": "x"}
    )

    observer.refresh_from_db()
    assert (observer.user.username, observer.comment) == ("ann", "x")


def test_remove_observers_with_a_reason(staff_client):
    kept = Observer.objects.create(user=person("keep"))
    gone = Observer.objects.create(user=person("gone"))
    url = "/admin/moderation/observer/"

    page = staff_client.post(url, {"action": "remove_observers", "_selected_action": [gone.pk]})
    assert page.templates[0].name == "admin/action_with_note.html"
    assert Observer.objects.count() == 2
    done = staff_client.post(
        url,
        {
            "action": "remove_observers",
            "_selected_action": [gone.pk],
            "apply": "1",
            "note": "stopped scanning",
        },
    )

    assert done.status_code == 302
    assert list(Observer.objects.all()) == [kept]
    entry = LogEntry.objects.get(content_type__model="observer")
    assert (entry.action_flag, entry.object_repr, entry.change_message) == (
        DELETION,
        "gone",
        "Observer removed: stopped scanning",
    )
    assert messages_of(staff_client.get(done["Location"])) == ["1 observer removed."]
    # A removed observer's reports no longer weigh more.
    young = make_project("young", age=timedelta(hours=1))
    reports.submit_report(
        young, reporter=gone.user, kind=ReportKind.MALWARE, summary="x", actor=Actor(gone.user)
    )
    assert Project.objects.get(pk=young.pk).lifecycle_status == LifecycleStatus.ACTIVE
