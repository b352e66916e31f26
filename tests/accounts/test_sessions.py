"""Ending an account's sessions in each session store Django offers."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.file import SessionStore as FileStore

from accounts.sessions import end_sessions
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCHABLE = ["db", "cached_db", "file"]


@pytest.fixture(params=SEARCHABLE)
def store(request, settings, tmp_path, monkeypatch):
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{request.param}"
    settings.SESSION_FILE_PATH = str(tmp_path)
    monkeypatch.setattr(FileStore, "_storage_path", str(tmp_path), raising=False)
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_of(store, user) -> str:
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session.save()
    return session.session_key


def test_the_accounts_sessions_are_deleted(store):
    ann, bob = UserFactory(), UserFactory()
    anns = [session_of(store, ann), session_of(store, ann)]
    bobs = session_of(store, bob)
    anonymous = store()
    anonymous["cart"] = "x"
    anonymous.save()

    assert end_sessions(ann) == 2

    assert not any(store().exists(key) for key in anns)
    assert store().exists(bobs)
    assert store().exists(anonymous.session_key)
    assert store(session_key=bobs).get(SESSION_KEY) == str(bob.pk)


def test_an_account_without_sessions(store):
    assert end_sessions(UserFactory()) == 0


@pytest.mark.parametrize("engine", ["cache", "signed_cookies"])
def test_stores_that_cannot_be_searched_end_nothing_here(settings, engine):
    """Their sessions are refused on the next request (``User.get_session_auth_hash``)."""
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{engine}"
    user = UserFactory()
    if engine == "cache":
        session_of(import_module(settings.SESSION_ENGINE).SessionStore, user)
    assert end_sessions(user) == 0
