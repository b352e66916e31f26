"""The account navigation marks the page shown (and the section of a sub-page)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.accounts.conftest import KEY, log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory, add_totp

pytestmark = pytest.mark.django_db

CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>')


@pytest.fixture
def ann(client: Client, settings) -> Client:
    settings.LOGIN_CONFIRMATION_ENABLED = False
    user = UserFactory(username="ann")
    EmailAddressFactory(user=user)
    add_totp(user, key=KEY)
    log_in(client, "ann")
    return client


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/manage/account/", ("/manage/account/", "Account")),
        ("/manage/account/email/", ("/manage/account/email/", "Email addresses")),
        (
            "/manage/account/two-factor/",
            ("/manage/account/two-factor/", "Two-factor authentication"),
        ),
        ("/manage/account/token/", ("/manage/account/token/", "API tokens")),
        ("/manage/account/history/", ("/manage/account/history/", "Security history")),
        ("/manage/account/delete/", ("/manage/account/", "Account")),
    ],
)
def test_the_current_page_is_marked(ann, url, current):
    response = ann.get(url)

    assert response.status_code == 200
    nav = response.content.decode().split('<nav class="manage-nav"', 1)[1].split("</nav>", 1)[0]
    assert CURRENT.findall(nav) == [current]
