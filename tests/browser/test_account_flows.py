"""The account flows in a real Chromium: registration, the second factors, recovery codes, API
tokens, password re-confirmation and the security history.

Every test has its own account and browser, so xdist may run them anywhere in any order. The
first test is one person's story from registration on; the others start from an account made
by the operator command and log in through the pages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.interop.clients import build, output, project_json, publish, twine_upload
from tests.interop.site import Site

from .conftest import SUDO_WINDOW_SECONDS
from .flows import (
    CONFIRM_LOGIN_PAGE,
    Account,
    AuthenticatorApp,
    confirm_password,
    enter_totp_code,
    expect_account_page,
    has_event,
    history,
    log_in,
    log_out,
    mailed_link,
    new_account,
    operator_account,
    path_is,
    start_login,
    submit_password,
    url,
    verification_link,
)

pytestmark = pytest.mark.browser

Shot = Callable[[str], None]


def test_registration_two_factor_and_recovery_codes(page: Page, site: Site, shot: Shot) -> None:
    """Register, verify the address from the mail, add an authentication app, log in with its
    code, then with a recovery code (which works once), and read it all in the history."""
    account = new_account("reader")

    # 1. Register, then open the link the site mailed and confirm the address.
    page.goto(url(site, "/account/register/"))
    page.get_by_label("Name:", exact=True).fill("Ada Reader")
    page.get_by_label("Email:", exact=True).fill(account.email)
    page.get_by_label("Username:", exact=True).fill(account.username)
    page.get_by_label("Password:", exact=True).fill(account.password)
    page.get_by_label("Password (again):", exact=True).fill(account.password)
    page.get_by_role("button", name="Create account").click()
    expect_account_page(page, site, account)  # registering logs in
    address = page.get_by_role("region", name="Email addresses").get_by_role("listitem")
    expect(address).to_have_text(f"{account.email} · Primary · Unverified")
    shot("1-registered")
    page.goto(verification_link(site, account))
    expect(page.get_by_text(f"Please confirm that {account.email}")).to_be_visible()
    shot("1-confirm-email")
    page.get_by_role("button", name="Confirm").click()
    expect_account_page(page, site, account)
    expect(address).to_have_text(f"{account.email} · Primary · Verified")
    expect(page.get_by_text("Your primary email address is not verified.")).to_have_count(0)
    shot("1-verified")

    # 2. Add an authentication app: type its secret into the "phone", confirm with a code.
    page.goto(url(site, "/manage/account/two-factor/"))
    expect(page.get_by_role("link", name="Add 2FA with authentication application")).to_be_visible()
    confirm_password(page, site, account, "/manage/account/two-factor/")
    page.get_by_role("link", name="Add 2FA with authentication application").click()
    expect(page).to_have_url(url(site, "/manage/account/totp-provision/"))
    account.app = AuthenticatorApp.from_secret(page.locator("#totp-secret").inner_text())
    page.get_by_label("Authentication code").fill(account.app.code())
    shot("2-totp-setup")
    page.get_by_role("button", name="Verify and enable").click()
    expect(page).to_have_url(url(site, "/manage/account/two-factor/"))
    expect(page.get_by_role("status")).to_contain_text("Authentication application added.")
    app_section = page.get_by_role("region", name="Authentication application (TOTP)")
    expect(app_section).to_contain_text("Enabled.")
    shot("2-totp-enabled")

    # 3. Log out; a wrong password is refused; the right one leads to the code, then in.
    log_out(page, site)
    page.goto(url(site, "/account/login/"))
    submit_password(page, account, password="not-" + account.password)
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    shot("3-wrong-password")
    submit_password(page, account)
    expect(page).to_have_url(url(site, "/account/two-factor/"))
    shot("3-second-step")
    enter_totp_code(page, account)  # the next step's code: enrolment used the current one
    # The first login with a code from this address waits for a link sent by mail.
    expect(page).to_have_url(url(site, CONFIRM_LOGIN_PAGE))
    expect(page.get_by_text("We have sent a link")).to_be_visible()
    shot("3-check-your-mail")
    page.goto(mailed_link(site, account, CONFIRM_LOGIN_PAGE))
    shot("3-confirm-login")
    page.get_by_role("button", name="Confirm login").click()
    expect_account_page(page, site, account)
    shot("3-logged-in")

    # 4. Recovery codes: generate, log in with one, and that one is refused the second time.
    confirm_password(page, site, account, "/manage/account/recovery-codes/")
    page.get_by_role("button", name="Generate recovery codes").click()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 8
    assert len(set(codes)) == 8
    shot("4-recovery-codes")
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_role("region", name="Recovery codes")).to_contain_text(
        "8 unused recovery codes left."
    )

    log_out(page, site)
    start_login(page, site, account)
    page.get_by_role("link", name="Log in using a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    shot("4-recovery-code-entered")
    page.get_by_role("button", name="Verify").click()
    expect_account_page(page, site, account)
    shot("4-logged-in-with-recovery-code")

    log_out(page, site)
    start_login(page, site, account)
    page.get_by_role("link", name="Log in using a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Invalid recovery code.")).to_be_visible()
    expect(page).to_have_url(url(site, "/account/two-factor/recovery-code/"))
    shot("4-recovery-code-reused")
    # django-otp throttles the codes for a second after a failure.
    time.sleep(1.2)
    page.get_by_label("Recovery code").fill(codes[1])
    page.get_by_role("button", name="Verify").click()
    expect_account_page(page, site, account)
    page.goto(url(site, "/manage/account/two-factor/"))
    expect(page.get_by_role("region", name="Recovery codes")).to_contain_text(
        "6 unused recovery codes left."
    )

    # 8. The security history tells the whole story.
    rows = history(page, site)
    shot("8-history")
    assert has_event(rows, "account:create")
    assert has_event(rows, "account:email:verified", account.email)
    assert has_event(rows, "account:two_factor:method_added", "method: totp")
    assert has_event(rows, "account:login:failure", "reason: password")
    assert has_event(rows, "account:login:device_confirmed")
    assert has_event(rows, "account:recovery_codes:generated")
    assert has_event(rows, "account:recovery_codes:used", "remaining: 7")
    assert has_event(rows, "account:recovery_codes:used", "remaining: 6")
    assert has_event(rows, "account:login:failure", "reason: recovery_code")
    # Registration, the code, two recovery codes.
    assert sum(row.startswith("account:login:success") for row in rows) == 4, rows


def test_project_scoped_token(page: Page, site: Site, shot: Shot, tmp_path: Path) -> None:
    """A token made on the token page for one project uploads to it, and only to it."""
    account = operator_account(site, "scoper")
    mine, other = f"{account.username}-tool", f"{account.username}-other"
    # The projects exist first: uploaded with an account-wide token from the operator command.
    account_wide = site.token(account.username)
    for name in (mine, other):
        publish(site, account_wide, build(tmp_path / name, name, "1.0", sdist=False))

    log_in(page, site, account)
    confirm_password(page, site, account, "/manage/account/token/")
    page.get_by_label("Token name").fill("CI for the tool")
    page.get_by_label("Scope").select_option(label=f"Project: {mine}")
    shot("5-token-form")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("Your new API token").input_value()
    assert token.startswith("pypi-")
    row = page.get_by_role("row").filter(has_text="CI for the tool")
    expect(row.get_by_role("cell").nth(1)).to_have_text(mine)
    shot("5-token-created")

    uploaded = twine_upload(site, token, build(tmp_path / "v2", mine, "2.0", sdist=False))
    assert uploaded.returncode == 0, output(uploaded)
    assert "2.0" in project_json(site, mine)["releases"]
    refused = twine_upload(site, token, build(tmp_path / "v2", other, "2.0", sdist=False))
    assert refused.returncode != 0
    assert "403" in output(refused), output(refused)
    assert "not valid for project" in output(refused), output(refused)
    assert "2.0" not in project_json(site, other)["releases"]

    confirm_password(page, site, account, "/manage/account/token/")
    expect(row.get_by_role("cell").nth(3)).not_to_have_text("Never")
    shot("5-token-used")
    rows = history(page, site)
    assert has_event(rows, "account:api_token:added")
    shot("5-history")


def test_password_reconfirmation(page: Page, site: Site, shot: Shot) -> None:
    """Once the window has passed, a sensitive page asks for the password again, refuses a
    wrong one, then brings the person back to where they were going."""
    account = operator_account(site, "confirmer")
    log_in(page, site, account)  # entering the password opens the window
    page.goto(url(site, "/manage/account/token/"))
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    shot("6-inside-window")

    time.sleep(SUDO_WINDOW_SECONDS + 1)
    page.goto(url(site, "/manage/account/token/"))
    expect(page).to_have_url(path_is(site, "/account/confirm-password/"))
    expect(page.get_by_role("heading", name="Confirm password to continue")).to_be_visible()
    shot("6-confirmation-asked")
    page.get_by_label("Password:", exact=True).fill("not-" + account.password)
    page.get_by_role("button", name="Confirm password").click()
    expect(page.get_by_text("The password is not correct.")).to_be_visible()
    shot("6-wrong-password")
    page.get_by_label("Password:", exact=True).fill(account.password)
    page.get_by_role("button", name="Confirm password").click()
    expect(page).to_have_url(url(site, "/manage/account/token/"))
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    shot("6-confirmed")
    assert has_event(history(page, site), "account:reauthenticate:failure")


def _add_virtual_authenticator(page: Page) -> Callable[[], list[dict]]:
    """A USB security key that says yes at once, through the DevTools protocol; returns a
    function listing the credentials it holds."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]
    return lambda: cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]


def test_security_key(page: Page, site: Site, shot: Shot) -> None:
    """Register a (virtual) security key on the setup page, then log in with it."""
    credentials = _add_virtual_authenticator(page)
    account: Account = operator_account(site, "keyholder")
    log_in(page, site, account)

    confirm_password(page, site, account, "/manage/account/webauthn-provision/")
    page.get_by_label("Name of the security key").fill("virtual key")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Set up “virtual key”")).to_be_visible()
    shot("7-key-named")
    page.get_by_role("button", name="Set up security device").click()
    # Once registered, the browser goes back to the two-factor page, which lists the key.
    page.wait_for_url(url(site, "/manage/account/two-factor/"))
    expect(page.get_by_text("Security key “virtual key” added.")).to_be_visible()
    shot("7-key-registered")
    [credential] = credentials()
    assert credential["rpId"] == "localhost"

    keys = page.get_by_role("region", name="Security keys")
    expect(keys.get_by_role("listitem")).to_contain_text("virtual key")
    shot("7-key-listed")

    log_out(page, site)
    start_login(page, site, account)
    shot("7-second-step")
    page.get_by_role("button", name="Use security key").click()
    expect_account_page(page, site, account)
    shot("7-logged-in-with-key")
    [credential] = credentials()
    assert credential["signCount"] >= 1

    rows = history(page, site)
    assert has_event(rows, "account:two_factor:method_added", "method: webauthn", "virtual key")
    assert sum(row.startswith("account:login:success") for row in rows) == 2, rows
    shot("7-history")


def test_log_out_lands_on_a_page(page: Page, site: Site, shot: Shot) -> None:
    """After "Log out" the person sees a page of the site (logged out), not an error."""
    account = operator_account(site, "leaver")
    log_in(page, site, account)
    with page.expect_response(
        lambda response: (
            response.request.method == "GET" and response.request.resource_type == "document"
        )
    ) as landing:
        page.get_by_role("banner").get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    shot("logged-out")
    assert landing.value.status == 200, f"{landing.value.url} answered {landing.value.status}"
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
