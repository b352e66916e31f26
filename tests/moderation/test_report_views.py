"""The report form, ``/project/<name>/report/``: anyone signed in reports a project; visitors
go through the login first; errors are tied to their fields."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from moderation.models import MalwareReport, ReportKind
from packages.models import LifecycleStatus, Project
from tests.moderation.test_reports import make_project, person

pytestmark = pytest.mark.django_db

URL = "/project/old/report/"


@pytest.fixture
def old() -> Project:
    return make_project("old")


@pytest.fixture
def ann_client(client: Client) -> Client:
    client.force_login(person("ann"))
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_project_page_links_to_the_form(client, old):
    page = client.get("/project/old/").content.decode()

    assert f'<a href="{URL}">Report project as malware</a>' in page


def test_visitors_log_in_first(client, old):
    for response in (client.get(URL), client.post(URL, {"summary": "bad", "kind": "is_malware"})):
        assert response.status_code == 302
        assert response["Location"] == f"/account/login/?next={URL}"
    assert not MalwareReport.objects.exists()


def test_the_form(ann_client, old):
    response = ann_client.get(URL)

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    assert "<h1>Report old</h1>" in html
    assert f'<form method="post" action="{URL}"' in html
    assert '<label for="id_kind">What is wrong with the project?</label>' in html
    assert '<option value="is_malware" selected>Malware</option>' in html
    assert '<label for="id_summary">Summary:</label>' in html
    assert '<label for="id_evidence">Evidence (optional):</label>' in html
    assert 'aria-describedby="id_evidence_helptext"' in html


def test_a_report_is_thanked_and_leads_back_to_the_project(ann_client, old):
    response = ann_client.post(
        URL,
        {
            "kind": ReportKind.TYPOSQUATTING,
            "summary": "Imitates requests",
            "evidence": "https://example.org/analysis\nsetup.py:12",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/project/old/"
    stored = MalwareReport.objects.get()
    assert (stored.project, stored.reporter.username, stored.kind) == (
        old,
        "ann",
        ReportKind.TYPOSQUATTING,
    )
    assert (stored.summary, stored.evidence) == (
        "Imitates requests",
        "https://example.org/analysis\nsetup.py:12",
    )
    page = ann_client.get("/project/old/")
    assert messages_of(page) == [
        "Thank you for your report about old. The administrators will review it, and we will "
        "let you know by e-mail what they decide."
    ]


def test_another_spelling_of_the_name_reports_the_project(ann_client, old):
    response = ann_client.post("/project/OLD/report/", {"kind": "is_spam", "summary": "spam"})

    assert response["Location"] == "/project/old/"
    assert MalwareReport.objects.get().project == old


def test_errors_are_tied_to_their_fields(ann_client, old):
    response = ann_client.post(URL, {"kind": "is_virus", "summary": "", "evidence": "x" * 10_001})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_kind_error"' in html
    assert "Select a valid choice. is_virus is not one of the available choices." in html
    assert 'aria-describedby="id_summary_helptext id_summary_error"' in html
    assert '<ul class="errorlist" id="id_summary_error"><li>This field is required.</li>' in html
    assert 'aria-describedby="id_evidence_helptext id_evidence_error"' in html
    assert "Ensure this value has at most 10000 characters (it has 10001)." in html
    assert not MalwareReport.objects.exists()


def test_a_second_report_is_refused_on_the_form(ann_client, old):
    ann_client.post(URL, {"kind": "is_malware", "summary": "one"})

    response = ann_client.post(URL, {"kind": "is_spam", "summary": "two"})

    assert response.status_code == 409
    html = " ".join(response.content.decode().split())
    assert '<div class="form-errors" role="alert">' in html
    assert "You have already reported old, and the administrators have not reviewed" in html
    assert MalwareReport.objects.count() == 1


def test_an_unknown_project_is_a_404(ann_client):
    assert ann_client.get("/project/nothing/report/").status_code == 404
    assert ann_client.post("/project/nothing/report/", {"summary": "x"}).status_code == 404


def test_an_observers_report_on_the_form_quarantines_a_new_project(client):
    make_project("fresh", age=timedelta(hours=1))
    client.force_login(person("watcher", observer=True))

    response = client.post("/project/fresh/report/", {"kind": "is_malware", "summary": "bad"})

    assert response.status_code == 302
    assert Project.objects.get(name="fresh").lifecycle_status == LifecycleStatus.QUARANTINE_ENTER
    assert client.get("/simple/fresh/").content.count(b"<a ") == 0
