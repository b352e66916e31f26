"""The observers' API, ``POST /danger-api/projects/<name>/observations``: an API token of a
trusted observer reports a project, through the same service (and automatic quarantine) as the
web form."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import ApiToken, User
from moderation.models import MalwareReport, ReportKind
from packages.models import LifecycleStatus, Project
from tests import uploads
from tests.moderation.test_reports import make_project, person

pytestmark = pytest.mark.django_db

V1_JSON = "application/vnd.pypi.simple.v1+json"


def url(name: str) -> str:
    return f"/danger-api/projects/{name}/observations"


def post(client: Client, name: str, body: object, token: str | None, **headers: str):
    if token is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url(name), data, content_type="application/json", **headers)


BODY = {
    "kind": "is_malware",
    "summary": "Exfiltrates environment variables from setup.py",
    "evidence": "setup.py lines 40-52",
    "payload": {"scanner": "v2", "rules": ["exfil-env"]},
}


@pytest.fixture
def old() -> Project:
    return make_project("old")


@pytest.fixture
def watcher() -> User:
    return person("watcher", observer=True)


@pytest.fixture
def watcher_token(watcher, make_token) -> str:
    return make_token(watcher)


def test_an_observer_reports_a_project(client, old, watcher, watcher_token):
    response = post(client, "old", BODY, watcher_token)

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    stored = MalwareReport.objects.get()
    document = response.json()
    assert document == {
        "id": stored.pk,
        "project": "old",
        "kind": "is_malware",
        "created": document["created"],
        "project_status": "active",  # an old project, one report: no quarantine
    }
    assert (stored.project, stored.reporter, stored.by_observer) == (old, watcher, True)
    assert (stored.kind, stored.summary, stored.evidence, stored.payload) == (
        ReportKind.MALWARE,
        BODY["summary"],
        BODY["evidence"],
        BODY["payload"],
    )
    assert ApiToken.objects.get(user=watcher).last_used is not None


def test_basic_auth_with_the_token_username_and_no_csrf_token(old, watcher_token):
    browser = Client(enforce_csrf_checks=True)
    body = {"kind": "is_spam", "summary": "Spam"}

    response = post(
        browser,
        "OLD",
        body,
        None,
        HTTP_AUTHORIZATION=uploads.basic_auth("__token__", watcher_token),
    )

    assert response.status_code == 201
    assert response.json()["project"] == "old"
    assert MalwareReport.objects.get().evidence == ""


def test_no_token_is_a_401(client, old):
    response = post(client, "old", BODY, None)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"].startswith("Authentication credentials were not provided")


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        ("Bearer pypi-nonsense", "Invalid or non-existent authentication information."),
        (uploads.basic_auth("watcher", "correct horse battery"), "Passwords are not accepted"),
    ],
)
def test_bad_credentials_are_a_401(client, old, watcher, authorization, detail):
    response = post(client, "old", BODY, None, HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response.json()["detail"].startswith(detail)
    assert not MalwareReport.objects.exists()


def test_a_user_who_is_not_an_observer_is_refused(client, old, make_token):
    token = make_token(person("ann"))

    for name in ("old", "nothing"):  # whether the project exists or not
        response = post(client, name, BODY, token)
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Only trusted observers may report projects through this API."
        }
    assert not MalwareReport.objects.exists()


def test_an_unknown_project_is_a_404(client, watcher_token):
    response = post(client, "nothing", BODY, watcher_token)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_token_for_another_project_is_refused(client, old, watcher, make_token):
    other = make_project("other")
    token = make_token(watcher, projects=[other])

    response = post(client, "old", BODY, token)

    assert response.status_code == 403
    assert "project-scoped token is not valid for project: 'old'" in response.json()["detail"]
    assert post(client, "other", BODY, token).status_code == 201


def test_malformed_json_is_a_400(client, old, watcher_token):
    response = post(client, "old", '{"kind": "is_malware", ', watcher_token)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not MalwareReport.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"kind": ["This field is required."], "summary": ["This field is required."]}),
        (
            {"kind": "is_virus", "summary": ""},
            {
                "kind": ['"is_virus" is not a valid choice.'],
                "summary": ["This field may not be blank."],
            },
        ),
        (
            {"kind": "is_spam", "summary": "x" * 2001, "evidence": "y" * 10_001},
            {
                "summary": ["Ensure this field has no more than 2000 characters."],
                "evidence": ["Ensure this field has no more than 10000 characters."],
            },
        ),
        (
            {"kind": "is_spam", "summary": "spam", "payload": ["not", "an", "object"]},
            {"payload": ['Expected a dictionary of items but got type "list".']},
        ),
        (
            ["a", "list"],
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
        ),
    ],
)
def test_field_errors_are_a_400(client, old, watcher_token, body, errors):
    response = post(client, "old", body, watcher_token)

    assert response.status_code == 400
    assert response.json() == errors
    assert not MalwareReport.objects.exists()


def test_a_second_open_report_is_a_409(client, old, watcher_token):
    post(client, "old", BODY, watcher_token)

    response = post(client, "old", BODY, watcher_token)

    assert response.status_code == 409
    assert response.json()["detail"].startswith("You have already reported old")


def test_only_post(client, old, watcher_token):
    response = client.get(url("old"), HTTP_AUTHORIZATION=f"Bearer {watcher_token}")

    assert response.status_code == 405


def test_an_observers_report_quarantines_a_new_project_at_once(client, token, make_token, watcher):
    # alice uploads a brand-new project.
    assert uploads.wheel_upload("fresh", "1.0").post(client, token).status_code == 200
    assert len(client.get("/simple/fresh/", HTTP_ACCEPT=V1_JSON).json()["files"]) == 1

    response = post(client, "fresh", BODY, make_token(watcher))

    assert response.status_code == 201
    assert response.json()["project_status"] == "quarantined"
    project = Project.objects.get(name="fresh")
    assert project.lifecycle_status == LifecycleStatus.QUARANTINE_ENTER
    simple = client.get("/simple/fresh/", HTTP_ACCEPT=V1_JSON).json()
    assert (simple["files"], simple["project-status"]) == ([], {"status": "quarantined"})
    assert b"fresh-1.0" not in client.get("/simple/fresh/").content
    assert client.get("/pypi/fresh/json").status_code == 404
    assert b"fresh" not in client.get("/simple/").getvalue()


def test_a_user_and_an_observer_quarantine_an_old_project(client, old, watcher_token):
    ann = person("ann")
    client.force_login(ann)
    client.post("/project/old/report/", {"kind": "is_malware", "summary": "looks bad"})
    client.logout()
    assert Project.objects.get(pk=old.pk).lifecycle_status == LifecycleStatus.ACTIVE

    response = post(client, "old", BODY, watcher_token)

    assert response.json()["project_status"] == "quarantined"
    assert client.get("/simple/old/", HTTP_ACCEPT=V1_JSON).json()["files"] == []
