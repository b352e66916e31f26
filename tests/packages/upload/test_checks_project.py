"""Checks 4-16 of docs/upload.md through HTTP: the form, the metadata, creating the
project, the permission to upload, the uploader's readiness and the description.

Every refusal is asserted with its status and exact message, and shown to leave nothing behind.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from pymacaroons import Macaroon

from accounts import caveats as cav
from accounts import services
from accounts.models import AuthenticatorApp
from help.links import help_url
from moderation.models import ProhibitedProjectName
from packages.models import File, LifecycleStatus, Project, ProjectEvent, Release, Role
from packages.names import normalize_name, ultranormalize_name
from tests import uploads
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp
from tests.packages.factories import ProjectFactory, RoleFactory
from tests.packages.upload.conftest import snapshot
from tests.uploads import FilePart

pytestmark = pytest.mark.django_db

SPEC = "https://packaging.python.org/specifications/core-metadata"
NAME_RULE = (
    "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'."
)


def no_email(user: str) -> str:
    return (
        f"User '{user}', associated with the API token used, does not have a verified primary "
        "email address. Please add a verified primary email before attempting to upload. "
        f"See {help_url('verified-email')} for more information."
    )


def no_2fa(user: str) -> str:
    return (
        f"User '{user}', associated with the API token used, does not have two-factor "
        "authentication enabled. Please enable two-factor authentication before attempting to "
        f"upload. See {help_url('two-factor-authentication')} for more information."
    )


def not_allowed(user: str, project: str) -> str:
    return (
        f"The user '{user}' isn't allowed to upload to project '{project}'. "
        f"See {help_url('project-name')} for more information."
    )


# Pre-processing and checks 4-7: the request itself ---------------------------------------------


def test_field_sent_as_a_file_is_refused_before_check_4(refused, token):
    upload = uploads.wheel_upload().set("protocol_version", "2")
    upload.files.append(FilePart("summary", "summary.txt", b"A summary"))
    refused(upload, token, 400, "summary: Should not be a tuple.")


def test_unknown_values_are_dropped(client, publisher, token):
    upload = uploads.wheel_upload().set("summary", "UNKNOWN").set("license", " UNKNOWN ")
    assert upload.post(client, token).status_code == 200
    release = Release.objects.get()
    assert (release.summary, release.license) == ("", "")


def test_unknown_protocol_version(refused, token):
    refused(
        uploads.wheel_upload().set("protocol_version", "2"), token, 400, "Unknown protocol version."
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "name",
            "-sample",
            f"'-sample' is an invalid value for Name. Error: {NAME_RULE} "
            f"See {SPEC} for more information.",
        ),
        ("filetype", None, "Invalid value for filetype. Error: This field is required."),
        ("filetype", "bdist_egg", "Invalid value for filetype. Error: Use a known file type."),
        (
            "pyversion",
            None,
            "Invalid value for pyversion. Error: Python version is required for binary "
            "distribution uploads.",
        ),
        (
            "sha256_digest",
            "abc",
            "Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message "
            "digest.",
        ),
        (
            "blake2_256_digest",
            "z" * 64,
            "Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 "
            "message digest.",
        ),
    ],
    ids=["name", "no-filetype", "unknown-filetype", "no-pyversion", "sha256", "blake2"],
)
def test_upload_form(refused, token, field, value, message):
    refused(uploads.wheel_upload().set(field, value), token, 400, message)


def test_upload_form_sdist_pyversion(refused, token):
    upload = uploads.sdist_upload().set("pyversion", "py3")
    message = "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist."
    refused(upload, token, 400, message)


def test_upload_form_needs_a_digest(refused, token):
    upload = uploads.wheel_upload().set("sha256_digest", None).set("blake2_256_digest", None)
    refused(upload, token, 400, "Error: Include at least one message digest.")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"metadata_version": "3.0"}, "'3.0' is not a valid metadata version."),
        ({"version": None}, "'version' is a required field."),
        ({"version": "1.0+local"}, "The use of local versions in '1.0+local' is not allowed."),
        (
            {"classifiers": "Made Up :: Classifier"},
            "'Made Up :: Classifier' is not a valid classifier.",
        ),
        ({"summary": "x" * 513}, "'summary' field must be 512 characters or less."),
    ],
    ids=["metadata-version", "no-version", "local-version", "classifier", "summary"],
)
def test_core_metadata(refused, token, changes, error):
    upload = uploads.wheel_upload()
    for key, value in changes.items():
        upload.set(key, value)
    refused(upload, token, 400, f"{error} See {SPEC} for more information.")


def test_no_content(refused, token):
    upload = uploads.wheel_upload()
    upload.files = []
    refused(upload, token, 400, "Upload payload does not have a file.")


def test_checks_run_in_order_form_metadata_content(refused, token):
    upload = uploads.wheel_upload().set("classifiers", "Made Up").set("filetype", "egg")
    upload.files = []
    refused(upload, token, 400, "Invalid value for filetype. Error: Use a known file type.")
    upload.set("filetype", "bdist_wheel")
    refused(
        upload, token, 400, f"'Made Up' is not a valid classifier. See {SPEC} for more information."
    )


# Check 8: creating the project -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("has_email", "has_2fa", "message"),
    [
        (False, True, no_email("bob")),
        ("unverified", True, no_email("bob")),
        (True, False, no_2fa("bob")),
        (False, False, no_email("bob")),
    ],
    ids=["no-email", "unverified-email", "no-2fa", "neither"],
)
def test_new_project_needs_a_ready_account(refused, make_token, has_email, has_2fa, message):
    user = UserFactory(username="bob")
    if has_email:
        EmailAddressFactory(user=user, verified=has_email is True)
    if has_2fa:
        add_totp(user)
    refused(uploads.wheel_upload(), make_token(user), 403, message)


def test_unconfirmed_authenticator_is_not_2fa(refused, make_token):
    user = UserFactory(username="bob")
    EmailAddressFactory(user=user)
    AuthenticatorApp.objects.filter(pk=add_totp(user).pk).update(confirmed=False)
    refused(uploads.wheel_upload(), make_token(user), 403, no_2fa("bob"))


def test_new_projects_per_user_are_rate_limited(client, refused, settings, publisher, token):
    settings.UPLOAD_NEW_PROJECTS_PER_USER_HOUR = 1
    assert uploads.wheel_upload("first").post(client, token).status_code == 200
    refused(uploads.wheel_upload("second"), token, 429, "Too many new projects created")
    # Uploads to a project that exists are not project creations.
    assert uploads.wheel_upload("first", "2.0").post(client, token).status_code == 200


def test_new_projects_per_ip_are_rate_limited(
    client, refused, settings, make_publisher, make_token
):
    settings.UPLOAD_NEW_PROJECTS_PER_IP_HOUR = 1
    first, second = make_publisher(), make_publisher()
    assert uploads.wheel_upload("first").post(client, make_token(first)).status_code == 200
    refused(
        uploads.wheel_upload("second"), make_token(second), 429, "Too many new projects created"
    )
    response = uploads.wheel_upload("second").post(
        client, make_token(second), REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 200


def test_project_creations_older_than_an_hour_do_not_count(client, settings, publisher, token):
    settings.UPLOAD_NEW_PROJECTS_PER_USER_HOUR = 1
    assert uploads.wheel_upload("first").post(client, token).status_code == 200
    ProjectEvent.objects.update(time=timezone.now() - timedelta(minutes=61))
    assert uploads.wheel_upload("second").post(client, token).status_code == 200


def test_new_project_registration_switch(client, refused, switch_on, owned, token):
    switch_on("disallow-new-project-registration")
    message = (
        "New project registration temporarily disabled. "
        f"See {help_url('admin-intervention')} for more information."
    )
    refused(uploads.wheel_upload("another"), token, 403, message)
    assert uploads.wheel_upload("sample", "2.0").post(client, token).status_code == 200


def test_readiness_comes_before_rate_limit_and_switch(refused, settings, switch_on, make_token):
    settings.UPLOAD_NEW_PROJECTS_PER_USER_HOUR = 0
    switch_on("disallow-new-project-registration")
    user = UserFactory(username="bob")
    EmailAddressFactory(user=user)
    refused(uploads.wheel_upload(), make_token(user), 403, no_2fa("bob"))


def test_rate_limit_comes_before_switch(refused, settings, switch_on, token):
    settings.UPLOAD_NEW_PROJECTS_PER_USER_HOUR = 0
    switch_on("disallow-new-project-registration")
    refused(uploads.wheel_upload(), token, 429, "Too many new projects created")


@pytest.mark.parametrize("name", ["os-path", "Asyncio", "os.path", "future"])
def test_standard_library_names(refused, token, name):
    message = (
        f"The name '{name}' isn't allowed (conflict with Python Standard Library module name). "
        f"See {help_url('project-name')} for more information."
    )
    refused(uploads.wheel_upload(name), token, 400, message)


def test_prohibited_name(refused, token):
    ProhibitedProjectName.objects.create(name=normalize_name("Forbidden.Fruit"))
    message = (
        f"The name 'Forbidden_Fruit' isn't allowed. See {help_url('project-name')} "
        "for more information."
    )
    refused(uploads.wheel_upload("Forbidden_Fruit"), token, 400, message)


def test_stdlib_refusal_comes_before_prohibition(refused, token):
    ProhibitedProjectName.objects.create(name="asyncio")
    message = (
        "The name 'asyncio' isn't allowed (conflict with Python Standard Library module name). "
        f"See {help_url('project-name')} for more information."
    )
    refused(uploads.wheel_upload("asyncio"), token, 400, message)


@pytest.mark.parametrize(
    ("existing", "name"),
    [("sample1", "sample-l"), ("requests", "Requ.ests"), ("foo0", "F_O_O_O")],
)
def test_name_too_similar_to_an_existing_project(refused, token, existing, name):
    ProjectFactory(name=existing)
    assert ultranormalize_name(existing) == ultranormalize_name(name)
    message = (
        f"The name '{name}' is too similar to an existing project. "
        f"See {help_url('project-name')} for more information."
    )
    refused(uploads.wheel_upload(name), token, 400, message)


@pytest.mark.django_db(transaction=True)
def test_name_taken_by_a_concurrent_upload_answers_409(client, publisher, token):
    """Check 8h: another transaction creates the name between the lookup and the insert."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a second transaction that holds a row lock: PostgreSQL only")
    before = snapshot()
    holding = threading.Event()

    def create_then_commit_once_the_upload_waits() -> None:
        try:
            with transaction.atomic():
                ProjectFactory(name="sample")
                holding.set()
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not _someone_waits_on_a_lock():
                    time.sleep(0.02)
        finally:
            connection.close()

    thread = threading.Thread(target=create_then_commit_once_the_upload_waits)
    thread.start()
    assert holding.wait(10)
    response = uploads.wheel_upload("Sample").post(client, token)
    thread.join()
    message = (
        "The name 'Sample' conflicts with an existing project. "
        f"See {help_url('project-name')} for more information."
    )
    assert (response.status_code, response.content.decode()) == (409, message)
    assert response.reason_phrase == message
    rows, stored = snapshot()
    assert [p["name"] for p in rows.pop("Project")] == ["sample"]
    assert (rows, stored) == ({k: v for k, v in before[0].items() if k != "Project"}, before[1])


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


# Check 9: permission to upload -----------------------------------------------------------------


def test_other_users_project(refused, owned, make_publisher, make_token):
    bob = make_publisher(username="bob")
    refused(
        uploads.wheel_upload("sample", "2.0"), make_token(bob), 403, not_allowed("bob", "sample")
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            LifecycleStatus.QUARANTINE_ENTER,
            "Project 'sample' is in quarantine and cannot accept uploads. "
            f"See {help_url('project_in_quarantine')} for more information.",
        ),
        (LifecycleStatus.ARCHIVED, "Project 'sample' is archived and cannot accept uploads."),
    ],
    ids=["quarantined", "archived"],
)
def test_project_lifecycle(refused, owned, token, status, message):
    Project.objects.update(lifecycle_status=status)
    refused(uploads.wheel_upload("sample", "2.0"), token, 403, message)


def test_project_scoped_token_uploads_to_its_project(client, owned, publisher, make_token):
    scoped = make_token(publisher, projects=[owned])
    assert uploads.wheel_upload("sample", "2.0").post(client, scoped).status_code == 200


@pytest.mark.parametrize("target", ["Other", "Brand-New"], ids=["existing", "new-project"])
def test_project_scoped_token_cannot_upload_elsewhere(
    refused, owned, publisher, make_token, target
):
    if target == "Other":
        RoleFactory(project=ProjectFactory(name="Other"), user=publisher)
    scoped = make_token(publisher, projects=[owned])
    message = f"Invalid API Token: project-scoped token is not valid for project: '{target}'"
    refused(uploads.wheel_upload(target), scoped, 403, message)


def _with_caveat(token: str, caveat: cav.Caveat) -> str:
    """The token attenuated by its holder with one more caveat (no server key needed)."""
    macaroon = Macaroon.deserialize(token.removeprefix("pypi-"))
    macaroon.add_first_party_caveat(cav.serialize(caveat))
    return f"pypi-{macaroon.serialize()}"


def _past() -> cav.Expiration:
    now = cav.now()
    return cav.Expiration(expires_at=now - 60, not_before=now - 3600)


@pytest.mark.parametrize("existing", [True, False], ids=["existing-project", "new-project"])
def test_expired_token(request, refused, publisher, token, existing):
    if existing:
        request.getfixturevalue("owned")
    expired = _with_caveat(token, _past())
    message = "Invalid API Token: token is expired"
    refused(uploads.wheel_upload("sample", "2.0"), expired, 403, message)


def test_expired_token_issued_by_the_server(refused, owned, publisher):
    expiring, row = services.create_api_token(
        publisher, description="expiring", expires_in=timedelta(hours=1)
    )
    # The server-side copy of its expiry, moved into the past.
    row.caveats = [*row.caveats[:-1], cav.serialize(_past())]
    row.save()
    message = "Invalid API Token: token is expired"
    refused(uploads.wheel_upload("sample", "2.0"), expiring, 403, message)


def test_token_restricted_to_another_user(refused, owned, publisher, token, make_publisher):
    bob = make_publisher(username="bob")
    restricted = _with_caveat(token, cav.RequestUser(str(bob.pk)))
    message = "Invalid API Token: current user does not match user restriction in token"
    refused(uploads.wheel_upload("sample", "2.0"), restricted, 403, message)


def test_maintainer_may_upload(client, owned, make_publisher, make_token):
    bob = make_publisher(username="bob")
    RoleFactory(project=owned, user=bob, role_name="Maintainer")
    assert uploads.wheel_upload("sample", "2.0").post(client, make_token(bob)).status_code == 200


# Check 10: readiness, again, for projects that exist -------------------------------------------


@pytest.mark.parametrize("lost", ["email", "2fa"])
def test_owner_must_still_be_ready(refused, owned, publisher, token, lost):
    if lost == "email":
        publisher.emailaddress_set.update(verified=False)
        message = no_email("alice")
    else:
        AuthenticatorApp.objects.filter(user=publisher).delete()
        message = no_2fa("alice")
    refused(uploads.wheel_upload("sample", "2.0"), token, 403, message)


def test_permission_comes_before_readiness(refused, owned, make_token):
    bob = UserFactory(username="bob")
    refused(
        uploads.wheel_upload("sample", "2.0"), make_token(bob), 403, not_allowed("bob", "sample")
    )


# Check 13: the project takes the name of its latest upload --------------------------------------


def test_project_name_follows_the_metadata(client, owned, token):
    assert uploads.wheel_upload("Sample", "2.0").post(client, token).status_code == 200
    assert Project.objects.get().name == "Sample"


# Check 14: the description must render ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "description", "failure"),
    [
        (
            None,
            "Title\n=====\n\n.. raw:: html\n\n   <script>alert(1)</script>\n",
            "The description failed to render in the default format of reStructuredText.",
        ),
        (
            "text/x-rst",
            "Broken `markup\n",
            "The description failed to render for 'text/x-rst'.",
        ),
    ],
    ids=["default-rst-raw-html", "rst-broken-markup"],
)
def test_description_must_render(refused, token, content_type, description, failure):
    upload = uploads.wheel_upload().set("description", description)
    upload.set("description_content_type", content_type)
    message = f"{failure} See {help_url('description-content-type')} for more information."
    refused(upload, token, 400, message)


def test_refused_description_leaves_the_project_name_alone(refused, owned, token):
    upload = uploads.wheel_upload("SAMPLE", "2.0").set("description", "Broken `markup")
    message = (
        "The description failed to render in the default format of reStructuredText. "
        f"See {help_url('description-content-type')} for more information."
    )
    refused(upload, token, 400, message)
    assert Project.objects.get().name == "sample"


def test_markdown_description_renders(client, publisher, token):
    upload = uploads.wheel_upload().set("description", "# Title\n\n<b>bold</b> `code`")
    upload.set("description_content_type", "text/markdown")
    assert upload.post(client, token).status_code == 200


# Check 16: one release per canonical version -----------------------------------------------------


def test_equal_versions_share_a_release(client, owned, token):
    assert uploads.sdist_upload("sample", "1.0.0").post(client, token).status_code == 200
    assert Release.objects.get().version == "1.0"
    assert File.objects.count() == 2
    assert Role.objects.count() == 1
