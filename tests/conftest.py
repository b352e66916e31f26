"""Fixtures shared by the whole suite."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.oath import totp

from accounts import services
from accounts.models import User
from moderation import banners
from packages.models import Project
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp

_token_numbers = itertools.count(1)
STAFF_KEY = bytes(range(20))
STAFF_PASSWORD = "correct horse battery"  # the UserFactory default


@pytest.fixture
def staff(db: None) -> User:
    """A superuser with an authenticator app (the admin requires a second factor)."""
    user = UserFactory(username="staffer", is_staff=True, is_superuser=True)
    add_totp(user, key=STAFF_KEY)
    return user


@pytest.fixture
def staff_client(staff: User) -> Client:
    """A browser logged into the admin through the site's login and its second step."""
    client = Client()
    response = client.post("/account/login/", {"login": staff.username, "password": STAFF_PASSWORD})
    assert response["Location"] == "/account/two-factor/"
    client.post("/account/two-factor/", {"code": str(totp(STAFF_KEY)).zfill(6)})
    assert client.get("/admin/").status_code == 200
    return client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()
    # No switch is on after the migrations: known until one is saved, so that pages' query
    # counts leave out the banners' lookup (one per few seconds; tests/moderation counts it).
    banners.remember([], seconds=None)


@pytest.fixture
def make_publisher(db: None) -> Callable[..., User]:
    """A user who may publish: verified primary e-mail and an authenticator app."""

    def make(**kwargs: object) -> User:
        user = UserFactory(**kwargs)
        EmailAddressFactory(user=user)
        add_totp(user)
        return user

    return make


@pytest.fixture
def publisher(make_publisher: Callable[..., User]) -> User:
    return make_publisher(username="alice")


@pytest.fixture
def make_token(db: None) -> Callable[..., str]:
    def make(user: User, projects: Sequence[Project] = (), **kwargs: object) -> str:
        kwargs.setdefault("description", f"token {next(_token_numbers)}")
        token, _ = services.create_api_token(user, projects=projects, **kwargs)
        return token

    return make


@pytest.fixture
def token(publisher: User, make_token: Callable[..., str]) -> str:
    return make_token(publisher)
