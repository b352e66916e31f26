"""Usernames and mail domains that administrators prohibit, through HTTP: registration and
adding an address refuse them on the field; everything else goes through as before, and an
account that already has such an address can still ask for a password reset with it."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from moderation.models import ProhibitedEmailDomain, ProhibitedUserName
from tests.accounts.factories import EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/account/register/"
EMAILS = "/manage/account/email/"
PASSWORD = "a long and unusual passphrase 42"
USERNAME_REFUSED = "This username isn't allowed. Choose a different username."
DOMAIN_REFUSED = "You can't use an email address from this domain. Use a different email."


@pytest.fixture(autouse=True)
def prohibitions(db: None) -> None:
    ProhibitedUserName.objects.create(name="root")
    ProhibitedEmailDomain.objects.create(domain="spam.example")


def signup(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Bea Example",
        "username": "bea",
        "email": "bea@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "confirm_form": "",
    }
    return {**data, **overrides}


def form_errors(response) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


@pytest.mark.parametrize("username", ["root", "Root", "ROOT"])
def test_registering_a_prohibited_username_is_refused(client, username):
    response = client.post(REGISTER, signup(username=username))
    assert response.status_code == 200
    assert form_errors(response) == {"username": [USERNAME_REFUSED]}
    html = response.content.decode()
    assert USERNAME_REFUSED.replace("'", "&#x27;") in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(username__iexact=username).exists()


@pytest.mark.parametrize("email", ["bea@spam.example", "Bea@SPAM.example", "bea@mail.spam.example"])
def test_registering_an_address_at_a_prohibited_domain_is_refused(client, email):
    response = client.post(REGISTER, signup(email=email))
    assert response.status_code == 200
    assert form_errors(response) == {"email": [DOMAIN_REFUSED]}
    assert not User.objects.filter(username="bea").exists()
    assert mail.outbox == []


def test_both_refusals_at_once(client):
    response = client.post(REGISTER, signup(username="root", email="root@spam.example"))
    assert form_errors(response) == {"username": [USERNAME_REFUSED], "email": [DOMAIN_REFUSED]}


@pytest.mark.parametrize(
    ("username", "email"),
    [("rooted", "bea@example.com"), ("bea", "bea@notspam.example"), ("bea", "spam@example.com")],
    ids=["longer-username", "similar-domain", "local-part"],
)
def test_other_usernames_and_addresses_register(client, username, email):
    response = client.post(REGISTER, signup(username=username, email=email))
    assert response.status_code == 302
    assert User.objects.get(username=username).emailaddress_set.get().email == email


def test_a_lifted_prohibition_lets_the_name_register(client):
    ProhibitedUserName.objects.all().delete()
    assert client.post(REGISTER, signup(username="root")).status_code == 302


# Adding an address ----------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["ann@spam.example", "ann@Mail.Spam.Example"])
def test_adding_an_address_at_a_prohibited_domain_is_refused(member_client, member, email):
    response = member_client.post(EMAILS, {"action_add": "", "email": email})
    assert response.status_code == 200
    assert form_errors(response) == {"email": [DOMAIN_REFUSED]}
    assert not EmailAddress.objects.filter(user=member, email__iexact=email).exists()
    assert mail.outbox == []


def test_adding_another_address_still_works(member_client, member):
    response = member_client.post(EMAILS, {"action_add": "", "email": "ann@notspam.example"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=member, email="ann@notspam.example").exists()


def test_an_address_at_a_domain_prohibited_later_can_still_reset_the_password(client, committed):
    user = UserFactory(username="old")
    EmailAddressFactory(user=user, email="old@spam.example")
    with committed():
        response = client.post("/account/reset-password/", {"email": "old@spam.example"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["old@spam.example"]]
