"""What a person does on the account pages, as Playwright steps, and what they read off them.

Pages are found by their labels, roles and headings, as a person (or a screen reader) finds
them; ids only where the page gives a secret to copy (``#totp-secret``, ``#recovery-codes``).
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.interop.site import REPO, Site

TOTP_STEP = 30
ACCOUNT_PAGE = "/manage/account/"
CONFIRM_LOGIN_PAGE = "/account/confirm-login/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# axe-core (npm, put in .venv/node by make install-test) audits pages for accessibility.
AXE = REPO / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
_MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"  # Django's file backend, between messages


@dataclass
class AuthenticatorApp:
    """The person's phone: RFC 6238 codes from the secret the site showed.

    The site accepts the code of the current 30 s step or of a neighbouring one, but never a
    step at or before the last it accepted (replays are refused), so each code comes from the
    first step not yet used: the current one, else the next (inside the site's tolerance).
    """

    key: bytes
    last_step: int = -1

    @classmethod
    def from_secret(cls, secret: str) -> AuthenticatorApp:
        cleaned = "".join(secret.split()).upper()
        return cls(base64.b32decode(cleaned + "=" * (-len(cleaned) % 8)))

    @property
    def secret(self) -> str:
        return base64.b32encode(self.key).decode()

    def code(self) -> str:
        while True:
            now = int(time.time()) // TOTP_STEP
            step = max(now, self.last_step + 1)
            if step <= now + 1:
                break
            time.sleep((now + 1) * TOTP_STEP - time.time() + 0.1)
        self.last_step = step
        totp = TOTP(self.key, step=TOTP_STEP)
        totp.time = step * TOTP_STEP
        return f"{totp.token():06d}"


@dataclass
class Account:
    username: str
    password: str
    email: str
    app: AuthenticatorApp | None = None
    recovery_codes: list[str] = field(default_factory=list)


def new_account(prefix: str) -> Account:
    """Credentials nobody has used yet on this site."""
    username = f"{prefix}{secrets.token_hex(3)}"
    return Account(username, secrets.token_urlsafe(16), f"{username}@example.com")


def operator_account(site: Site, prefix: str, *flags: str) -> Account:
    """An account made with ``createuser`` (verified address, authenticator app), as the
    README tells operators: for tests whose subject comes after registration. ``flags`` are
    more ``createuser`` options (``--staff``, ``--superuser``)."""
    account = new_account(prefix)
    account.app = AuthenticatorApp(secrets.token_bytes(20))
    site.manage(
        "createuser",
        account.username,
        "--email",
        account.email,
        "--password-stdin",
        "--verified",
        "--totp-secret",
        account.app.secret,
        *flags,
        input=account.password + "\n",
    )
    return account


def url(site: Site, path: str) -> str:
    return f"{site.url}{path}"


def path_is(site: Site, path: str) -> re.Pattern[str]:
    """Matches the page's URL: ``path`` on the site, with any query string."""
    return re.compile(re.escape(url(site, path)) + r"(\?.*)?$")


def expect_account_page(page: Page, site: Site, account: Account) -> None:
    """Logged in: the account settings page, and the header names the user."""
    expect(page).to_have_url(url(site, ACCOUNT_PAGE))
    expect(page.get_by_role("heading", name="Account settings", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=f"Account settings ({account.username})")).to_be_visible()


def submit_password(page: Page, account: Account, password: str | None = None) -> None:
    """The first step of logging in, from the login page."""
    page.get_by_label("Login:", exact=True).fill(account.username)
    page.get_by_label("Password:", exact=True).fill(password or account.password)
    page.get_by_role("button", name="Log in").click()


def start_login(page: Page, site: Site, account: Account) -> None:
    """Username and password: the site then asks for the second factor."""
    page.goto(url(site, "/account/login/"))
    submit_password(page, account)
    expect(page).to_have_url(url(site, "/account/two-factor/"))
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()


def enter_totp_code(page: Page, account: Account) -> None:
    assert account.app is not None
    page.get_by_label("Authentication code").fill(account.app.code())
    page.get_by_role("button", name="Verify").click()


def log_in(page: Page, site: Site, account: Account) -> None:
    """Password, then a code of the authentication app; the first login from this machine's
    address also waits for the link the site mails (test_registration_two_factor_and_recovery_codes
    looks at that step closely)."""
    start_login(page, site, account)
    enter_totp_code(page, account)
    second_step = url(site, "/account/two-factor/")
    page.wait_for_url(lambda address: address != second_step)
    if page.url == url(site, CONFIRM_LOGIN_PAGE):
        confirm_login(page, site, account)
    expect_account_page(page, site, account)


def confirm_login(page: Page, site: Site, account: Account) -> None:
    """Open the newest login-confirmation link mailed to the account and confirm."""
    page.goto(mailed_link(site, account, CONFIRM_LOGIN_PAGE))
    page.get_by_role("button", name="Confirm login").click()


def log_out(page: Page, site: Site) -> None:
    """The header's button; logged out is checked on the login page, wherever it landed
    (test_log_out_lands_on_a_page is about the landing page)."""
    before = page.url
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda address: address != before)
    page.goto(url(site, "/account/login/"))
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()


def confirm_password(page: Page, site: Site, account: Account, next_path: str) -> None:
    """Re-confirm the password, landing on ``next_path`` with a fresh confirmation window.

    The suite's window is a few seconds: opening a sensitive page just inside it could see its
    form refused a moment later, so sensitive steps start here rather than rely on an earlier
    confirmation. (The redirect to this page is what test_password_reconfirmation proves.)
    """
    page.goto(url(site, "/account/confirm-password/?" + urlencode({"next": next_path})))
    page.get_by_label("Password:", exact=True).fill(account.password)
    page.get_by_role("button", name="Confirm password").click()
    expect(page).to_have_url(path_is(site, next_path))


def mail_to(site: Site, address: str) -> list[str]:
    """The plain-text bodies of the mail the site has written for ``address``, oldest first.

    Without ``EMAIL_URL`` the site writes mail to files under ``$VAR_DIR/mail``, each message
    followed by a separator line: what follows the last separator is still being written.
    """
    bodies = []
    folder = Path(site.env["VAR_DIR"]) / "mail"
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
        for raw in path.read_text().split(_MAIL_SEPARATOR)[:-1]:
            message = email.message_from_string(raw, policy=email.policy.default)
            if address in str(message.get("To", "")):
                bodies.append(message.get_body(preferencelist=("plain",)).get_content())
    return bodies


def verification_link(site: Site, account: Account) -> str:
    """The newest address-confirmation link mailed to the account."""
    return mailed_link(site, account, "/account/confirm-email/")


def mailed_link(site: Site, account: Account, path: str, *, timeout: float = 10) -> str:
    """The newest link to ``path`` mailed to the account.

    The mail is sent by a Celery task (run inline) once the request has committed, possibly
    just after the response: poll briefly.
    """
    pattern = re.compile(re.escape(url(site, path)) + r"\S+")
    deadline = time.monotonic() + timeout
    while True:
        links = [m[0] for body in mail_to(site, account.email) for m in pattern.finditer(body)]
        if links:
            return links[-1]
        assert time.monotonic() < deadline, f"no link to {path} mailed to {account.email}"
        time.sleep(0.2)


def history(page: Page, site: Site) -> list[str]:
    """The rows of the security history, newest first: the event tag, then its details."""
    page.goto(url(site, "/manage/account/history/"))
    expect(page.get_by_role("heading", name="Security history")).to_be_visible()
    rows = page.get_by_role("table", name="Security history").locator("tbody tr")
    described = []
    for row in rows.all():
        cell = row.locator("td").first
        details = cell.locator(".event-detail").all_inner_texts()
        described.append(" ".join([cell.locator(".event-tag").inner_text(), *details]))
    return described


def has_event(rows: list[str], tag: str, *details: str) -> bool:
    """Whether one row is event ``tag`` with all of ``details`` (``"reason: password"``)."""
    return any(
        row.split(" ", 1)[0] == tag and all(detail in row for detail in details) for row in rows
    )


def audit(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def at_both_widths(
    page: Page, shot: Callable[[str], None], step: str, *, audited: bool = False
) -> None:
    """Screenshots ``<step>-phone`` and ``<step>-desktop`` (the page stays at a desktop's
    width); ``audited``: also no serious or critical axe-core violation at either width."""
    found = {}
    for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        shot(f"{step}-{width}")
        if audited:
            found[width] = audit(page)
    assert not any(found.values()), found
