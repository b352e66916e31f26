"""The admin site is behind a second factor: staff log in through the site's login (with its
rate limits and second step), and OTPAdminSite admits only sessions that passed it."""

from __future__ import annotations

import pytest
from django_otp.oath import totp

from tests.accounts.factories import UserFactory, add_totp

pytestmark = pytest.mark.django_db

KEY = bytes(range(20))
PASSWORD = "correct horse battery"


@pytest.fixture
def staff():
    user = UserFactory(username="admin1", is_staff=True, is_superuser=True)
    add_totp(user, key=KEY)
    return user


def test_admin_login_goes_through_the_site_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_password_alone_does_not_open_the_admin(client, staff):
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_password_and_second_step_open_the_admin(client, staff):
    response = client.post("/account/login/", {"login": "admin1", "password": PASSWORD})
    assert response["Location"] == "/account/two-factor/"
    response = client.post("/account/two-factor/", {"code": str(totp(KEY)).zfill(6)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_without_a_second_factor_is_kept_out(client):
    UserFactory(username="admin2", is_staff=True, is_superuser=True)
    response = client.post("/account/login/", {"login": "admin2", "password": PASSWORD})
    assert response.status_code == 302  # logged in: the account has no second step
    assert "_auth_user_id" in client.session
    assert client.get("/admin/").status_code == 302
