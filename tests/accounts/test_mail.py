"""Notices to account holders: who gets them, their text and HTML parts, and that they leave
only once the transaction commits."""

from __future__ import annotations

import pytest
from django.core import mail as outbox
from django.db import transaction

from accounts import mail
from accounts.events import EventTag
from accounts.models import UserEvent
from tests.accounts.factories import EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

# Every notice this app sends itself, with a context it is sent with, a subject and a sentence
# of its body.
NOTICES = [
    (
        "two-factor-added",
        {"method": "totp"},
        "Two-factor method added to your Python Package Index account",
        "An authentication application was added to your account zoe as a second factor.",
    ),
    (
        "two-factor-added",
        {"method": "webauthn", "name": "Blue & Gold"},
        "Two-factor method added to your Python Package Index account",
        "A security key named “Blue & Gold” was added to your account zoe as a second factor.",
    ),
    (
        "two-factor-removed",
        {"method": "totp"},
        "Two-factor method removed from your Python Package Index account",
        "The authentication application was removed from your account zoe.",
    ),
    (
        "two-factor-removed",
        {"method": "webauthn"},
        "Two-factor method removed from your Python Package Index account",
        "A security key was removed from your account zoe.",
    ),
    (
        "recovery-codes-generated",
        {"regenerated": False},
        "Recovery codes generated for your Python Package Index account",
        "New recovery codes were generated for your account zoe.",
    ),
    (
        "recovery-codes-generated",
        {"regenerated": True},
        "Recovery codes regenerated for your Python Package Index account",
        "The codes you had before no longer work.",
    ),
    (
        "recovery-code-used",
        {"remaining": 1, "few_left": True},
        "A recovery code was used to log in to your Python Package Index account",
        "1 unused code is left.",
    ),
    (
        "new-email-added",
        {"new_email": "o'brien+new@example.com"},
        "Email address added to your Python Package Index account",
        "The email address o'brien+new@example.com was added to your account zoe.",
    ),
    (
        "unrecognized-login",
        {"link": "http://x.test/l?t=1&u=2", "ip_address": "203.0.113.9", "user_agent": "A&B/1"},
        "Confirm a login to your Python Package Index account",
        "Browser: A&B/1",
    ),
    (
        "recovery-code-reminder",
        {},
        "Generate recovery codes for your Python Package Index account",
        "but the account has no recovery codes left.",
    ),
    (
        "account-deleted",
        {},
        "Your Python Package Index account was deleted",
        "Your account zoe has been deleted.",
    ),
]
NOTICE_IDS = [
    "2fa-added-app",
    "2fa-added-key",
    "2fa-removed-app",
    "2fa-removed-key",
    "codes-generated",
    "codes-regenerated",
    "code-used",
    "email-added",
    "unrecognized-login",
    "recovery-code-reminder",
    "account-deleted",
]


@pytest.fixture
def zoe():
    user = UserFactory(username="zoe", email="zoe@example.com", name="Zoë O'Brien & Co")
    EmailAddressFactory(user=user)
    return user


@pytest.mark.parametrize(("name", "context", "subject", "sentence"), NOTICES, ids=NOTICE_IDS)
def test_every_notice_has_a_subject_a_text_and_an_html_part(
    zoe, committed, name, context, subject, sentence
):
    with committed():
        assert mail.send_notice(zoe, name, context) is True

    [message] = outbox.outbox
    assert message.to == ["zoe@example.com"]
    assert message.subject == subject
    # The text part is plain text: nothing in it is HTML-escaped.
    assert message.body.startswith("Hello Zoë O'Brien & Co,\n")
    assert sentence in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert html.startswith("<!DOCTYPE html>")
    assert "Hello Zoë O&#x27;Brien &amp; Co," in html
    assert "You are receiving this because you have an account on Python Package Index" in html


def test_links_in_notices_point_at_the_site(zoe, committed, settings):
    settings.SITE_URL = "https://index.example"
    with committed():
        mail.send_notice(zoe, "recovery-code-used", {"remaining": 2, "few_left": True})
    [message] = outbox.outbox
    assert "https://index.example/manage/account/recovery-codes/" in message.body
    assert "https://index.example/manage/account/history/" in message.body
    html = message.alternatives[0][0]
    assert '<a href="https://index.example/manage/account/history/">' in html


def test_a_notice_is_recorded_in_the_security_history(zoe, committed):
    with committed():
        mail.send_notice(zoe, "account-deleted")
    event = UserEvent.objects.get(user=zoe, tag=EventTag.EMAIL_SENT)
    assert event.additional == {"notice": "account-deleted", "to": ["zoe@example.com"]}


def test_notices_go_to_the_primary_address_only(zoe, committed):
    EmailAddressFactory(user=zoe, email="zoe.other@example.com", primary=False)
    with committed():
        mail.send_notice(zoe, "account-deleted")
    assert [m.to for m in outbox.outbox] == [["zoe@example.com"]]


def test_unverified_primary_gets_no_notice_unless_allowed(committed):
    user = UserFactory(username="yan")
    EmailAddressFactory(user=user, verified=False)
    with committed():
        assert mail.send_notice(user, "account-deleted") is False
    assert outbox.outbox == []
    assert not UserEvent.objects.filter(user=user, tag=EventTag.EMAIL_SENT).exists()

    with committed():
        assert mail.send_notice(user, "account-deleted", allow_unverified=True) is True
    assert [m.to for m in outbox.outbox] == [["yan@example.com"]]


def test_account_without_an_address_gets_nothing(committed):
    user = UserFactory(username="xia")
    with committed():
        assert mail.send_notice(user, "account-deleted", allow_unverified=True) is False
    assert outbox.outbox == []


def test_explicit_recipients(zoe, committed):
    with committed():
        mail.send_notice(zoe, "account-deleted", to=["old@example.com", "other@example.com"])
    [message] = outbox.outbox
    assert message.to == ["old@example.com", "other@example.com"]


def test_nothing_leaves_before_commit_nor_after_a_rollback(zoe, committed):
    with committed():
        mail.send_notice(zoe, "account-deleted")
        assert outbox.outbox == []
    assert len(outbox.outbox) == 1

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        mail.send_notice(zoe, "two-factor-removed", {"method": "totp"})
        raise RuntimeError("rolled back")
    assert len(outbox.outbox) == 1
    assert UserEvent.objects.filter(user=zoe, tag=EventTag.EMAIL_SENT).count() == 1


def test_render_collapses_the_subject_to_one_line(zoe):
    subject, text, html = mail.render(
        "recovery-codes-generated", {"user": zoe, "regenerated": True}
    )
    assert subject == "Recovery codes regenerated for your Python Package Index account"
    assert "\n" not in subject
    assert text.startswith("Hello")
    assert html.startswith("<!DOCTYPE html>")


def test_site_name_with_an_ampersand_stays_plain_in_subject_and_text(zoe, committed, settings):
    settings.SITE_NAME = "Packages & Co"
    with committed():
        mail.send_notice(zoe, "account-deleted")
    [message] = outbox.outbox
    assert message.subject == "Your Packages & Co account was deleted"
    assert "an account on Packages & Co (" in message.body
