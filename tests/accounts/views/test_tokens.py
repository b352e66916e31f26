"""``/manage/account/token/``: who may open it, creating tokens (shown once), listing and
deleting them, and proof that a token made here really uploads, where its scope allows."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from accounts import sudo
from accounts.events import EventTag
from accounts.models import ApiToken, UserEvent
from packages.models import Project
from tests import uploads
from tests.accounts.conftest import PASSWORD, log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

TOKENS = "/manage/account/token/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_errors(response) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def create(client, description: str = "ci", scope: str = "scope:user", days: str = ""):
    return client.post(
        TOKENS, {"description": description, "token_scope": scope, "expires_in_days": days}
    )


def token_in(response) -> str:
    [token] = re.findall(r"pypi-[A-Za-z0-9_=-]+", response.content.decode())
    return token


# Who may open the page ------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(TOKENS)
    assert response["Location"] == f"/account/login/?next={TOKENS}"


def test_an_account_without_2fa_is_sent_to_set_it_up(client):
    user = UserFactory(username="carl")
    EmailAddressFactory(user=user)
    log_in(client, "carl", key=None)
    response = client.get(TOKENS)
    assert response["Location"] == "/manage/account/two-factor/"
    assert "You must enable two factor authentication." in messages_of(response)
    assert create(client).status_code == 302
    assert not ApiToken.objects.exists()


def test_a_session_that_did_not_pass_2fa_must_log_in_again(client, member):
    client.force_login(member)  # a password-only session
    response = client.get(TOKENS)
    assert response["Location"] == f"/account/login/?next={TOKENS}"
    create(client)
    assert not ApiToken.objects.exists()


def test_an_unverified_primary_address_blocks_tokens(client):
    user = UserFactory(username="carl")
    EmailAddressFactory(user=user, verified=False)
    add_totp(user, key=bytes(range(20)))
    log_in(client, "carl")
    response = client.get(TOKENS)
    assert response["Location"] == "/manage/account/"
    assert "Verify your primary email address first (see your account settings)." in messages_of(
        response
    )
    create(client)
    assert not ApiToken.objects.exists()


def test_stale_password_confirmation_goes_through_the_confirm_page_and_back(member_client):
    session = member_client.session
    session[sudo.SESSION_KEY] = int(time.time()) - 3601
    session.save()
    response = member_client.get(TOKENS)
    assert response["Location"] == "/account/confirm-password/?next=%2Fmanage%2Faccount%2Ftoken%2F"
    response = member_client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == TOKENS
    assert member_client.get(TOKENS).status_code == 200


# Creating tokens ----------------------------------------------------------------------------


def test_an_account_wide_token_is_shown_once(member_client, member):
    response = member_client.post(
        TOKENS,
        {"description": "laptop", "token_scope": "scope:user", "expires_in_days": ""},
        REMOTE_ADDR="192.0.2.20",
    )
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    token = token_in(response)
    row = ApiToken.objects.get(user=member)
    assert row.description == "laptop"
    assert row.permissions_caveat == {"permissions": "user", "version": 1}
    assert row.expires is None
    assert row.additional == {"made_with_2fa": True}
    assert token.removeprefix("pypi-") not in str(ApiToken.objects.filter(pk=row.pk).values().get())

    listing = member_client.get(TOKENS).content.decode()
    assert token not in listing
    assert "<td>laptop</td>" in listing
    assert "<td>All projects</td>" in listing
    assert f"<td><code>{row.id}</code></td>" in listing
    assert f'<time datetime="{row.created.isoformat()}"' in listing
    assert listing.count("<td>Never</td>") == 2  # never used, never expires

    event = UserEvent.objects.get(user=member, tag=EventTag.API_TOKEN_ADDED)
    assert event.additional == {
        "description": "laptop",
        "token_id": str(row.id),
        "caveats": {"permissions": "user", "version": 1},
        "expires": None,
        "can_manage": False,
    }
    assert event.ip_address == "192.0.2.20"


def test_a_project_token_with_an_expiry(member_client, member):
    project = ProjectFactory(name="Sample.Pkg")
    RoleFactory(user=member, project=project)
    page = member_client.get(TOKENS)
    assert ("scope:project:sample-pkg", "Project: Sample.Pkg") in page.context["form"].fields[
        "token_scope"
    ].choices

    response = create(member_client, "release", "scope:project:sample-pkg", "7")
    assert response.status_code == 200
    row = ApiToken.objects.get(user=member)
    assert row.permissions_caveat == {"permissions": {"projects": ["sample-pkg"]}, "version": 1}
    assert abs(row.expires - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    listing = member_client.get(TOKENS).content.decode()
    assert "<td>sample-pkg</td>" in listing
    assert row.expires.strftime("%Y-%m-%d %H:%M") in listing


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"description": ""}, {"description": ["Specify a token name"]}),
        (
            {"description": "x" * 101},
            {"description": ["Ensure this value has at most 100 characters (it has 101)."]},
        ),
        ({"description": "taken"}, {"description": ["API token name already in use"]}),
        (
            {"token_scope": "scope:project:not-mine"},
            {
                "token_scope": [
                    "Select a valid choice. scope:project:not-mine is not one of the available "
                    "choices."
                ]
            },
        ),
        (
            {"expires_in_days": "9999"},
            {
                "expires_in_days": [
                    "Select a valid choice. 9999 is not one of the available choices."
                ]
            },
        ),
    ],
    ids=["no-name", "long-name", "taken-name", "foreign-project", "odd-expiry"],
)
def test_bad_requests_create_nothing(member_client, member, data, errors):
    ProjectFactory(name="not-mine")
    create(member_client, "taken")
    fields = {"description": "new", "token_scope": "scope:user", "expires_in_days": "", **data}
    response = member_client.post(TOKENS, fields)
    assert response.status_code == 400
    assert form_errors(response) == errors
    assert "pypi-" not in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_the_same_name_is_fine_for_another_account(member_client, member):
    other = UserFactory(username="bob")
    ApiToken.objects.create(user=other, description="ci", key_salt=b"0" * 32)
    assert create(member_client, "ci").status_code == 200


# Deleting tokens ----------------------------------------------------------------------------


def test_deleting_needs_the_password(member_client, member):
    create(member_client, "laptop")
    row = ApiToken.objects.get()
    url = f"/manage/account/token/{row.pk}/delete/"

    response = member_client.post(url, {"password": "wrong"})
    assert response["Location"] == TOKENS
    assert "The password is not correct: the token was not deleted." in messages_of(response)
    assert ApiToken.objects.filter(pk=row.pk).exists()

    response = member_client.post(url, {"password": PASSWORD}, REMOTE_ADDR="192.0.2.21")
    assert response["Location"] == TOKENS
    assert "Deleted API token “laptop”." in messages_of(response)
    assert not ApiToken.objects.exists()
    event = UserEvent.objects.get(user=member, tag=EventTag.API_TOKEN_REMOVED)
    assert event.additional == {"description": "laptop", "token_id": str(row.pk)}
    assert event.ip_address == "192.0.2.21"


def test_tokens_of_other_accounts_cannot_be_deleted(member_client):
    theirs = ApiToken.objects.create(
        user=UserFactory(username="bob"), description="theirs", key_salt=b"0" * 32
    )
    response = member_client.post(
        f"/manage/account/token/{theirs.pk}/delete/", {"password": PASSWORD}
    )
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_deleting_needs_a_post(member_client):
    create(member_client)
    row = ApiToken.objects.get()
    assert member_client.get(f"/manage/account/token/{row.pk}/delete/").status_code == 405


# The tokens really work ---------------------------------------------------------------------


def test_an_account_wide_token_uploads_and_is_marked_used(client, member_client, member):
    token = token_in(create(member_client, "laptop"))
    response = uploads.wheel_upload("fresh-project", "1.0").post(client, token)
    assert response.status_code == 200, response.content
    assert Project.objects.get().name == "fresh-project"
    row = ApiToken.objects.get()
    assert row.last_used is not None
    listing = member_client.get(TOKENS).content.decode()
    assert f'<time datetime="{row.last_used.isoformat()}"' in listing


def test_a_project_token_uploads_to_its_project_only(client, member_client, member):
    wide = token_in(create(member_client, "laptop"))
    assert uploads.wheel_upload("sample", "1.0").post(client, wide).status_code == 200
    assert uploads.wheel_upload("other", "1.0").post(client, wide).status_code == 200

    scoped = token_in(create(member_client, "sample only", "scope:project:sample"))
    assert uploads.wheel_upload("sample", "2.0").post(client, scoped).status_code == 200
    refused = uploads.wheel_upload("other", "2.0").post(client, scoped)
    assert refused.status_code == 403
    assert refused.content.decode() == (
        "Invalid API Token: project-scoped token is not valid for project: 'other'"
    )
    brand_new = uploads.wheel_upload("brand-new", "1.0").post(client, scoped)
    assert brand_new.status_code == 403
    assert not Project.objects.filter(name="brand-new").exists()


def test_a_deleted_token_stops_working(client, member_client, member):
    token = token_in(create(member_client, "laptop"))
    row = ApiToken.objects.get()
    member_client.post(f"/manage/account/token/{row.pk}/delete/", {"password": PASSWORD})
    response = uploads.wheel_upload("sample", "1.0").post(client, token)
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_a_token_stops_working_when_the_address_is_unverified(client, member_client, member):
    token = token_in(create(member_client, "laptop"))
    member.emailaddress_set.update(verified=False)
    response = uploads.wheel_upload("sample", "1.0").post(client, token)
    assert response.status_code == 403
    assert "does not have a verified primary email address" in response.content.decode()


def test_the_project_shortcut_preselects_that_projects_scope(member_client, member):
    RoleFactory(project=ProjectFactory(name="Tool"), user=member)
    RoleFactory(project=ProjectFactory(name="other"), user=member)

    form = member_client.get(TOKENS, {"project": "tool"}).context["form"]

    assert form["token_scope"].value() == "scope:project:tool"


def test_the_shortcut_for_a_project_not_ones_own_preselects_nothing(member_client):
    ProjectFactory(name="theirs")

    response = member_client.get(TOKENS, {"project": "theirs"})

    assert "scope:project:theirs" not in response.content.decode()
    assert [c for c, _ in response.context["form"].fields["token_scope"].choices] == ["scope:user"]
