"""The admin site is behind a second factor (django-otp's OTPAdminSite with our devices)."""

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
    return user, add_totp(user, key=KEY)


def test_password_alone_does_not_open_the_admin(client, staff):
    user, _ = staff
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_password_and_totp_open_the_admin(client, staff):
    user, device = staff
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": user.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": str(totp(KEY)).zfill(6),
            "next": "/admin/",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert client.get("/admin/").status_code == 200


def test_wrong_code_is_refused(client, staff):
    user, device = staff
    wrong = str((totp(KEY) + 1) % 1_000_000).zfill(6)
    response = client.post(
        "/admin/login/",
        {
            "username": user.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": wrong,
        },
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302
