"""Deleting an account from the admin: through the same service as the account page, refused
while the account is a project's only Owner, its journal entries kept under ``deleted-user``."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from accounts import services
from accounts.models import User
from packages.models import JournalEntry, Project, RoleName
from packages.services.events import Actor
from packages.services.roles import add_role
from tests import uploads
from tests.accounts.conftest import PASSWORD
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


def act(client: Client, users: list[User], **data: str):
    selected = [u.pk for u in users]
    return client.post(
        USERS, {"action": "delete_accounts", "_selected_action": selected, **data}, follow=True
    )


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def sample(client: Client, publisher: User, token: str) -> Project:
    """alice uploads ``sample`` 1.0: she is its only Owner, with journal entries to her name."""
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    return Project.objects.get()


@pytest.fixture
def co_owned(sample: Project, publisher: User) -> Project:
    add_role(sample, UserFactory(username="bob"), RoleName.OWNER, actor=Actor(publisher))
    return sample


def test_the_placeholder_account_exists_and_cannot_be_used():
    placeholder = User.objects.get(username="deleted-user")
    assert not placeholder.is_active
    assert not placeholder.has_usable_password()

    response = Client().post(
        "/account/register/",
        {
            "username": "Deleted-User",
            "email": "someone@example.com",
            "password1": "a long and unusual passphrase 42",
            "password2": "a long and unusual passphrase 42",
            "confirm_form": "",
        },
    )
    assert response.context["form"].errors["username"] == [
        "This username is already being used by another account. Choose a different username."
    ]


def test_deleting_keeps_the_journal_under_deleted_user(
    staff_client, staff, publisher, co_owned, committed
):
    entries = list(JournalEntry.objects.filter(submitted_by=publisher).values_list("id", flat=True))
    assert entries

    page = act(staff_client, [publisher])
    assert page.templates[0].name == "admin/action_with_note.html"
    assert "Deleting an account is permanent" in page.content.decode()
    assert User.objects.filter(pk=publisher.pk).exists()
    with committed():
        response = act(staff_client, [publisher], apply="1", reason="spam account")

    assert flashed(response) == ["1 account deleted."]
    assert not User.objects.filter(username="alice").exists()
    placeholder = User.objects.get(username="deleted-user")
    assert set(
        JournalEntry.objects.filter(id__in=entries).values_list("submitted_by", flat=True)
    ) == {placeholder.pk}
    # The project's other entries, and bob, are untouched.
    assert JournalEntry.objects.filter(submitted_by__username="alice").count() == 0
    assert User.objects.filter(username="bob").exists()
    message = mail.outbox[-1]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Your Python Package Index account was deleted"
    log = LogEntry.objects.get(action_flag=DELETION)
    assert (log.user, log.object_repr, log.get_change_message()) == (
        staff,
        "alice",
        "Delete accounts: spam account",
    )


def test_the_sole_owner_of_a_project_is_refused_with_the_projects_named(
    staff_client, publisher, sample
):
    response = act(staff_client, [publisher])

    assert response.redirect_chain == [(USERS, 302)]
    assert flashed(response) == [
        "Cannot delete account alice with active project ownerships: it is the only Owner of "
        "sample."
    ]
    assert User.objects.filter(pk=publisher.pk).exists()
    assert not LogEntry.objects.exists()


def test_refused_accounts_are_left_out_and_the_others_deleted(
    staff_client, staff, publisher, sample
):
    carol = UserFactory(username="carol")

    page = act(staff_client, [publisher, carol])
    html = page.content.decode()
    assert "<li>carol</li>" in html
    assert "<li>alice</li>" not in html
    response = act(staff_client, [carol], apply="1", reason="")

    assert flashed(page) == [
        "Cannot delete account alice with active project ownerships: it is the only Owner of "
        "sample."
    ]
    assert flashed(response) == ["1 account deleted."]
    assert not User.objects.filter(pk=carol.pk).exists()
    assert User.objects.filter(pk=publisher.pk).exists()


def test_staff_cannot_delete_themselves_nor_the_placeholder(staff_client, staff):
    placeholder = User.objects.get(username="deleted-user")

    response = act(staff_client, [staff, placeholder])

    assert flashed(response) == [
        "The placeholder account deleted-user cannot be deleted.",
        "You cannot delete your own account here.",
    ]
    assert User.objects.filter(pk__in=[staff.pk, placeholder.pk]).count() == 2


def test_the_delete_button_asks_for_a_reason_then_deletes(staff_client, publisher, co_owned):
    url = f"{USERS}{publisher.pk}/delete/"

    page = staff_client.get(url)
    assert page.status_code == 200
    assert page.templates[0].name == "admin/action_with_note.html"
    response = staff_client.post(url, {"apply": "1", "reason": "asked by mail"})

    assert response.status_code == 302
    assert response["Location"] == USERS
    assert not User.objects.filter(pk=publisher.pk).exists()
    assert LogEntry.objects.get(action_flag=DELETION).get_change_message() == (
        "Delete accounts: asked by mail"
    )


def test_the_delete_button_of_a_sole_owner_says_why_on_the_account_page(
    staff_client, publisher, sample
):
    response = staff_client.get(f"{USERS}{publisher.pk}/delete/", follow=True)

    assert response.redirect_chain == [(f"{USERS}{publisher.pk}/change/", 302)]
    assert flashed(response) == [
        "Cannot delete account alice with active project ownerships: it is the only Owner of "
        "sample."
    ]


def test_deleting_ones_own_account_keeps_the_journal_too(publisher, co_owned):
    entries = JournalEntry.objects.filter(submitted_by=publisher).count()

    services.delete_account(publisher)

    placeholder = User.objects.get(username="deleted-user")
    assert JournalEntry.objects.filter(submitted_by=placeholder).count() == entries > 0


def test_the_placeholder_is_made_again_if_missing(publisher, co_owned):
    User.objects.filter(username="deleted-user").delete()

    services.delete_account(publisher)

    placeholder = User.objects.get(username="deleted-user")
    assert not placeholder.is_active and not placeholder.has_usable_password()
    assert JournalEntry.objects.filter(submitted_by=placeholder).exists()
    assert not Client().login(username="deleted-user", password=PASSWORD)
