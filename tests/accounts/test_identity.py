from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts import services
from accounts.identity import PasswordAuthRefused, identity_from_request
from tests.accounts.factories import UserFactory
from tests.uploads import basic_auth

pytestmark = pytest.mark.django_db


def request_with(header: str | None):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return RequestFactory().post("/legacy/", **extra)


@pytest.fixture
def user_and_token():
    user = UserFactory()
    raw, _ = services.create_api_token(user, description="ci")
    return user, raw


@pytest.mark.parametrize(
    "scheme",
    [
        lambda t: basic_auth("__token__", t),
        lambda t: basic_auth("__token__", f"  {t}\n"),
        lambda t: f"Bearer {t}",
        lambda t: f"token {t}",
    ],
    ids=["basic", "basic-with-whitespace", "bearer", "token"],
)
def test_token_schemes(user_and_token, scheme):
    user, raw = user_and_token
    identity = identity_from_request(request_with(scheme(raw)))
    assert identity is not None and identity.user == user


def test_password_basic_auth_is_refused(user_and_token):
    with pytest.raises(PasswordAuthRefused):
        identity_from_request(request_with(basic_auth("alice", "hunter2")))


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic !!!", "Basic " + "eA==", "Digest abc", "Bearer "],
    ids=["none", "empty", "bad-base64", "no-colon", "other-scheme", "empty-bearer"],
)
def test_no_identity(header):
    assert identity_from_request(request_with(header)) is None


@pytest.mark.parametrize("field", ["is_frozen", "is_active"], ids=["frozen", "inactive"])
def test_frozen_or_inactive_users_have_no_identity(user_and_token, field):
    user, raw = user_and_token
    setattr(user, field, field == "is_frozen")
    user.save()
    assert identity_from_request(request_with(f"Bearer {raw}")) is None
