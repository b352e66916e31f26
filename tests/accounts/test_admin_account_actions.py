"""Staff's actions on accounts, over the admin's HTTP interface: each asks for a reason first,
then changes the account through a service, records an event naming the staff member, mails
the account holder where the public index does, and leaves an entry in the admin's log."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client, RequestFactory

from accounts import two_factor
from accounts.breach import breached_message
from accounts.events import EventTag
from accounts.models import RecoveryCode, User, UserEvent
from tests import uploads
from tests.accounts.conftest import PASSWORD, log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
NEW_PASSWORD = "a long and unusual passphrase 42"
RESET_BY_ADMIN = (
    "Your password has been reset by the administrators of this index and can no longer be "
    'used. Choose a new one with <a href="http://testserver/account/reset-password/">Forgot '
    "password?</a>"
)


def act(client: Client, action: str, users: list[User], **data: str):
    """Post an action on the user list; a redirect is followed (showing the messages once)."""
    selected = [u.pk for u in users]
    return client.post(USERS, {"action": action, "_selected_action": selected, **data}, follow=True)


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def login_errors(client: Client, password: str = PASSWORD) -> list[str]:
    response = client.post("/account/login/", {"login": "ann", "password": password})
    assert "_auth_user_id" not in client.session
    return list(response.context["form"].non_field_errors())


def last_log(user: User) -> LogEntry:
    return LogEntry.objects.filter(object_id=str(user.pk)).latest("id")


def assert_reason_page(client: Client, action: str, user: User, title: str) -> None:
    page = act(client, action, [user])
    assert page.status_code == 200
    assert page.templates[0].name == "admin/action_with_note.html"
    html = page.content.decode()
    assert title in html
    assert 'name="reason"' in html
    assert f"<li>{user.username}</li>" in html


@pytest.fixture
def ann_session(member: User) -> Client:
    session = Client()
    log_in(session, "ann")
    return session


# Resetting a password ---------------------------------------------------------------------------


def test_reset_password_disables_it_ends_sessions_and_mails_every_address(
    staff_client, staff, member, ann_session, make_token, committed
):
    # An unverified secondary address gets nothing; a verified one is told too.
    EmailAddressFactory(user=member, email="ann@work.example", primary=False, verified=True)
    EmailAddressFactory(user=member, email="ann@old.example", primary=False, verified=False)
    token = make_token(member)
    assert_reason_page(staff_client, "reset_passwords", member, "Reset passwords")
    member.refresh_from_db()
    assert member.has_usable_password()  # nothing happens before the confirmation

    with committed():
        response = act(staff_client, "reset_passwords", [member], apply="1", reason="ticket 12")

    assert response.redirect_chain == [(USERS, 302)]
    assert flashed(response) == ["1 account changed."]
    member.refresh_from_db()
    assert not member.has_usable_password()
    event = UserEvent.objects.get(user=member, tag=EventTag.PASSWORD_DISABLED)
    assert event.additional == {"reason": "admin initiated", "by": "staffer", "note": "ticket 12"}
    [message] = mail.outbox
    assert message.to == ["ann@example.com", "ann@work.example"]
    assert (
        message.subject == "Your Python Package Index password has been reset by an administrator"
    )
    assert "http://testserver/account/reset-password/" in message.body
    assert "Forgot password?" in message.body
    assert "ticket 12" not in message.body  # staff's note is for staff
    sent = UserEvent.objects.filter(user=member, tag=EventTag.EMAIL_SENT).latest("id")
    assert sent.additional == {
        "notice": "password-reset-by-admin",
        "to": ["ann@example.com", "ann@work.example"],
    }
    log = last_log(member)
    assert (log.user, log.action_flag) == (staff, CHANGE)
    assert log.get_change_message() == "Reset passwords: ticket 12"

    # Logged out at once; the old password is refused with the reason; tokens keep working.
    assert ann_session.get("/manage/account/").status_code == 302
    assert login_errors(Client()) == [RESET_BY_ADMIN]
    assert login_errors(Client(), password="anything else") == [RESET_BY_ADMIN]
    assert uploads.wheel_upload("anns-pkg", "1.0").post(Client(), token).status_code == 200


def test_forgot_password_brings_the_account_back_after_a_reset(staff_client, member, committed):
    act(staff_client, "reset_passwords", [member], apply="1", reason="")
    client = Client()
    with committed():
        client.post("/account/reset-password/", {"email": "ann"})
    [link] = re.findall(
        r"http://testserver(/account/password/reset/key/\S+/)", mail.outbox[-1].body
    )
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    log_in(client, "ann", password=NEW_PASSWORD)


def test_an_unverified_primary_address_is_mailed_all_the_same(staff_client, committed):
    user = UserFactory(username="newbie")
    EmailAddressFactory(user=user, verified=False)

    with committed():
        act(staff_client, "reset_passwords", [user], apply="1", reason="")

    assert [m.to for m in mail.outbox] == [["newbie@example.com"]]


def test_staff_cannot_disable_their_own_password(staff_client, staff):
    response = act(staff_client, "reset_passwords", [staff], apply="1", reason="")

    assert flashed(response) == [
        "You cannot disable your own password here: change it in your account settings.",
        "0 accounts changed.",
    ]
    staff.refresh_from_db()
    assert staff.has_usable_password()
    assert not LogEntry.objects.exists()


# Marking a password compromised -----------------------------------------------------------------


def test_mark_password_compromised(staff_client, staff, member, ann_session, committed):
    assert_reason_page(
        staff_client, "mark_passwords_compromised", member, "Mark passwords compromised"
    )

    with committed():
        response = act(
            staff_client, "mark_passwords_compromised", [member], apply="1", reason="phished"
        )

    assert flashed(response) == ["1 account changed."]
    member.refresh_from_db()
    assert not member.has_usable_password()
    event = UserEvent.objects.get(user=member, tag=EventTag.PASSWORD_DISABLED)
    assert event.additional == {
        "reason": "password compromised",
        "by": "staffer",
        "note": "phished",
    }
    [message] = mail.outbox
    assert message.to == ["ann@example.com"]
    assert message.subject == "Your Python Package Index password has been disabled"
    assert "known to someone else" in message.body
    assert "http://testserver/account/reset-password/" in message.body
    [(html, _kind)] = message.alternatives
    assert 'href="http://testserver/account/reset-password/"' in html
    assert last_log(member).get_change_message() == "Mark passwords compromised: phished"
    # As for a password found in a breach: the login says so until a reset.
    assert ann_session.get("/manage/account/").status_code == 302
    assert login_errors(Client()) == [breached_message()]


# Recovery codes ---------------------------------------------------------------------------------


def test_burning_recovery_codes_makes_a_stolen_sheet_worthless(staff_client, staff, member):
    codes = two_factor.generate_recovery_codes(member, request=RequestFactory().get("/"))
    assert_reason_page(staff_client, "burn_recovery_codes", member, "Make recovery codes unusable")

    response = act(staff_client, "burn_recovery_codes", [member], apply="1", reason="sheet lost")

    assert flashed(response) == ["1 account changed."]
    assert not RecoveryCode.objects.filter(device__user=member, burned__isnull=True).exists()
    event = UserEvent.objects.get(user=member, tag=EventTag.RECOVERY_CODES_BURNED)
    assert event.additional == {"by": "staffer", "reason": "sheet lost", "count": 8}
    assert event.label == "Recovery codes made unusable by an administrator"
    assert last_log(member).get_change_message() == "Make recovery codes unusable: sheet lost"

    client = Client()
    client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    response = client.post("/account/two-factor/recovery-code/", {"code": codes[0]})
    assert response.status_code == 400
    assert "Invalid recovery code." in response.content.decode()

    again = act(staff_client, "burn_recovery_codes", [member], apply="1", reason="")
    assert flashed(again) == ["0 accounts changed."]
    assert UserEvent.objects.filter(tag=EventTag.RECOVERY_CODES_BURNED).count() == 1


# Account recovery (the link's flow is in test_recovery.py) -------------------------------------


def test_recovery_page_offers_the_accounts_addresses_or_another(staff_client, member):
    EmailAddressFactory(user=member, email="ann@old.example", primary=False, verified=False)

    page = act(staff_client, "start_account_recovery", [member])

    html = page.content.decode()
    assert "Start account recovery" in html
    assert 'value="ann@example.com"' in html
    assert "ann@example.com (primary, verified)" in html
    assert "ann@old.example (unverified)" in html
    assert 'value="other"' in html
    assert 'name="other_address"' in html
    assert '<label for="id_reason">' in html


def test_recovery_is_for_one_account_at_a_time(staff_client, member):
    response = act(staff_client, "start_account_recovery", [member, UserFactory()])

    assert response.redirect_chain == [(USERS, 302)]
    assert flashed(response) == ["Select exactly one account to recover."]


def test_recovery_needs_the_address_and_how_identity_was_proved(staff_client, member):
    response = act(
        staff_client, "start_account_recovery", [member], apply="1", address="other", reason=""
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["other_address"] == ["Type the address to send the link to."]
    assert errors["reason"] == ["This field is required."]
    assert not UserEvent.objects.filter(tag=EventTag.ACCOUNT_RECOVERY_INITIATED).exists()


def test_starting_a_recovery_mails_the_chosen_address(staff_client, staff, member, committed):
    with committed():
        response = act(
            staff_client,
            "start_account_recovery",
            [member],
            apply="1",
            address="other",
            other_address="ann@new.example",
            reason="video call, passport",
        )

    assert flashed(response) == ["The recovery link for ann was mailed to ann@new.example."]
    event = UserEvent.objects.get(user=member, tag=EventTag.ACCOUNT_RECOVERY_INITIATED)
    assert event.additional == {
        "by": "staffer",
        "reason": "video call, passport",
        "to": "ann@new.example",
    }
    [message] = mail.outbox
    assert message.to == ["ann@new.example"]
    assert message.subject == "Recover your Python Package Index account"
    assert "http://testserver/account/recovery/?token=" in message.body
    assert "within 24 hours" in message.body
    assert last_log(member).get_change_message() == (
        "Start account recovery: ann@new.example; video call, passport"
    )
    change_page = staff_client.get(f"{USERS}{member.pk}/change/").content.decode()
    assert "Link mailed to ann@new.example" in change_page


def test_recovery_refuses_an_address_of_another_account(staff_client, member):
    EmailAddressFactory(user=UserFactory(username="bob"), email="bob@example.com")

    response = act(
        staff_client,
        "start_account_recovery",
        [member],
        apply="1",
        address="other",
        other_address="BOB@example.com",
        reason="call",
    )

    assert flashed(response) == [
        "This email address is already being used by another account. Use a different email."
    ]
    assert mail.outbox == []
    assert not LogEntry.objects.exists()


def test_cancelling_a_pending_recovery(staff_client, staff, member):
    act(
        staff_client,
        "start_account_recovery",
        [member],
        apply="1",
        address="ann@example.com",
        reason="call",
    )
    assert_reason_page(staff_client, "cancel_account_recovery", member, "Cancel account recovery")

    response = act(staff_client, "cancel_account_recovery", [member], apply="1", reason="oops")

    assert flashed(response) == ["1 account changed."]
    event = UserEvent.objects.get(user=member, tag=EventTag.ACCOUNT_RECOVERY_CANCELLED)
    assert (event.additional["by"], event.additional["reason"]) == ("staffer", "oops")
    assert last_log(member).get_change_message() == "Cancel account recovery: oops"
    again = act(staff_client, "cancel_account_recovery", [member], apply="1", reason="")
    assert flashed(again) == ["0 accounts changed."]
    change_page = staff_client.get(f"{USERS}{member.pk}/change/").content.decode()
    assert "None pending" in change_page


# Freezing is logged too; staff never type someone's password -----------------------------------


def test_freezing_is_logged(staff_client, staff, member):
    act(staff_client, "freeze_accounts", [member], apply="1", reason="spam")

    log = last_log(member)
    assert (log.user, log.action_flag, log.get_change_message()) == (
        staff,
        CHANGE,
        "Freeze accounts: spam",
    )


def test_staff_cannot_set_a_password_and_the_page_says_how_it_stands(staff_client, member):
    assert staff_client.get(f"{USERS}{member.pk}/password/").status_code == 403

    page = staff_client.get(f"{USERS}{member.pk}/change/").content.decode()
    assert "Set (only its owner knows it)" in page
    assert 'name="password"' not in page
    act(staff_client, "reset_passwords", [member], apply="1", reason="")
    page = staff_client.get(f"{USERS}{member.pk}/change/").content.decode()
    assert "Disabled: the account must choose a new one" in page


# E-mail addresses and API tokens in the admin ---------------------------------------------------


def test_addresses_are_listed_searched_and_filtered(staff_client, member):
    EmailAddressFactory(user=member, email="ann@old.example", primary=False, verified=False)
    EmailAddressFactory(user=UserFactory(username="bob"), email="bob@example.com")
    listing = "/admin/account/emailaddress/"

    def shown(query: str) -> set[str]:
        response = staff_client.get(f"{listing}?{query}")
        assert response.status_code == 200
        return {row.email for row in response.context["cl"].result_list}

    assert shown("") >= {"ann@example.com", "ann@old.example", "bob@example.com"}
    assert shown("verified__exact=0") == {"ann@old.example"}
    assert shown("primary__exact=1&q=ann") == {"ann@example.com"}
    assert shown("q=bob") == {"bob@example.com"}


def test_addresses_are_read_only_and_removing_one_is_recorded(staff_client, member):
    old = EmailAddressFactory(user=member, email="ann@old.example", primary=False, verified=False)
    primary = EmailAddress.objects.get(email="ann@example.com")
    listing = "/admin/account/emailaddress/"

    assert staff_client.get(f"{listing}add/").status_code == 403
    change = staff_client.get(f"{listing}{primary.pk}/change/").content.decode()
    assert 'name="email"' not in change
    assert staff_client.post(f"{listing}{primary.pk}/delete/", {"post": "yes"}).status_code == 403

    response = staff_client.post(f"{listing}{old.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not EmailAddress.objects.filter(pk=old.pk).exists()
    event = UserEvent.objects.get(user=member, tag=EventTag.EMAIL_REMOVE)
    assert event.additional == {"email": "ann@old.example", "by": "staffer"}


def test_api_tokens_are_filtered_and_never_show_a_secret(staff_client, member, make_token):
    upload_only = make_token(member, description="upload only")
    manager = make_token(member, description="manager", can_manage=True)
    listing = "/admin/accounts/apitoken/"

    response = staff_client.get(f"{listing}?can_manage__exact=1")
    assert [row.description for row in response.context["cl"].result_list] == ["manager"]
    assert staff_client.get(f"{listing}?expires__isnull=True").status_code == 200
    assert staff_client.get(f"{listing}add/").status_code == 403
    [row] = response.context["cl"].result_list
    page = staff_client.get(f"{listing}{row.pk}/change/").content.decode()
    for secret in (upload_only, manager, upload_only.split("-", 1)[1][:20]):
        assert secret not in page
    assert "key_salt" not in page


def test_deleting_a_token_in_the_admin_is_recorded(staff_client, member, make_token):
    token = make_token(member, description="old laptop")
    row = member.api_tokens.get()

    response = staff_client.post(f"/admin/accounts/apitoken/{row.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    event = UserEvent.objects.get(user=member, tag=EventTag.API_TOKEN_REMOVED)
    assert event.additional == {
        "description": "old laptop",
        "token_id": str(row.pk),
        "by": "staffer",
    }
    assert uploads.wheel_upload("anns-pkg", "1.0").post(Client(), token).status_code == 403
