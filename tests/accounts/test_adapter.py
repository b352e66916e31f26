"""How allauth runs the site's accounts: its mail (subject, HTML part, sent through the outbox
after commit), the security events, password changes ending other sessions, and the address
recorded behind proxies."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.breach import breached_message
from accounts.events import EventTag
from accounts.models import User, UserEvent
from pypi_site.outbox.models import Job
from tests.accounts.conftest import PASSWORD, log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def carl(db: None) -> User:
    """A user without a second factor (so two clients can log in at once)."""
    user = UserFactory(username="carl", email="carl@example.com", name="Carl Example")
    EmailAddressFactory(user=user)
    return user


def change_password(client: Client, old: str, new: str):
    return client.post(
        "/manage/account/password/",
        {"oldpassword": old, "password1": new, "password2": new},
    )


def test_allauth_mail_goes_through_the_outbox_after_commit(client, carl, committed):
    with committed() as callbacks:
        client.post("/account/reset-password/", {"email": "carl@example.com"})
        assert mail.outbox == []  # nothing leaves before the transaction commits
        [job] = Job.objects.all()  # written with the change
        assert job.name == "accounts.tasks.send_email"
        assert job.arguments["to"] == ["carl@example.com"]
    assert len(callbacks) == 1
    assert not Job.objects.exists()  # sent, so gone
    [message] = mail.outbox
    assert message.to == ["carl@example.com"]
    assert message.from_email == "noreply@localhost"


def test_allauth_mail_has_a_prefixed_subject_and_an_html_part(client, carl, committed):
    with committed():
        client.post("/account/reset-password/", {"email": "carl@example.com"})
    [message] = mail.outbox
    assert message.subject == "[Python Package Index] Password Reset Email"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert html.startswith("<!DOCTYPE html>")
    [url] = [w for w in message.body.split() if "/account/password/reset/key/" in w]
    assert f'<a href="{url}" rel="nofollow">{url}</a>' in html


def test_site_name_in_subjects_follows_the_setting(client, carl, committed, settings):
    settings.SITE_NAME = "Example Index"
    with committed():
        client.post("/account/reset-password/", {"email": "carl@example.com"})
    assert mail.outbox[0].subject == "[Example Index] Password Reset Email"
    assert "Hello from Example Index!" in mail.outbox[0].body


# Links in mail ------------------------------------------------------------------------------
# SITE_URL is http://testserver; 127.0.0.1 and localhost are allowed hosts too.


def links_in(message) -> set[str]:
    """The web links of a mail, in its text and its HTML."""
    text = message.body + " " + message.alternatives[0][0]
    return {link.rstrip(").,;") for link in re.findall(r"https?://[^\s<>\"']+", text)}


def assert_all_on_site(message, requested_host: str) -> None:
    links = links_in(message)
    assert links
    assert {urlsplit(link).netloc for link in links} == {"testserver"}, links
    host = requested_host.split(":")[0]
    assert host not in message.body
    assert host not in message.alternatives[0][0]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:8000"])
def test_a_reset_link_goes_to_site_url_whatever_the_host(client, carl, committed, host):
    with committed():
        client.post("/account/reset-password/", {"email": "carl"}, HTTP_HOST=host)
    [message] = mail.outbox
    assert_all_on_site(message, host)
    [link] = {w for w in links_in(message) if "/account/password/reset/key/" in w}
    # The link works (on the site's own host).
    page = client.get(link.removeprefix("http://testserver"), follow=True)
    assert page.status_code == 200
    assert "password1" in page.content.decode()


def test_a_confirmation_link_goes_to_site_url_whatever_the_host(client, committed):
    data = {
        "username": "dora",
        "email": "dora@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    with committed():
        client.post("/account/register/", data, HTTP_HOST="127.0.0.1")
    [message] = mail.outbox
    assert_all_on_site(message, "127.0.0.1")
    assert any("/account/confirm-email/" in link for link in links_in(message))


def test_the_unknown_account_mail_links_to_site_url(client, committed):
    with committed():
        client.post(
            "/account/reset-password/", {"email": "nobody@example.com"}, HTTP_HOST="localhost"
        )
    [message] = mail.outbox
    assert message.to == ["nobody@example.com"]
    assert_all_on_site(message, "localhost")
    assert "http://testserver/account/register/" in message.body


def test_no_mail_when_the_transaction_rolls_back(carl, committed):
    from allauth.account.adapter import get_adapter

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        get_adapter().send_mail("account/email/password_changed", "carl@example.com", {})
        raise RuntimeError("rolled back")
    assert mail.outbox == []


def test_password_change_ends_every_other_session(carl, committed):
    here, there = Client(), Client()
    log_in(here, "carl", key=None)
    log_in(there, "carl", key=None)
    assert there.get("/manage/account/").status_code == 200

    with committed():
        response = change_password(here, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302

    assert here.get("/manage/account/").status_code == 200  # the session that changed it stays
    response = there.get("/manage/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert "_auth_user_id" not in there.session

    carl.refresh_from_db()
    assert carl.check_password(NEW_PASSWORD)
    assert carl.password_date is not None
    assert timezone.now() - carl.password_date < timezone.timedelta(minutes=1)
    assert UserEvent.objects.filter(user=carl, tag=EventTag.PASSWORD_CHANGE).count() == 1
    [message] = mail.outbox
    assert message.to == ["carl@example.com"]
    assert message.subject == "[Python Package Index] Password Changed"


def test_password_change_needs_the_current_password(client, carl):
    log_in(client, "carl", key=None)
    response = change_password(client, "wrong", NEW_PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "oldpassword": ["Please type your current password."]
    }
    carl.refresh_from_db()
    assert carl.check_password(PASSWORD)


def test_password_change_refuses_a_breached_password(client, carl, hibp):
    log_in(client, "carl", key=None)
    hibp.add(NEW_PASSWORD)
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.context["form"].errors == {"password1": [breached_message()]}
    carl.refresh_from_db()
    assert carl.check_password(PASSWORD)


def test_password_reset_ends_existing_sessions(client, carl, committed):
    other = Client()
    log_in(other, "carl", key=None)
    with committed():
        client.post("/account/reset-password/", {"email": "carl"})
    [url] = [w for w in mail.outbox[0].body.split() if "/account/password/reset/key/" in w]
    page = client.get(url.removeprefix("http://testserver"), follow=True)
    client.post(page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert other.get("/manage/account/").status_code == 302


def test_signup_records_account_creation_with_address_and_browser(client):
    client.post(
        "/account/register/",
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        REMOTE_ADDR="192.0.2.10",
        HTTP_USER_AGENT="Browser/2",
    )
    user = User.objects.get(username="dora")
    event = UserEvent.objects.get(user=user, tag=EventTag.ACCOUNT_CREATE)
    assert (event.ip_address, event.user_agent) == ("192.0.2.10", "Browser/2")
    assert user.name == ""


@pytest.mark.parametrize(
    ("count", "forwarded", "recorded"),
    [
        (0, "203.0.113.1", "192.0.2.77"),
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "198.51.100.9, 203.0.113.1", "203.0.113.1"),
        (2, "198.51.100.9, 203.0.113.1", "198.51.100.9"),
    ],
    ids=["no-proxy", "one-proxy", "spoofed-hop-ignored", "two-proxies"],
)
def test_events_record_the_client_address_behind_trusted_proxies(
    client, carl, settings, count, forwarded, recorded
):
    settings.TRUSTED_PROXY_COUNT = count
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    client.post(
        "/account/login/",
        {"login": "carl", "password": "wrong"},
        REMOTE_ADDR="192.0.2.77",
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    event = UserEvent.objects.get(user=carl, tag=EventTag.LOGIN_FAILURE)
    assert event.ip_address == recorded


def test_user_agent_is_cut_to_500_characters(client, carl):
    client.post(
        "/account/login/", {"login": "carl", "password": "wrong"}, HTTP_USER_AGENT="x" * 600
    )
    assert UserEvent.objects.get(user=carl).user_agent == "x" * 500


def test_failed_login_for_an_unknown_name_records_nothing(client, carl):
    client.post("/account/login/", {"login": "nobody", "password": "wrong"})
    assert not UserEvent.objects.exists()


def test_login_opens_the_password_confirmation_window(client, carl):
    log_in(client, "carl", key=None)
    # A sensitive page opens without asking for the password again.
    assert client.get("/manage/account/delete/").status_code == 200
