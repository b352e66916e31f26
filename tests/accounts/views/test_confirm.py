"""Re-confirming the password: the window opened by entering it, the page that asks for it
again, and the way back to the page that needed it."""

from __future__ import annotations

import time

import pytest

from accounts import sudo
from accounts.events import EventTag
from accounts.models import ApiToken, UserEvent
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CONFIRM = "/account/confirm-password/"


def age_confirmation(client, seconds: int) -> None:
    """Make the session's last password confirmation ``seconds`` old."""
    session = client.session
    session[sudo.SESSION_KEY] = time.time() - seconds
    session.save()


def form_errors(response) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == f"/account/login/?next={CONFIRM}"


def test_page_names_the_account_and_keeps_the_next_page(member_client):
    response = member_client.get(CONFIRM, {"next": "/manage/account/token/"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>ann</strong>" in body
    assert '<input type="hidden" name="next" value="/manage/account/token/">' in body


@pytest.mark.parametrize(
    ("age", "confirmed"),
    [(3599, True), (3600, False), (7200, False)],
    ids=["inside", "edge", "outside"],
)
def test_the_window_lasts_an_hour(member_client, age, confirmed):
    age_confirmation(member_client, age)
    response = member_client.get("/manage/account/token/")
    if confirmed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == f"{CONFIRM}?next=%2Fmanage%2Faccount%2Ftoken%2F"


def test_the_window_follows_the_setting(member_client, settings):
    settings.SUDO_WINDOW_SECONDS = 60
    age_confirmation(member_client, 61)
    assert member_client.get("/manage/account/token/").status_code == 302
    age_confirmation(member_client, 59)
    assert member_client.get("/manage/account/token/").status_code == 200


def test_confirming_reopens_the_window_and_goes_back(member_client):
    age_confirmation(member_client, 7200)
    response = member_client.get("/manage/account/token/?page=2")
    assert response["Location"] == f"{CONFIRM}?next=%2Fmanage%2Faccount%2Ftoken%2F%3Fpage%3D2"

    response = member_client.post(
        CONFIRM, {"password": PASSWORD, "next": "/manage/account/token/?page=2"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/token/?page=2"
    assert member_client.get("/manage/account/token/").status_code == 200


def test_a_refused_post_is_not_carried_out(member_client):
    age_confirmation(member_client, 7200)
    response = member_client.post(
        "/manage/account/token/", {"description": "ci", "token_scope": "scope:user"}
    )
    assert response["Location"] == f"{CONFIRM}?next=%2Fmanage%2Faccount%2Ftoken%2F"
    assert not ApiToken.objects.exists()


def test_wrong_password_is_refused_and_recorded(member_client, member):
    age_confirmation(member_client, 7200)
    response = member_client.post(
        CONFIRM, {"password": "wrong", "next": "/manage/account/token/"}, REMOTE_ADDR="192.0.2.3"
    )
    assert response.status_code == 400
    assert form_errors(response) == {"password": ["The password is not correct."]}
    event = UserEvent.objects.get(user=member, tag=EventTag.REAUTHENTICATE_FAILURE)
    assert event.ip_address == "192.0.2.3"
    assert member_client.get("/manage/account/token/").status_code == 302


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"],
    ids=["absolute", "scheme-relative", "lookalike"],
)
def test_only_local_next_pages(member_client, next_url):
    response = member_client.post(CONFIRM, {"password": PASSWORD, "next": next_url})
    assert response["Location"] == "/manage/account/"
    page = member_client.get(CONFIRM, {"next": next_url})
    assert page.context["next"] == "/manage/account/"


def test_attempts_are_limited(member_client):
    age_confirmation(member_client, 7200)
    for _ in range(10):
        member_client.post(CONFIRM, {"password": "wrong"})
    response = member_client.post(CONFIRM, {"password": PASSWORD})
    assert response.status_code == 400
    assert form_errors(response) == {"__all__": ["Too many attempts. Try again later."]}
    assert member_client.get("/manage/account/token/").status_code == 302
