from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts import tokens
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("createtoken", *args, stdout=out)
    return out.getvalue()


def test_prints_the_token_alone_on_the_last_line():
    user = UserFactory(username="alice")
    raw = run("alice").splitlines()[-1]
    found = tokens.find(raw)
    assert found is not None and found.row.user == user
    assert tokens.denial(found, user=user, project=None) is None


def test_upload_only_unless_asked_to_manage():
    UserFactory(username="alice")
    upload_only = tokens.find(run("alice", "--name", "a").splitlines()[-1])
    managing = tokens.find(run("alice", "--name", "b", "--manage").splitlines()[-1])
    assert (upload_only.row.can_manage, managing.row.can_manage) == (False, True)


def test_project_scoped_and_expiring():
    user = UserFactory(username="alice")
    project = ProjectFactory(name="Sample")
    RoleFactory(user=user, project=project)
    raw = run("alice", "--project", "sample", "--name", "ci", "--expires-in", "3600")
    found = tokens.find(raw.splitlines()[-1])
    assert found.row.description == "ci"
    assert found.row.expires is not None
    assert tokens.denial(found, user=user, project=project) is None
    assert tokens.denial(found, user=user, project=ProjectFactory()) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "No user"),
        (["alice", "--project", "missing"], "No project"),
        (["alice", "--project", "theirs"], "has no role"),
        (["alice", "--expires-in", "0"], "positive"),
    ],
    ids=["no-user", "no-project", "no-role", "bad-expiry"],
)
def test_refusals(args, message):
    UserFactory(username="alice")
    ProjectFactory(name="theirs")
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_duplicate_name_is_refused():
    UserFactory(username="alice")
    run("alice", "--name", "ci")
    with pytest.raises(CommandError, match="already has a token named"):
        run("alice", "--name", "ci")
