"""The project management API (``/api/projects/<name>/...``, packages/api.py): an API token
created with "upload and manage", whose scope covers the project, used by an Owner.

The project is built by real uploads, so deleting a file can be proved final: the same upload
is refused afterwards because its filename stays in the registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from accounts import caveats, tokens
from accounts.models import ApiToken, User
from moderation.models import AdminFlag
from packages.models import (
    File,
    FilenameRegistry,
    JournalEntry,
    Project,
    ProjectEvent,
    ProjectEventTag,
    Release,
    Role,
    RoleInvitation,
    RoleName,
)
from packages.services import journal
from packages.services.events import Actor
from packages.services.projects import quarantine_project
from tests import uploads
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

BASE = "/api/projects/sample/"
V1_JSON = "application/vnd.pypi.simple.v1+json"
WHEEL_1 = "sample-1.0-py3-none-any.whl"
SDIST_1 = "sample-1.0.tar.gz"
WHEEL_2 = "sample-2.0-py3-none-any.whl"
UPLOAD_ONLY = {
    "detail": 'This API token may only upload. Create a token with the "upload and manage" '
    "permission to manage projects."
}
NOT_FOUND = {"detail": "Not found."}
OWNERS_ONLY = {"detail": "Only the project's Owners can do this."}
QUARANTINED = {"detail": "This project is in quarantine and cannot be modified."}
REUSED = (
    "This filename was previously used by a file that has since been deleted. "
    "Use a different version."
)

# Every endpoint: (method, path, JSON body). Reads first, then writes.
READS = [
    ("GET", BASE, None),
    ("GET", f"{BASE}collaborators/", None),
]
WRITES = [
    ("POST", f"{BASE}releases/1.0/yank/", {"reason": "broken"}),
    ("POST", f"{BASE}releases/1.0/unyank/", None),
    ("DELETE", f"{BASE}releases/1.0/", None),
    ("DELETE", f"{BASE}files/{WHEEL_1}/", None),
    ("POST", f"{BASE}collaborators/", {"username": "bob", "role": "Maintainer"}),
    ("PATCH", f"{BASE}collaborators/carol/", {"role": "Owner"}),
    ("DELETE", f"{BASE}collaborators/carol/", None),
]
ENDPOINTS = READS + WRITES
DELETIONS = [WRITES[2], WRITES[3]]


def ids(endpoints: list) -> list[str]:
    return [f"{method} {path.removeprefix(BASE)}" for method, path, _ in endpoints]


def call(
    client: Client,
    method: str,
    path: str,
    token: str | None,
    body: object = None,
    *,
    authorization: str | None = None,
):
    headers = {}
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    elif token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = "" if body is None else json.dumps(body)
    return client.generic(method, path, data, content_type="application/json", **headers)


def switch_on(flag_id: str) -> None:
    AdminFlag.objects.update_or_create(id=flag_id, defaults={"enabled": True, "description": "x"})


def entries_since(serial: int) -> list[tuple[str, str | None, str, str | None]]:
    return [
        (e.name, e.version, e.action, e.submitted_by.username if e.submitted_by else None)
        for e in JournalEntry.objects.filter(id__gt=serial)
        .order_by("id")
        .select_related("submitted_by")
    ]


def assert_on_newest_serial() -> None:
    newest = JournalEntry.objects.latest("id").id
    assert Project.objects.get(name="sample").last_serial == newest == journal.last_serial()


def newest_event() -> ProjectEvent:
    return ProjectEvent.objects.latest("id")


def label(token: str) -> str:
    """How the project's history names a token (see ``Identity.token_label``)."""
    row = ApiToken.objects.get(pk=token_row_id(token))
    return f"{row.description} ({row.pk})"


def token_row_id(token: str) -> str:
    found = tokens.find(token)
    assert found is not None
    return str(found.row.pk)


def simple_files(client: Client) -> dict[str, object]:
    """``{filename: yanked}`` as the Simple API's JSON shows them."""
    response = client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON)
    assert response.status_code == 200
    return {f["filename"]: f["yanked"] for f in response.json()["files"]}


def recipients() -> list[list[str]]:
    return sorted(m.to for m in mail.outbox)


# Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def carol(make_publisher: Callable[..., User]) -> User:
    return make_publisher(username="carol")


@pytest.fixture
def bob(make_publisher: Callable[..., User]) -> User:
    return make_publisher(username="bob")


@pytest.fixture
def project(client: Client, publisher: User, token: str, carol: User) -> Project:
    """``sample``, uploaded by alice (Owner): 1.0 (wheel, sdist) and 2.0 (wheel); carol is a
    Maintainer."""
    for form in (
        uploads.wheel_upload("sample", "1.0"),
        uploads.sdist_upload("sample", "1.0"),
        uploads.wheel_upload("sample", "2.0"),
    ):
        response = form.post(client, token)
        assert response.status_code == 200, response.content
    assert set(File.objects.values_list("filename", flat=True)) == {WHEEL_1, SDIST_1, WHEEL_2}
    project = Project.objects.get(name="sample")
    RoleFactory(project=project, user=carol, role_name=RoleName.MAINTAINER)
    mail.outbox.clear()
    return project


@pytest.fixture(params=["user", "project"])
def manage_token(request, project: Project, publisher: User, make_token) -> str:
    """alice's "upload and manage" token: account-wide, or scoped to ``sample``."""
    projects = [project] if request.param == "project" else []
    return make_token(publisher, projects, can_manage=True)


@pytest.fixture
def owner_token(project: Project, publisher: User, make_token) -> str:
    return make_token(publisher, can_manage=True)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


# Reading --------------------------------------------------------------------------------------


def test_project_document(client, manage_token):
    response = call(client, "GET", BASE, manage_token)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    assert response.json() == {
        "name": "sample",
        "lifecycle_status": "active",
        "your_role": "Owner",
        "releases": [
            {"version": "2.0", "yanked": False, "yanked_reason": "", "files": [WHEEL_2]},
            {"version": "1.0", "yanked": False, "yanked_reason": "", "files": [WHEEL_1, SDIST_1]},
        ],
    }
    assert ApiToken.objects.get(pk=token_row_id(manage_token)).last_used is not None


def test_the_project_is_found_by_any_spelling_of_its_name(client, owner_token):
    response = call(client, "GET", "/api/projects/SAMPLE/", owner_token)
    assert response.status_code == 200
    assert response.json()["name"] == "sample"


def test_collaborators_document(client, manage_token):
    response = call(client, "GET", f"{BASE}collaborators/", manage_token)

    assert response.status_code == 200
    assert response.json() == {
        "collaborators": [
            {"username": "alice", "role": "Owner"},
            {"username": "carol", "role": "Maintainer"},
        ],
        "invitations": [],
    }


def test_reads_change_nothing(client, manage_token):
    serial = journal.last_serial()
    for method, path, body in READS:
        assert call(client, method, path, manage_token, body).status_code == 200
    assert entries_since(serial) == []
    assert mail.outbox == []


# Yanking --------------------------------------------------------------------------------------


def test_yank(client, manage_token, publisher, committed):
    serial = journal.last_serial()
    with committed():
        response = call(
            client, "POST", f"{BASE}releases/1.0/yank/", manage_token, {"reason": "use 1.1"}
        )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "version": "1.0",
        "yanked": True,
        "yanked_reason": "use 1.1",
        "files": [WHEEL_1, SDIST_1],
    }
    release = Release.objects.get(version="1.0")
    assert (release.yanked, release.yanked_reason) == (True, "use 1.1")
    assert entries_since(serial) == [("sample", "1.0", "yank release", "alice")]
    assert_on_newest_serial()
    event = newest_event()
    assert (event.tag, event.user) == (ProjectEventTag.RELEASE_YANK, publisher)
    assert event.additional == {
        "submitted_by": "alice",
        "api_token": label(manage_token),
        "version": "1.0",
        "reason": "use 1.1",
    }
    assert simple_files(client) == {WHEEL_1: "use 1.1", SDIST_1: "use 1.1", WHEEL_2: False}
    assert recipients() == [["alice@example.com"], ["carol@example.com"]]
    assert all("Release 1.0 of sample yanked" in m.subject for m in mail.outbox)


def test_yank_without_a_body_or_a_reason(client, owner_token):
    # As ``curl -X POST`` sends it: no body, no content type.
    response = client.generic(
        "POST", f"{BASE}releases/1.0/yank/", HTTP_AUTHORIZATION=f"Bearer {owner_token}"
    )
    assert response.status_code == 200, response.content
    assert response.json()["yanked_reason"] == ""
    assert simple_files(client)[WHEEL_1] is True


def test_a_reason_longer_than_1000_characters_is_refused(client, owner_token):
    serial = journal.last_serial()
    response = call(
        client, "POST", f"{BASE}releases/1.0/yank/", owner_token, {"reason": "x" * 1001}
    )
    assert response.status_code == 400
    assert response.json() == {"reason": ["Ensure this field has no more than 1000 characters."]}
    assert entries_since(serial) == []


def test_yanking_twice_is_the_services_refusal(client, owner_token):
    assert call(client, "POST", f"{BASE}releases/1.0/yank/", owner_token).status_code == 200
    response = call(client, "POST", f"{BASE}releases/1.0/yank/", owner_token)
    assert response.status_code == 409
    assert response.json() == {"detail": "Release 1.0 is already yanked."}


def test_unyank(client, manage_token, publisher, committed):
    call(client, "POST", f"{BASE}releases/1.0/yank/", manage_token, {"reason": "oops"})
    serial = journal.last_serial()
    mail.outbox.clear()

    with committed():
        response = call(client, "POST", f"{BASE}releases/1.0/unyank/", manage_token)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "version": "1.0",
        "yanked": False,
        "yanked_reason": "",
        "files": [WHEEL_1, SDIST_1],
    }
    assert entries_since(serial) == [("sample", "1.0", "unyank release", "alice")]
    assert_on_newest_serial()
    event = newest_event()
    assert (event.tag, event.user) == (ProjectEventTag.RELEASE_UNYANK, publisher)
    assert event.additional["api_token"] == label(manage_token)
    assert simple_files(client) == {WHEEL_1: False, SDIST_1: False, WHEEL_2: False}
    assert recipients() == [["alice@example.com"], ["carol@example.com"]]


def test_unyanking_a_release_that_is_not_yanked_is_refused(client, owner_token):
    response = call(client, "POST", f"{BASE}releases/1.0/unyank/", owner_token)
    assert response.status_code == 409
    assert response.json() == {"detail": "Release 1.0 is not yanked."}


def test_a_version_is_found_in_any_spelling(client, owner_token):
    response = call(client, "POST", f"{BASE}releases/1.0.0/yank/", owner_token)
    assert response.status_code == 200
    assert response.json()["version"] == "1.0"


# Deleting -------------------------------------------------------------------------------------


def test_delete_release(client, token, manage_token, publisher, committed):
    serial = journal.last_serial()
    with committed():
        response = call(client, "DELETE", f"{BASE}releases/1.0/", manage_token)

    assert response.status_code == 204, response.content
    assert response.content == b""
    assert list(Release.objects.values_list("version", flat=True)) == ["2.0"]
    assert set(File.objects.values_list("filename", flat=True)) == {WHEEL_2}
    assert {WHEEL_1, SDIST_1} <= set(FilenameRegistry.objects.values_list("filename", flat=True))
    assert entries_since(serial) == [("sample", "1.0", "remove release", "alice")]
    assert_on_newest_serial()
    event = newest_event()
    assert (event.tag, event.user) == (ProjectEventTag.RELEASE_REMOVE, publisher)
    assert event.additional == {
        "submitted_by": "alice",
        "api_token": label(manage_token),
        "version": "1.0",
    }
    assert simple_files(client) == {WHEEL_2: False}
    assert recipients() == [["alice@example.com"], ["carol@example.com"]]

    again = uploads.wheel_upload("sample", "1.0").post(client, token)
    assert again.status_code == 400
    assert again.content.decode().startswith(REUSED)


def test_delete_file(client, token, manage_token, publisher, committed):
    serial = journal.last_serial()
    with committed():
        response = call(client, "DELETE", f"{BASE}files/{WHEEL_1}/", manage_token)

    assert response.status_code == 204, response.content
    assert set(File.objects.values_list("filename", flat=True)) == {SDIST_1, WHEEL_2}
    assert Release.objects.filter(version="1.0").exists()  # the release stays
    assert FilenameRegistry.objects.filter(filename=WHEEL_1).exists()
    assert entries_since(serial) == [("sample", "1.0", f"remove file {WHEEL_1}", "alice")]
    assert_on_newest_serial()
    event = newest_event()
    assert (event.tag, event.user) == (ProjectEventTag.FILE_REMOVE, publisher)
    assert event.additional == {
        "submitted_by": "alice",
        "api_token": label(manage_token),
        "filename": WHEEL_1,
        "version": "1.0",
    }
    assert simple_files(client) == {SDIST_1: False, WHEEL_2: False}
    assert recipients() == [["alice@example.com"], ["carol@example.com"]]

    again = uploads.wheel_upload("sample", "1.0").post(client, token)
    assert again.status_code == 400
    assert again.content.decode().startswith(REUSED)
    assert not File.objects.filter(filename=WHEEL_1).exists()


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (f"{BASE}releases/9.9/", "Project 'sample' has no release 9.9."),
        (f"{BASE}releases/9.9/yank/", "Project 'sample' has no release 9.9."),
        (f"{BASE}releases/9.9/unyank/", "Project 'sample' has no release 9.9."),
        (f"{BASE}files/sample-9.9.tar.gz/", "Project 'sample' has no file sample-9.9.tar.gz."),
    ],
)
def test_unknown_releases_and_files_are_404(client, owner_token, path, detail):
    method = "POST" if path.endswith("yank/") else "DELETE"
    response = call(client, method, path, owner_token)
    assert response.status_code == 404
    assert response.json() == {"detail": detail}


def test_a_file_of_another_project_is_not_found(client, owner_token, publisher):
    other = ProjectFactory(name="other")
    RoleFactory(project=other, user=publisher)
    response = call(client, "DELETE", f"/api/projects/other/files/{WHEEL_1}/", owner_token)
    assert response.status_code == 404
    assert File.objects.filter(filename=WHEEL_1).exists()


@pytest.mark.parametrize(("method", "path", "body"), DELETIONS, ids=ids(DELETIONS))
def test_deletions_are_refused_while_the_switch_is_on(client, owner_token, method, path, body):
    switch_on("disallow-deletion")
    serial = journal.last_serial()

    response = call(client, method, path, owner_token, body)

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Deletion is temporarily disabled. See ")
    assert File.objects.count() == 3
    assert entries_since(serial) == []


# Collaborators --------------------------------------------------------------------------------


def test_invite(client, manage_token, publisher, bob, committed):
    serial = journal.last_serial()
    with committed():
        response = call(
            client,
            "POST",
            f"{BASE}collaborators/",
            manage_token,
            {"username": "BOB", "role": "Maintainer"},
        )

    assert response.status_code == 201, response.content
    invitation = RoleInvitation.objects.get()
    assert (invitation.user, invitation.role_name, invitation.invited_by) == (
        bob,
        "Maintainer",
        publisher,
    )
    body = response.json()
    assert body == {"username": "bob", "role": "Maintainer", "expires": body["expires"]}
    assert body["expires"].startswith(invitation.expires.strftime("%Y-%m-%dT%H:%M:%S"))
    assert entries_since(serial) == [("sample", None, "invite Maintainer bob", "alice")]
    assert_on_newest_serial()
    event = newest_event()
    assert (event.tag, event.user) == (ProjectEventTag.ROLE_INVITE, publisher)
    assert event.additional["api_token"] == label(manage_token)
    assert recipients() == [["bob@example.com"]]

    listing = call(client, "GET", f"{BASE}collaborators/", manage_token).json()
    assert listing["invitations"] == [body]
    assert not Role.objects.filter(user=bob).exists()


def test_inviting_an_unknown_user(client, owner_token):
    response = call(
        client,
        "POST",
        f"{BASE}collaborators/",
        owner_token,
        {"username": "nobody", "role": "Owner"},
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "No user found"}
    assert not RoleInvitation.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"username": "bob", "role": "Admin"}, {"role": ['"Admin" is not a valid choice.']}),
        ({"username": "bob"}, {"role": ["This field is required."]}),
        ({"role": "Owner"}, {"username": ["This field is required."]}),
    ],
)
def test_invitation_bodies_are_validated(client, owner_token, bob, body, errors):
    response = call(client, "POST", f"{BASE}collaborators/", owner_token, body)
    assert response.status_code == 400
    assert response.json() == errors
    assert not RoleInvitation.objects.exists()


def test_inviting_a_collaborator_is_the_services_refusal(client, owner_token):
    response = call(
        client, "POST", f"{BASE}collaborators/", owner_token, {"username": "carol", "role": "Owner"}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "User 'carol' already has Maintainer role for project"}


def test_change_role(client, manage_token, publisher, carol, committed):
    serial = journal.last_serial()
    with committed():
        response = call(
            client, "PATCH", f"{BASE}collaborators/carol/", manage_token, {"role": "Owner"}
        )

    assert response.status_code == 200, response.content
    assert response.json() == {"username": "carol", "role": "Owner"}
    assert Role.objects.get(user=carol).role_name == RoleName.OWNER
    assert entries_since(serial) == [("sample", None, "change Maintainer carol to Owner", "alice")]
    assert_on_newest_serial()
    event = newest_event()
    assert (event.tag, event.user) == (ProjectEventTag.ROLE_CHANGE, publisher)
    assert event.additional["api_token"] == label(manage_token)
    assert recipients() == [["alice@example.com"], ["carol@example.com"]]


def test_change_role_is_validated(client, owner_token):
    response = call(client, "PATCH", f"{BASE}collaborators/carol/", owner_token, {"role": "x"})
    assert response.status_code == 400
    assert response.json() == {"role": ['"x" is not a valid choice.']}


def test_an_owner_cannot_demote_themselves(client, owner_token):
    response = call(
        client, "PATCH", f"{BASE}collaborators/alice/", owner_token, {"role": "Maintainer"}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "Cannot remove yourself as Owner"}


def test_remove_role(client, manage_token, publisher, carol, committed):
    serial = journal.last_serial()
    with committed():
        response = call(client, "DELETE", f"{BASE}collaborators/carol/", manage_token)

    assert response.status_code == 204, response.content
    assert not Role.objects.filter(user=carol).exists()
    assert entries_since(serial) == [("sample", None, "remove Maintainer carol", "alice")]
    assert_on_newest_serial()
    event = newest_event()
    assert (event.tag, event.user) == (ProjectEventTag.ROLE_REMOVE, publisher)
    assert event.additional["api_token"] == label(manage_token)
    assert recipients() == [["alice@example.com"], ["carol@example.com"]]


def test_the_sole_owner_cannot_leave(client, owner_token):
    response = call(client, "DELETE", f"{BASE}collaborators/alice/", owner_token)
    assert response.status_code == 409
    assert response.json() == {"detail": "Cannot remove yourself as Sole Owner"}


def test_deleting_an_invited_user_revokes_the_invitation(
    client, manage_token, publisher, bob, committed
):
    call(
        client, "POST", f"{BASE}collaborators/", manage_token, {"username": "bob", "role": "Owner"}
    )
    serial = journal.last_serial()
    mail.outbox.clear()

    with committed():
        response = call(client, "DELETE", f"{BASE}collaborators/bob/", manage_token)

    assert response.status_code == 204, response.content
    assert not RoleInvitation.objects.exists()
    assert entries_since(serial) == [("sample", None, "revoke_invite Owner bob", "alice")]
    assert_on_newest_serial()
    event = newest_event()
    assert (event.tag, event.user) == (ProjectEventTag.ROLE_REVOKE_INVITE, publisher)
    assert recipients() == [["bob@example.com"]]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_unknown_collaborators_are_404(client, owner_token, bob, method):
    # bob has an account but neither a role nor an invitation.
    response = call(client, method, f"{BASE}collaborators/bob/", owner_token, {"role": "Owner"})
    assert response.status_code == 404
    assert "detail" in response.json()


# Who may: the token ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ids(ENDPOINTS))
def test_an_upload_only_token_is_refused_everywhere(
    client, project, publisher, token, bob, method, path, body
):
    serial = journal.last_serial()
    response = call(client, method, path, token, body)
    assert response.status_code == 403
    assert response.json() == UPLOAD_ONLY
    assert entries_since(serial) == []
    assert ApiToken.objects.get(pk=token_row_id(token)).can_manage is False


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ids(ENDPOINTS))
def test_a_token_for_another_project_is_refused(
    client, project, publisher, make_token, bob, method, path, body
):
    other = ProjectFactory(name="other")
    RoleFactory(project=other, user=publisher)
    elsewhere = make_token(publisher, [other], can_manage=True)
    serial = journal.last_serial()

    response = call(client, method, path, elsewhere, body)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Invalid API Token: project-scoped token is not valid for project: 'sample'"
    }
    assert entries_since(serial) == []


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ids(ENDPOINTS))
def test_an_expired_token_is_refused(
    client, project, publisher, make_token, bob, monkeypatch, method, path, body
):
    expiring = make_token(publisher, expires_in=timedelta(hours=1), can_manage=True)
    later = caveats.now() + 7200
    monkeypatch.setattr(caveats, "now", lambda: later)
    serial = journal.last_serial()

    response = call(client, method, path, expiring, body)

    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid API Token: token is expired"}
    assert entries_since(serial) == []


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ids(ENDPOINTS))
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer pypi-not-a-token", "Bearer ", "Token pypi-AgEIcHlwaS5vcmc", "Digest abc"],
)
def test_without_a_valid_token_the_answer_is_401(
    client, project, bob, method, path, body, authorization
):
    serial = journal.last_serial()
    response = client.generic(
        method,
        path,
        "" if body is None else json.dumps(body),
        content_type="application/json",
        **({} if authorization is None else {"HTTP_AUTHORIZATION": authorization}),
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    detail = response.json()["detail"]
    if authorization is None:
        assert detail.startswith("Authentication credentials were not provided")
    else:
        assert detail.startswith("Invalid or non-existent authentication information.")
    assert entries_since(serial) == []


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ids(ENDPOINTS))
def test_passwords_are_refused(client, project, bob, method, path, body):
    response = call(
        client,
        method,
        path,
        None,
        body,
        authorization=uploads.basic_auth("alice", "correct horse battery"),
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"].startswith(
        "Passwords are not accepted by this API: use an API token"
    )


def test_basic_auth_with_the_token_username_works(client, owner_token):
    response = call(
        client, "GET", BASE, None, authorization=uploads.basic_auth("__token__", owner_token)
    )
    assert response.status_code == 200


def test_token_scheme_works(client, owner_token):
    response = call(client, "GET", BASE, None, authorization=f"Token {owner_token}")
    assert response.status_code == 200


def test_a_browser_session_is_not_enough(client, project, publisher):
    client.force_login(publisher)
    response = client.get(BASE)
    assert response.status_code == 401


def test_a_frozen_users_token_stops_working(client, owner_token, publisher):
    User.objects.filter(pk=publisher.pk).update(is_frozen=True)
    response = call(client, "GET", BASE, owner_token)
    assert response.status_code == 401


def test_no_csrf_token_is_needed(project, owner_token):
    strict = Client(enforce_csrf_checks=True)
    response = call(strict, "POST", f"{BASE}releases/1.0/yank/", owner_token)
    assert response.status_code == 200


def test_manage_tokens_upload_as_upload_only_tokens_do(client, owner_token):
    response = uploads.wheel_upload("sample", "3.0").post(client, owner_token)
    assert response.status_code == 200, response.content


# Who may: the role and the project ------------------------------------------------------------


@pytest.fixture
def maintainer_token(project: Project, carol: User, make_token) -> str:
    return make_token(carol, can_manage=True)


@pytest.mark.parametrize(("method", "path", "body"), READS, ids=ids(READS))
def test_a_maintainer_reads(client, maintainer_token, method, path, body):
    response = call(client, method, path, maintainer_token, body)
    assert response.status_code == 200
    if path == BASE:
        assert response.json()["your_role"] == "Maintainer"


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=ids(WRITES))
def test_a_maintainer_may_not_write(client, maintainer_token, bob, method, path, body):
    serial = journal.last_serial()
    response = call(client, method, path, maintainer_token, body)
    assert response.status_code == 403
    assert response.json() == OWNERS_ONLY
    assert entries_since(serial) == []


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ids(ENDPOINTS))
def test_a_stranger_is_told_nothing(
    client, project, make_publisher, make_token, method, path, body
):
    make_publisher(username="bob")
    dave = make_publisher(username="dave")
    stranger = make_token(dave, can_manage=True)
    serial = journal.last_serial()

    response = call(client, method, path, stranger, body)
    unknown = call(client, method, path.replace("/sample/", "/no-such-project/"), stranger, body)

    assert response.status_code == unknown.status_code == 404
    assert response.json() == unknown.json() == NOT_FOUND
    assert entries_since(serial) == []


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ids(ENDPOINTS))
def test_a_quarantined_project_is_read_only(
    client, project, owner_token, bob, staff_actor, method, path, body
):
    quarantine_project(project, actor=staff_actor)
    serial = journal.last_serial()

    response = call(client, method, path, owner_token, body)

    if method == "GET":
        assert response.status_code == 200
        if path == BASE:
            assert response.json()["lifecycle_status"] == "quarantined"
    else:
        assert response.status_code == 403
        assert response.json() == QUARANTINED
    assert entries_since(serial) == []


@pytest.fixture
def staff_actor(db) -> Actor:
    return Actor(user=UserFactory(username="mod", is_staff=True))


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=ids(WRITES))
def test_read_only_mode_refuses_writes(client, owner_token, bob, method, path, body):
    switch_on("read-only")
    serial = journal.last_serial()
    response = call(client, method, path, owner_token, body)
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert response.json() == {
        "detail": "Read-only mode: project changes are temporarily disabled."
    }
    assert entries_since(serial) == []
    assert call(client, "GET", BASE, owner_token).status_code == 200


# Bodies and methods ---------------------------------------------------------------------------


def test_bodies_must_be_json(client, owner_token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {owner_token}"}
    path = f"{BASE}releases/1.0/yank/"
    broken = client.generic("POST", path, "{not json", content_type="application/json", **auth)
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("JSON parse error")
    form = client.generic(
        "POST", path, "reason=x", content_type="application/x-www-form-urlencoded", **auth
    )
    assert form.status_code == 415
    assert not Release.objects.get(version="1.0").yanked


def test_a_method_a_path_does_not_take(client, owner_token):
    response = call(client, "GET", f"{BASE}releases/1.0/", owner_token)
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.'}
