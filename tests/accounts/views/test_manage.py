"""``/manage/account/``: the overview, the profile name, e-mail addresses (with their events
and notices), the security history and deleting the account."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core import mail

from accounts import sudo
from accounts.events import EventTag
from accounts.models import User, UserEvent
from packages.models import RoleName
from tests.accounts.conftest import PASSWORD, log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

EMAILS = "/manage/account/email/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_errors(response) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


@pytest.mark.parametrize(
    "path",
    ["/manage/account/", "/manage/account/history/", "/manage/account/delete/", EMAILS],
    ids=["overview", "history", "delete", "emails"],
)
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")


# Overview and profile -------------------------------------------------------------------------


def test_overview_shows_the_account(member_client, member):
    EmailAddressFactory(user=member, email="ann.work@example.com", primary=False, verified=False)
    response = member_client.get("/manage/account/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<strong>ann</strong> <span class="muted">(usernames cannot be changed)</span>' in body
    assert "ann@example.com · <strong>Primary</strong> · Verified" in body
    assert "ann.work@example.com · Unverified" in body
    assert "1 method enabled." in body
    assert "0 tokens." in body
    assert "account:login:success" in body
    assert "Your primary email address is not verified" not in body
    assert "Two-factor authentication is required" not in body


def test_overview_counts_every_token(member_client, member, make_token):
    for _ in range(7):
        make_token(member)
    body = member_client.get("/manage/account/").content.decode()
    assert "7 tokens." in body


def test_overview_tells_what_is_missing(client):
    user = UserFactory(username="carl")
    EmailAddressFactory(user=user, verified=False)
    log_in(client, "carl", key=None)
    body = client.get("/manage/account/").content.decode()
    assert "Your primary email address is not verified." in body
    assert "Two-factor authentication is required to manage projects and API tokens" in body


def test_name_can_be_changed(member_client, member):
    response = member_client.post("/manage/account/", {"name": "Ann Other"})
    assert response.status_code == 302
    assert "Your name has been saved." in messages_of(response)
    member.refresh_from_db()
    assert member.name == "Ann Other"


def test_username_cannot_be_changed(member_client, member):
    member_client.post("/manage/account/", {"name": "Ann", "username": "mallory"})
    member.refresh_from_db()
    assert member.username == "ann"
    assert "username" not in member_client.get("/manage/account/").context["form"].fields


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("see www.spam.example", "URLs are not allowed in this field."),
        ("x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
    ],
    ids=["url", "too-long"],
)
def test_bad_names_are_refused(member_client, member, name, error):
    response = member_client.post("/manage/account/", {"name": name})
    assert response.status_code == 200
    assert form_errors(response) == {"name": [error]}
    member.refresh_from_db()
    assert member.name == "Ann Example"


# E-mail addresses ----------------------------------------------------------------------------


def test_adding_an_address_verifies_it_and_tells_the_primary(member_client, member, committed):
    with committed():
        response = member_client.post(
            EMAILS, {"action_add": "", "email": "ann.work@example.com"}, REMOTE_ADDR="192.0.2.6"
        )
    assert response.status_code == 302
    added = EmailAddress.objects.get(email="ann.work@example.com")
    assert (added.user, added.primary, added.verified) == (member, False, False)
    event = UserEvent.objects.get(user=member, tag=EventTag.EMAIL_ADD)
    assert (event.additional, event.ip_address) == ({"email": "ann.work@example.com"}, "192.0.2.6")

    by_address = {tuple(m.to): m for m in mail.outbox}
    assert set(by_address) == {("ann.work@example.com",), ("ann@example.com",)}
    verification = by_address[("ann.work@example.com",)]
    assert verification.subject == "[Python Package Index] Please Confirm Your Email Address"
    [path] = re.findall(r"http://testserver(/account/confirm-email/\S+/)", verification.body)
    notice = by_address[("ann@example.com",)]
    assert notice.subject == "Email address added to your Python Package Index account"
    assert "The email address ann.work@example.com was added to your account ann." in notice.body

    member_client.post(path)
    added.refresh_from_db()
    assert added.verified


def test_an_address_of_another_account_is_refused_and_said_so(member_client, member, committed):
    bob = UserFactory(username="bob")
    EmailAddressFactory(user=bob, email="bob@example.com")
    with committed():
        response = member_client.post(EMAILS, {"action_add": "", "email": "BOB@example.com"})
    # As registration says it (ACCOUNT_PREVENT_ENUMERATION is off), and as the public index does.
    assert form_errors(response) == {
        "email": [
            "This email address is already being used by another account. Use a different email."
        ]
    }
    assert not EmailAddress.objects.filter(user=member, email__iexact="bob@example.com").exists()
    assert mail.outbox == []
    assert EmailAddress.objects.get(user=bob).verified


def test_removing_an_address(member_client, member, committed):
    EmailAddressFactory(user=member, email="ann.old@example.com", primary=False)
    with committed():
        response = member_client.post(EMAILS, {"action_remove": "", "email": "ann.old@example.com"})
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(email="ann.old@example.com").exists()
    event = UserEvent.objects.get(user=member, tag=EventTag.EMAIL_REMOVE)
    assert event.additional == {"email": "ann.old@example.com"}
    [notice] = mail.outbox
    assert notice.to == ["ann@example.com"]
    assert notice.subject == "[Python Package Index] Email Removed"
    assert "ann.old@example.com" in notice.body


def test_the_primary_address_cannot_be_removed(member_client, member):
    response = member_client.post(EMAILS, {"action_remove": "", "email": "ann@example.com"})
    assert "You cannot remove your primary email address (ann@example.com)." in messages_of(
        response
    )
    assert EmailAddress.objects.filter(user=member, email="ann@example.com").exists()
    assert not UserEvent.objects.filter(user=member, tag=EventTag.EMAIL_REMOVE).exists()


def test_making_a_verified_address_primary_tells_the_old_one(member_client, member, committed):
    EmailAddressFactory(user=member, email="ann.new@example.com", primary=False)
    with committed():
        response = member_client.post(
            EMAILS, {"action_primary": "", "email": "ann.new@example.com"}
        )
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=member, primary=True).email == "ann.new@example.com"
    member.refresh_from_db()
    assert member.email == "ann.new@example.com"
    event = UserEvent.objects.get(user=member, tag=EventTag.EMAIL_PRIMARY_CHANGE)
    assert event.additional == {"old": "ann@example.com", "new": "ann.new@example.com"}
    [notice] = mail.outbox
    assert notice.to == ["ann@example.com"]
    assert notice.subject == "[Python Package Index] Email Changed"
    assert "ann.new@example.com" in notice.body


def test_an_unverified_address_cannot_become_primary(member_client, member):
    EmailAddressFactory(user=member, email="ann.new@example.com", primary=False, verified=False)
    response = member_client.post(EMAILS, {"action_primary": "", "email": "ann.new@example.com"})
    assert "Your primary email address must be verified." in messages_of(response)
    assert EmailAddress.objects.get(user=member, primary=True).email == "ann@example.com"


def test_resending_the_verification(member_client, member, committed):
    EmailAddressFactory(user=member, email="ann.new@example.com", primary=False, verified=False)
    with committed():
        member_client.post(EMAILS, {"action_send": "", "email": "ann.new@example.com"})
    [message] = mail.outbox
    assert message.to == ["ann.new@example.com"]
    assert "/account/confirm-email/" in message.body
    # Once per three minutes for an address.
    with committed():
        member_client.post(EMAILS, {"action_send": "", "email": "ann.new@example.com"})
    assert len(mail.outbox) == 1


def test_addresses_of_another_account_cannot_be_touched(member_client):
    bob = UserFactory(username="bob")
    EmailAddressFactory(user=bob, email="bob@example.com")
    EmailAddressFactory(user=bob, email="bob.old@example.com", primary=False)
    member_client.post(EMAILS, {"action_remove": "", "email": "bob.old@example.com"})
    member_client.post(EMAILS, {"action_primary": "", "email": "bob.old@example.com"})
    assert EmailAddress.objects.filter(user=bob).count() == 2
    assert EmailAddress.objects.get(user=bob, primary=True).email == "bob@example.com"


def test_unverified_users_can_manage_their_addresses(client, committed):
    user = UserFactory(username="carl")
    EmailAddressFactory(user=user, verified=False)
    log_in(client, "carl", key=None)
    assert client.get(EMAILS).status_code == 200
    with committed():
        client.post(EMAILS, {"action_send": "", "email": "carl@example.com"})
    assert [m.to for m in mail.outbox] == [["carl@example.com"]]


@pytest.mark.parametrize(
    "data",
    [
        {"action_add": "", "email": "ann.work@example.com"},
        {"action_primary": "", "email": "ann.new@example.com"},
    ],
    ids=["add", "make-primary"],
)
def test_changing_addresses_needs_a_recent_password(member_client, member, data):
    EmailAddressFactory(user=member, email="ann.new@example.com", primary=False)
    session = member_client.session
    session[sudo.SESSION_KEY] = int(time.time()) - 7200
    session.save()
    response = member_client.post(EMAILS, data)
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm-password/?next=%2Fmanage%2Faccount%2Femail%2F"
    assert not EmailAddress.objects.filter(email="ann.work@example.com").exists()
    assert EmailAddress.objects.get(user=member, primary=True).email == "ann@example.com"


# Security history ----------------------------------------------------------------------------


def test_history_lists_the_accounts_events(member_client, member):
    bob = UserFactory(username="bob")
    UserEvent.objects.create(user=bob, tag="account:login:success", ip_address="10.9.9.9")
    UserEvent.objects.create(
        user=member,
        tag=EventTag.LOGIN_FAILURE,
        ip_address="203.0.113.77",
        user_agent="Curious Browser/9",
        additional={"reason": "password"},
    )
    response = member_client.get("/manage/account/history/")
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        '<strong>Login failed</strong> <code class="muted event-tag">account:login:failure</code>'
        in body
    )
    assert "reason: password" in body
    assert "203.0.113.77" in body
    assert "Curious Browser/9" in body
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d', body)
    assert "10.9.9.9" not in body
    # The failure, the login and the recovery-code reminder it sent.
    assert [e.user for e in response.context["page"].object_list] == [member] * 3


def test_history_writes_details_in_words(member_client, member):
    UserEvent.objects.create(
        user=member,
        tag=EventTag.EMAIL_SENT,
        additional={"notice": "password-changed", "to": ["ann@example.com", "a@example.org"]},
    )
    UserEvent.objects.create(
        user=member, tag="account:future:thing", additional={"made_with_2fa": True, "gone": None}
    )
    body = member_client.get("/manage/account/history/").content.decode()
    assert "to: ann@example.com, a@example.org" in body
    assert "[&#x27;" not in body
    assert "<strong>account:future:thing</strong>" in body  # an unknown tag shows as itself
    assert "made_with_2fa: yes" in body
    assert "gone:" not in body


def test_history_is_newest_first_and_paginated(member_client, member):
    UserEvent.objects.bulk_create(
        UserEvent(user=member, tag="account:email:sent", additional={"n": n}) for n in range(60)
    )
    first = list(member_client.get("/manage/account/history/").context["page"].object_list)
    assert len(first) == 50
    assert first[0].additional == {"n": 59}
    second = list(member_client.get("/manage/account/history/?page=2").context["page"].object_list)
    assert len(second) == 12  # the rest, the login and its recovery-code reminder
    assert {event.tag for event in second[-2:]} == {EventTag.LOGIN_SUCCESS, EventTag.EMAIL_SENT}


def test_history_records_the_whole_account_life(client, member, committed):
    """Logins, 2FA, tokens, e-mails and passwords all reach the history."""
    client.post("/account/login/", {"login": "ann", "password": "wrong"})
    log_in(client, "ann")
    client.post("/manage/account/token/", {"description": "ci", "token_scope": "scope:user"})
    token = member.api_tokens.get()
    client.post(f"/manage/account/token/{token.pk}/delete/", {"password": PASSWORD})
    client.post(EMAILS, {"action_add": "", "email": "ann.work@example.com"})
    client.post(
        "/manage/account/password/",
        {
            "oldpassword": PASSWORD,
            "password1": "an entirely new one 7",
            "password2": "an entirely new one 7",
        },
    )
    client.post("/manage/account/recovery-codes/")

    history = client.get("/manage/account/history/?page=1").content.decode()
    for tag in (
        "account:login:failure",
        "account:login:success",
        "account:api_token:added",
        "account:api_token:removed",
        "account:email:add",
        "account:password:change",
        "account:recovery_codes:generated",
    ):
        assert f'<code class="muted event-tag">{tag}</code>' in history, tag


# Deleting the account ------------------------------------------------------------------------


def delete(client, username: str = "ann", password: str = PASSWORD):
    return client.post(
        "/manage/account/delete/", {"confirm_username": username, "password": password}
    )


def test_deleting_the_account(member_client, member, committed):
    with committed():
        response = delete(member_client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=member.pk).exists()
    assert "_auth_user_id" not in member_client.session
    assert "Your account has been deleted." in messages_of(response)
    [message] = mail.outbox
    assert message.to == ["ann@example.com"]
    assert message.subject == "Your Python Package Index account was deleted"
    assert "Your account ann has been deleted." in message.body


@pytest.mark.parametrize(
    ("username", "password", "errors"),
    [
        (
            "Ann",
            PASSWORD,
            {"confirm_username": ["Could not delete the account: 'Ann' is not your username."]},
        ),
        ("ann", "wrong", {"password": ["The password is not correct."]}),
    ],
    ids=["wrong-username", "wrong-password"],
)
def test_deletion_needs_the_username_and_password(
    member_client, member, username, password, errors
):
    response = delete(member_client, username, password)
    assert response.status_code == 400
    assert form_errors(response) == errors
    assert User.objects.filter(pk=member.pk).exists()


def test_sole_owner_cannot_delete_the_account(member_client, member, committed):
    for name in ("beta", "alpha"):
        RoleFactory(user=member, project=ProjectFactory(name=name))
    with committed():
        response = delete(member_client)
    assert response.status_code == 400
    assert form_errors(response) == {
        "__all__": [
            "Cannot delete account with active project ownerships: you are the only Owner of "
            "alpha, beta. Add another Owner or delete the projects first."
        ]
    }
    assert User.objects.filter(pk=member.pk).exists()
    assert mail.outbox == []


def test_co_owner_or_maintainer_can_delete_the_account(member_client, member):
    shared = ProjectFactory(name="shared")
    RoleFactory(user=member, project=shared)
    RoleFactory(user=UserFactory(username="bob"), project=shared)
    theirs = ProjectFactory(name="theirs")
    RoleFactory(user=member, project=theirs, role_name=RoleName.MAINTAINER)
    RoleFactory(user=UserFactory(username="cy"), project=theirs)
    assert delete(member_client).status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()


def test_deletion_needs_a_recent_password(member_client, member):
    session = member_client.session
    session[sudo.SESSION_KEY] = int(time.time()) - 7200
    session.save()
    response = delete(member_client)
    assert response["Location"] == "/account/confirm-password/?next=%2Fmanage%2Faccount%2Fdelete%2F"
    assert User.objects.filter(pk=member.pk).exists()
