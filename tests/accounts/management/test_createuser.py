from __future__ import annotations

import base64
import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django_otp.oath import totp

from accounts import readiness
from accounts.models import User

pytestmark = pytest.mark.django_db

SECRET = base64.b32encode(bytes(range(20))).decode()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("createuser", *args, stdout=out)
    return out.getvalue()


def test_verified_user_with_totp_can_publish(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass\n"))
    run(
        "alice",
        "--email",
        "alice@example.com",
        "--password-stdin",
        "--verified",
        "--totp-secret",
        SECRET,
    )
    user = User.objects.get(username="alice")
    assert user.check_password("s3cret-pass")
    assert readiness.has_verified_primary_email(user)
    assert readiness.has_two_factor(user)
    device = user.authenticatorapp_set.get()
    assert device.verify_token(totp(bytes(range(20))))
    assert list(user.events.values_list("tag", flat=True)) == [
        "account:two_factor:method_added",
        "account:create",
    ]


def test_unverified_user_without_2fa():
    run("bob", "--email", "bob@example.com", "--password", "pw-123456")
    user = User.objects.get(username="bob")
    assert EmailAddress.objects.get(user=user).verified is False
    assert not readiness.has_verified_primary_email(user)
    assert not readiness.has_two_factor(user)


def test_staff_and_superuser_flags():
    run("root1", "--email", "r@example.com", "--password", "x", "--superuser")
    user = User.objects.get(username="root1")
    assert user.is_superuser and user.is_staff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad name", "--email", "b@example.com", "--password", "x"], "username is invalid"),
        (["bad-", "--email", "b@example.com", "--password", "x"], "username is invalid"),
        (
            ["ok", "--email", "b@example.com", "--password", "x", "--totp-secret", "!!"],
            "not valid base32",
        ),
        (
            ["ok", "--email", "b@example.com", "--password", "x", "--totp-secret", "AAAA"],
            "at least 80 bits",
        ),
    ],
    ids=["space", "trailing-dash", "bad-secret", "short-secret"],
)
def test_refusals(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not User.objects.exclude(username="deleted-user").exists()


def test_username_and_email_are_unique_case_insensitively():
    run("Carol", "--email", "carol@example.com", "--password", "x")
    with pytest.raises(CommandError, match="already being used"):
        run("carol", "--email", "other@example.com", "--password", "x")
    with pytest.raises(CommandError, match="already being used"):
        run("dave", "--email", "CAROL@example.com", "--password", "x")
    assert User.objects.exclude(username="deleted-user").count() == 1
