from __future__ import annotations

import base64
import time
from datetime import timedelta

import pytest
from pymacaroons import Macaroon

from accounts import services, tokens
from accounts.models import ApiToken
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def body(raw: str) -> str:
    return raw.partition("-")[2]


def test_minted_token_is_found_and_genuine():
    user = UserFactory()
    raw, row = services.create_api_token(user, description="ci")
    assert raw.startswith("pypi-")
    found = tokens.find(raw)
    assert found is not None and found.row == row


def test_identifier_is_visible_by_base64_decoding(settings):
    """The Help page: users can check a token by base64-decoding it."""
    raw, row = services.create_api_token(UserFactory(), description="ci")
    decoded = base64.urlsafe_b64decode(body(raw) + "=" * (-len(body(raw)) % 4))
    assert str(row.id).encode() in decoded


def test_the_database_does_not_hold_the_token_or_its_key():
    raw, row = services.create_api_token(UserFactory(), description="ci")
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert set(stored) >= {"key_salt"}
    assert "key" not in stored
    assert tokens.root_key(stored["key_salt"]) != bytes(stored["key_salt"])
    for value in stored.values():
        assert body(raw) not in str(value)


@pytest.mark.parametrize(
    "raw",
    ["", "pypi-", "pypi-!!!", "notpypi-AgEI", "pypi-" + "A" * 40, "token"],
    ids=["empty", "prefix-only", "not-base64", "wrong-prefix", "garbage", "no-dash"],
)
def test_malformed_tokens_are_not_found(raw):
    assert tokens.find(raw) is None


def test_forged_signature_is_not_found():
    _, row = services.create_api_token(UserFactory(), description="ci")
    forged = Macaroon(location="x", identifier=str(row.id), key=b"k" * 32, version=2)
    assert tokens.find("pypi-" + forged.serialize()) is None


def test_secret_rotation_revokes_tokens(settings):
    raw, _ = services.create_api_token(UserFactory(), description="ci")
    settings.DATA_SECRET_KEY = "a different secret"
    assert tokens.find(raw) is None


def test_deleted_token_is_not_found():
    raw, row = services.create_api_token(UserFactory(), description="ci")
    services.delete_api_token(row)
    assert tokens.find(raw) is None


def test_holder_added_caveats_are_enforced():
    user = UserFactory()
    project, other = ProjectFactory(), ProjectFactory()
    raw, _ = services.create_api_token(user, description="ci")
    macaroon = Macaroon.deserialize(body(raw))
    macaroon.add_first_party_caveat(f'[1,["{project.normalized_name}"]]')
    attenuated = "pypi-" + macaroon.serialize()
    found = tokens.find(attenuated)
    assert found is not None
    assert tokens.denial(found, user=user, project=project) is None
    assert tokens.denial(found, user=user, project=other) == (
        f"Invalid API Token: project-scoped token is not valid for project: '{other.name}'"
    )


def test_stored_caveats_apply_even_if_the_holder_strips_nothing():
    user, other_user = UserFactory(), UserFactory()
    raw, _ = services.create_api_token(user, description="ci")
    found = tokens.find(raw)
    assert tokens.denial(found, user=user, project=None) is None
    assert tokens.denial(found, user=other_user, project=None) == (
        "Invalid API Token: current user does not match user restriction in token"
    )


def test_project_scoped_token():
    user = UserFactory()
    project, other = ProjectFactory(), ProjectFactory()
    raw, row = services.create_api_token(user, description="ci", projects=[project])
    assert row.permissions_caveat["permissions"] == {"projects": [project.normalized_name]}
    found = tokens.find(raw)
    assert tokens.denial(found, user=user, project=project) is None
    assert "not valid for project" in tokens.denial(found, user=user, project=other)


def test_expiring_token():
    user = UserFactory()
    raw, row = services.create_api_token(user, description="ci", expires_in=timedelta(seconds=1))
    assert row.expires is not None
    found = tokens.find(raw)
    assert tokens.denial(found, user=user, project=None) is None
    time.sleep(1.1)
    assert tokens.denial(found, user=user, project=None) == "Invalid API Token: token is expired"


def test_token_events_are_recorded():
    user = UserFactory()
    _, row = services.create_api_token(user, description="ci")
    services.delete_api_token(row)
    tags = list(user.events.order_by("id").values_list("tag", flat=True))
    assert tags == ["account:api_token:added", "account:api_token:removed"]
