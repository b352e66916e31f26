"""``/manage/account/two-factor/``: setting up the authentication app (QR code and secret),
removing methods, and recovery codes, through HTTP."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django_otp_webauthn.models import WebAuthnCredential

from accounts import sudo
from accounts.events import EventTag
from accounts.models import AuthenticatorApp, RecoveryCode, RecoveryCodes, UserEvent
from tests.accounts.conftest import PASSWORD, code, log_in
from tests.accounts.factories import EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

PROVISION = "/manage/account/totp-provision/"
CODES = "/manage/account/recovery-codes/"
LAST_METHOD = (
    "Cannot remove last 2FA method: add another authentication application or security key first."
)


@pytest.fixture
def newcomer(client):
    """A logged-in user with a verified address and no second factor yet."""
    user = UserFactory(username="nia", email="nia@example.com")
    EmailAddressFactory(user=user)
    log_in(client, "nia", key=None)
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_errors(response) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def shown_secret(response) -> bytes:
    """The key behind the secret the page shows as text."""
    [text] = re.findall(
        r'<code id="totp-secret" class="secret">([A-Z2-7 ]+)</code>', response.content.decode()
    )
    return base64.b32decode(text.replace(" ", ""))


def add_key(user, name: str = "blue key") -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user, name=name, confirmed=True, credential_id=name.encode(), public_key=b"pk"
    )


def stale(client) -> None:
    session = client.session
    session[sudo.SESSION_KEY] = int(time.time()) - 7200
    session.save()


# Overview -------------------------------------------------------------------------------------


def test_overview_without_2fa(client, newcomer):
    response = client.get("/manage/account/two-factor/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<a href="{PROVISION}">Add 2FA with authentication application</a>' in body
    assert "Add an authentication application or a security key first." in body
    assert response.context["method_count"] == 0


def test_overview_with_an_app_and_a_key(member_client, member):
    add_key(member, "Blue key")
    response = member_client.get("/manage/account/two-factor/")
    body = response.content.decode()
    assert "Remove authentication application" in body
    assert "Blue key" in body
    assert "Generate recovery codes" in body
    assert response.context["method_count"] == 2


def test_overview_needs_a_login(client):
    response = client.get("/manage/account/two-factor/")
    assert response["Location"] == "/account/login/?next=/manage/account/two-factor/"


# Setting up the authentication app --------------------------------------------------------------


def test_provisioning_shows_a_qr_code_and_a_secret_that_works(client, newcomer, committed):
    page = client.get(PROVISION)
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    body = page.content.decode()
    svg = re.search(r"<svg[^>]*>.*?</svg>", body, re.S).group(0)
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert "<title>QR code for your authentication application</title>" in svg
    assert "<path" in svg
    key = shown_secret(page)
    assert len(key) == 20
    assert shown_secret(client.get(PROVISION)) == key  # reloading keeps the same secret

    with committed():
        response = client.post(PROVISION, {"code": code(key)})
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/two-factor/"
    assert "Authentication application added." in messages_of(response)
    app = AuthenticatorApp.objects.get(user=newcomer)
    assert app.confirmed
    assert app.bin_key == key
    assert UserEvent.objects.get(
        user=newcomer, tag=EventTag.TWO_FACTOR_METHOD_ADDED
    ).additional == {"method": "totp"}
    [message] = mail.outbox
    assert message.to == ["nia@example.com"]
    assert message.subject == "Two-factor method added to your Python Package Index account"
    # The session that added the app counts as having passed it: tokens open at once.
    assert client.get("/manage/account/token/").status_code == 200


def test_provisioned_app_is_asked_for_at_the_next_login(client, newcomer):
    key = shown_secret(client.get(PROVISION))
    client.post(PROVISION, {"code": code(key)})
    client.post("/account/logout/")
    log_in(client, "nia", key=key, steps=1)


def test_qr_code_carries_the_otpauth_uri(client, newcomer, settings):
    """The SVG draws the same URI an app would read (checked by drawing it again)."""
    import io

    import segno

    page = client.get(PROVISION)
    key = shown_secret(page)
    secret = base64.b32encode(key).decode()
    uri = (
        f"otpauth://totp/Python%20Package%20Index%3Ania?secret={secret}&algorithm=SHA1&digits=6"
        "&period=30&issuer=Python%20Package%20Index"
    )
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, xmldecl=False, svgns=True)
    expected_path = re.search(r' d="([^"]+)"', buffer.getvalue().decode()).group(1)
    assert f' d="{expected_path}"' in page.content.decode()


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        (None, "Invalid TOTP code."),
        (
            6,
            "Invalid code: your device's clock seems to be out of sync. Check that its time is "
            "set automatically, then try again (see the Help page, TOTP trouble).",
        ),
    ],
    ids=["wrong", "drifted"],
)
def test_a_bad_first_code_confirms_nothing(client, newcomer, steps, error):
    key = shown_secret(client.get(PROVISION))
    value = code(key, steps=steps) if steps else ("000000" if code(key) != "000000" else "111111")
    response = client.post(PROVISION, {"code": value})
    assert response.status_code == 400
    assert form_errors(response) == {"code": [error]}
    assert not AuthenticatorApp.objects.filter(user=newcomer, confirmed=True).exists()
    assert shown_secret(response) == key


def test_one_app_per_account(member_client, member):
    response = member_client.get(PROVISION)
    assert response.status_code == 302
    assert response["Location"] == "/manage/account/two-factor/"
    assert "Your account already has an authentication application." in messages_of(response)
    response = member_client.post(PROVISION, {"code": code()})
    assert response["Location"] == "/manage/account/two-factor/"
    assert AuthenticatorApp.objects.filter(user=member).count() == 1


def test_provisioning_needs_a_recent_password(client, newcomer):
    stale(client)
    response = client.get(PROVISION)
    assert (
        response["Location"]
        == "/account/confirm-password/?next=%2Fmanage%2Faccount%2Ftotp-provision%2F"
    )
    assert not AuthenticatorApp.objects.filter(user=newcomer).exists()


# Removing methods ---------------------------------------------------------------------------


def test_the_last_method_cannot_be_removed(member_client, member, committed):
    with committed():
        response = member_client.post("/manage/account/totp/remove/")
    assert response["Location"] == "/manage/account/two-factor/"
    assert LAST_METHOD in messages_of(response)
    assert AuthenticatorApp.objects.filter(user=member, confirmed=True).exists()
    assert mail.outbox == []


def test_removing_the_app_while_a_key_remains(member_client, member, committed):
    key = add_key(member)
    with committed():
        response = member_client.post("/manage/account/totp/remove/")
    assert "Two-factor method removed." in messages_of(response)
    assert not AuthenticatorApp.objects.filter(user=member).exists()
    assert UserEvent.objects.get(
        user=member, tag=EventTag.TWO_FACTOR_METHOD_REMOVED
    ).additional == {"method": "totp"}
    [message] = mail.outbox
    assert message.subject == "Two-factor method removed from your Python Package Index account"

    # Now the key is the last method.
    response = member_client.post(f"/manage/account/webauthn/{key.pk}/remove/")
    assert LAST_METHOD in messages_of(response)
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_removing_a_key_while_the_app_remains(member_client, member):
    key = add_key(member)
    response = member_client.post(f"/manage/account/webauthn/{key.pk}/remove/")
    assert "Two-factor method removed." in messages_of(response)
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert UserEvent.objects.get(
        user=member, tag=EventTag.TWO_FACTOR_METHOD_REMOVED
    ).additional == {"method": "webauthn"}


def test_keys_of_other_accounts_cannot_be_removed(member_client, member):
    other = UserFactory(username="bob")
    add_key(other, "one")
    theirs = add_key(other, "two")
    assert member_client.post(f"/manage/account/webauthn/{theirs.pk}/remove/").status_code == 404
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()


def test_removal_needs_a_post_and_a_recent_password(member_client, member):
    add_key(member)
    assert member_client.get("/manage/account/totp/remove/").status_code == 405
    stale(member_client)
    response = member_client.post("/manage/account/totp/remove/")
    assert response["Location"].startswith("/account/confirm-password/")
    assert AuthenticatorApp.objects.filter(user=member).exists()


def test_removing_an_app_that_is_not_there(client, newcomer):
    assert client.post("/manage/account/totp/remove/").status_code == 404


# Recovery codes -----------------------------------------------------------------------------


def test_recovery_codes_need_a_method_first(client, newcomer):
    response = client.post(CODES)
    assert response["Location"] == "/manage/account/two-factor/"
    assert "Add an authentication application or a security key first." in messages_of(response)
    assert not RecoveryCodes.objects.exists()


def test_recovery_codes_are_shown_once_and_stored_as_digests(member_client, member, committed):
    page = member_client.get(CODES)
    assert page.status_code == 200
    assert page.context["codes"] is None
    assert "Generate recovery codes" in page.content.decode()

    with committed():
        response = member_client.post(CODES)
    codes = response.context["codes"]
    assert len(codes) == 8 == len(set(codes))
    body = response.content.decode()
    assert all(f"<li><code>{c}</code></li>" in body for c in codes)
    assert response["Cache-Control"].startswith("max-age=0")

    stored = list(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 8
    assert not any(c in digest for c in codes for digest in stored)

    again = member_client.get(CODES).content.decode()
    assert not any(c in again for c in codes)
    assert "8 unused codes left." in again
    assert "Regenerate recovery codes" in again

    assert UserEvent.objects.filter(user=member, tag=EventTag.RECOVERY_CODES_GENERATED).exists()
    [message] = mail.outbox
    assert message.subject == "Recovery codes generated for your Python Package Index account"
    assert not any(c in message.body for c in codes)


def test_regenerating_replaces_the_codes(member_client, member, committed, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # the refused old code must not delay the new one
    old = member_client.post(CODES).context["codes"]
    with committed():
        new = member_client.post(CODES).context["codes"]
    assert set(old).isdisjoint(new)
    assert RecoveryCode.objects.count() == 8
    assert UserEvent.objects.filter(user=member, tag=EventTag.RECOVERY_CODES_REGENERATED).exists()
    [message] = mail.outbox
    assert message.subject == "Recovery codes regenerated for your Python Package Index account"

    member_client.post("/account/logout/")
    member_client.post("/account/login/", {"login": "ann", "password": PASSWORD})
    refused = member_client.post("/account/two-factor/recovery-code/", {"code": old[0]})
    assert refused.status_code == 400
    accepted = member_client.post("/account/two-factor/recovery-code/", {"code": new[0]})
    assert accepted.status_code == 302


def test_recovery_codes_need_a_recent_password(member_client, member):
    stale(member_client)
    response = member_client.post(CODES)
    assert (
        response["Location"]
        == "/account/confirm-password/?next=%2Fmanage%2Faccount%2Frecovery-codes%2F"
    )
    assert not RecoveryCodes.objects.exists()


def test_the_overview_counts_unused_codes(member_client, member):
    codes = member_client.post(CODES).context["codes"]
    RecoveryCodes.objects.get(user=member).verify_token(codes[0])
    body = member_client.get("/manage/account/two-factor/").content.decode()
    assert "7 unused recovery codes left." in body
    assert "Regenerate recovery codes" in body


def test_the_app_key_is_not_needed_again_after_setup(client, newcomer):
    """The secret is shown while setting up only: afterwards no page shows it."""
    key = shown_secret(client.get(PROVISION))
    client.post(PROVISION, {"code": code(key)})
    secret = base64.b32encode(key).decode()
    for path in ("/manage/account/two-factor/", "/manage/account/", PROVISION):
        body = client.get(path, follow=True).content.decode()
        assert secret not in body.replace(" ", "")
