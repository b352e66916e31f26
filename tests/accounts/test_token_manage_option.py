"""The "Permissions" option of a new API token: "Upload only" (the default) or "Upload and
manage" (the project management API, packages/api.py), on the web form and the token API."""

from __future__ import annotations

import re

import pytest

from accounts import services
from accounts.events import EventTag
from accounts.forms.tokens import TokenForm
from accounts.models import ApiToken, UserEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKENS = "/manage/account/token/"
API_TOKENS = "/api/account/tokens/"


def create(client, description: str = "ci", **extra: str):
    fields = {"description": description, "token_scope": "scope:user", "expires_in_days": ""}
    return client.post(TOKENS, {**fields, **extra})


def permissions_cell(listing: str, description: str) -> str:
    """The "Permissions" cell of the token called ``description`` in the list page."""
    row = re.search(rf"<tr>\s*<td>{re.escape(description)}</td>(.*?)</tr>", listing, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    return cells[4]  # Scope, Created, Last used, Expires, Permissions


def added_event(member, row: ApiToken) -> UserEvent:
    return UserEvent.objects.get(
        user=member, tag=EventTag.API_TOKEN_ADDED, additional__token_id=str(row.pk)
    )


def test_the_form_offers_both_and_chooses_upload_only(member_client):
    page = member_client.get(TOKENS)
    field = page.context["form"]["permissions"]
    assert field.value() == "upload"
    assert list(field.field.choices) == [
        ("upload", "Upload only"),
        ("manage", "Upload and manage (yank, delete, collaborators through the API)"),
    ]
    html = page.content.decode()
    assert "Permissions" in html
    assert 'type="radio" name="permissions" value="upload"' in html
    assert "can also yank, un-yank and delete releases and files" in html


@pytest.mark.parametrize("sent", [{}, {"permissions": ""}, {"permissions": "upload"}])
def test_the_web_form_makes_upload_only_tokens_by_default(member_client, member, sent):
    response = create(member_client, **sent)

    assert response.status_code == 200
    row = ApiToken.objects.get(user=member)
    assert row.can_manage is False
    assert added_event(member, row).additional["can_manage"] is False
    listing = member_client.get(TOKENS).content.decode()
    assert permissions_cell(listing, "ci") == "Upload only"


def test_the_web_form_makes_a_manage_token_when_chosen(member_client, member):
    response = create(member_client, "automation", permissions="manage")

    assert response.status_code == 200
    assert re.search(r"pypi-[A-Za-z0-9_=-]+", response.content.decode())
    row = ApiToken.objects.get(user=member)
    assert row.can_manage is True
    assert row.additional == {"made_with_2fa": True}
    assert added_event(member, row).additional == {
        "description": "automation",
        "token_id": str(row.pk),
        "caveats": {"permissions": "user", "version": 1},
        "expires": None,
        "can_manage": True,
    }
    listing = member_client.get(TOKENS).content.decode()
    assert permissions_cell(listing, "automation") == "Upload and manage"


def test_an_unknown_permission_is_refused(member_client, member):
    response = create(member_client, permissions="admin")
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "permissions": ["Select a valid choice. admin is not one of the available choices."]
    }
    assert not ApiToken.objects.exists()


def test_the_form_alone():
    user = UserFactory()
    base = {"description": "x", "token_scope": "scope:user"}
    upload_only = TokenForm(base, user=user)
    assert upload_only.is_valid()
    assert upload_only.can_manage is False
    manage = TokenForm({**base, "permissions": "manage"}, user=user)
    assert manage.is_valid()
    assert manage.can_manage is True


def test_create_api_token_is_upload_only_unless_asked():
    user = UserFactory()
    _, plain = services.create_api_token(user, description="plain")
    _, managing = services.create_api_token(user, description="managing", can_manage=True)
    assert (plain.can_manage, managing.can_manage) == (False, True)


@pytest.mark.parametrize(("sent", "expected"), [({}, False), ({"can_manage": True}, True)])
def test_the_token_api_takes_and_shows_the_option(member_client, member, sent, expected):
    response = member_client.post(
        API_TOKENS, {"description": "ci", **sent}, content_type="application/json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["can_manage"] is expected
    row = ApiToken.objects.get(user=member)
    assert row.can_manage is expected
    assert added_event(member, row).additional["can_manage"] is expected
    [listed] = member_client.get(API_TOKENS).json()
    assert listed["can_manage"] is expected


def test_the_token_api_validates_the_option(member_client, member):
    response = member_client.post(
        API_TOKENS, {"description": "ci", "can_manage": "maybe"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"can_manage": ["Must be a valid boolean."]}
    assert not ApiToken.objects.exists()
