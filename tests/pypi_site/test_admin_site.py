"""The admin site as a whole: who gets in (only staff whose session passed a second factor),
the dashboard on its front page, and every list and add page answering, with its search and
filters, and labelled controls.

Through HTTP only: ``staff_client`` (tests/conftest.py) logs in through the site's login and
its second step.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from django.contrib import admin
from django.db.models import Model
from django.template.defaultfilters import filesizeformat
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from accounts.freezing import freeze_user
from accounts.models import User
from moderation.models import AdminFlag, MalwareReport, ReportKind, Verdict
from packages.models import Project
from packages.services.events import Actor
from packages.services.projects import archive_project, quarantine_project
from tests import uploads
from tests.accounts.factories import UserFactory, add_totp
from tests.conftest import STAFF_PASSWORD
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

KEY = bytes(range(1, 21))


def log_in(client: Client, user: User, key: bytes | None = None) -> None:
    """The site's login, and its second step when the account has a second factor."""
    response = client.post("/account/login/", {"login": user.username, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    if key is not None:
        assert response["Location"] == "/account/two-factor/"
        client.post("/account/two-factor/", {"code": str(totp(key)).zfill(6)})


def final(client: Client, url: str):
    """Follow redirects from ``url``: the last response and the addresses passed through."""
    response = client.get(url, follow=True)
    return response, [unquote(where) for where, _status in response.redirect_chain]


# Who gets in


def test_anonymous_visitors_are_sent_to_the_site_login(client):
    response, chain = final(client, "/admin/packages/project/")

    assert response.status_code == 200
    assert chain[-1] == "/account/login/?next=/admin/packages/project/"
    assert response.templates[0].name.startswith("account/")  # the site's page, not the admin's


def test_a_login_waiting_for_its_second_step_does_not_open_the_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    add_totp(staff, key=KEY)
    response = client.post("/account/login/", {"login": staff.username, "password": STAFF_PASSWORD})
    assert response["Location"] == "/account/two-factor/"

    response, chain = final(client, "/admin/")

    assert chain[-1] == "/account/two-factor/"  # the login's own second step, still waiting
    assert b"dashboard-figures" not in response.content


def test_a_session_that_skipped_the_second_factor_is_told_to_log_in_again(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    add_totp(staff, key=KEY)
    client.force_login(staff)  # password only: django-otp does not count it as verified

    response, chain = final(client, "/admin/")

    assert chain == ["/admin/login/?next=/admin/"]
    assert response.status_code == 403
    html = response.content.decode()
    assert "Log out, then log in again with your authenticator app or security key." in html
    assert 'action="/account/logout/"' in html
    assert 'name="next" value="/admin/"' in html
    assert 'name="otp_token"' not in html  # no second login form beside the site's
    assert b"dashboard-figures" not in response.content


def test_the_admin_login_form_signs_nobody_in(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    add_totp(staff, key=KEY)
    client.force_login(staff)

    response = client.post(
        "/admin/login/",
        {"username": staff.username, "password": STAFF_PASSWORD, "otp_token": totp(KEY)},
    )

    assert response.status_code == 403
    assert client.get("/admin/").status_code == 302


def test_staff_without_a_second_factor_are_asked_to_add_one(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    log_in(client, staff)  # no second step: the account has no second factor

    response, chain = final(client, "/admin/")

    assert chain == ["/admin/login/?next=/admin/"]
    assert response.status_code == 403
    html = response.content.decode()
    assert "your account has none" in html
    assert 'href="/manage/account/two-factor/"' in html
    assert b"dashboard-figures" not in response.content


def test_users_who_are_not_staff_are_refused_even_with_a_second_factor(client):
    user = UserFactory()
    add_totp(user, key=KEY)
    log_in(client, user, KEY)
    assert client.session.get(DEVICE_ID_SESSION_KEY)  # logged in with the second factor

    response, _chain = final(client, "/admin/")

    assert response.status_code == 403
    assert b"dashboard-figures" not in response.content


def test_inactive_staff_are_refused(client, staff, staff_client):
    User.objects.filter(pk=staff.pk).update(is_active=False)

    response, chain = final(staff_client, "/admin/")

    assert chain[-1] == "/account/login/?next=/admin/"  # the session no longer counts
    assert b"dashboard-figures" not in response.content


def test_staff_with_a_second_factor_see_the_dashboard(staff_client):
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dashboard-figures"' in html
    assert "Django administration" not in html
    assert "Python Package Index administration" in html
    assert "<title>Dashboard | Python Package Index admin</title>" in html
    assert '<a href="/">View site</a>' in html
    assert 'action="/account/logout/"' in html  # the site's logout
    assert 'href="/manage/account/"' in html  # the site's account pages, for the password
    assert "app-packages" in html  # Django's list of apps stays below


def test_the_admin_password_page_is_the_site_s(staff_client):
    response = staff_client.get("/admin/password_change/")

    assert response.status_code == 302
    assert response["Location"] == "/manage/account/password/"


def test_after_logging_in_staff_land_where_they_were_going(client, staff):
    response = client.get("/admin/packages/release/", follow=True)
    assert unquote(response.redirect_chain[-1][0]) == (
        "/account/login/?next=/admin/packages/release/"
    )

    response = client.post(
        "/account/login/?next=/admin/packages/release/",
        {"login": staff.username, "password": STAFF_PASSWORD},
    )
    response = client.post(
        "/account/two-factor/", {"code": str(totp(bytes(range(20)))).zfill(6)}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/admin/packages/release/"
    assert response.status_code == 200


# The dashboard


@pytest.fixture
def index(staff: User) -> dict[str, object]:
    """A small index: five users (one frozen, one deactivated), four projects (one
    quarantined, one archived), three releases, three files, one open report and one closed,
    one switch on."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    UserFactory(username="gone", is_active=False)
    freeze_user(bob, by=staff)
    projects = {name: ProjectFactory(name=name) for name in ("first", "second", "third", "fourth")}
    sizes = [3 * 1024**2, 1024**2, 512 * 1024]
    for size, project in zip(sizes, ("first", "first", "second"), strict=True):
        FileFactory(release=ReleaseFactory(project=projects[project]), size=size)
    FileFactory.reset_sequence()
    quarantine_project(projects["third"], actor=Actor(staff), note="report #1")
    archive_project(projects["second"], actor=Actor(staff))
    report = MalwareReport.objects.create(
        project=projects["third"],
        project_name="third",
        reporter=alice,
        kind=ReportKind.MALWARE,
        summary="steals tokens",
    )
    MalwareReport.objects.create(
        project=projects["first"],
        project_name="first",
        reporter=alice,
        kind=ReportKind.SPAM,
        summary="spam",
        verdict=Verdict.NOT_MALWARE,
    )
    AdminFlag.objects.update_or_create(
        id="disallow-new-user-registration",
        defaults={"enabled": True, "description": "No new accounts"},
    )
    return {"projects": projects, "report": report, "bytes": sum(sizes)}


def test_the_dashboard_counts_the_index(staff_client, index):
    response = staff_client.get("/admin/")

    board = response.context["dashboard"]
    # staff, alice, bob (frozen) and gone (deactivated); not the deleted users' placeholder
    assert (board.users, board.active_users, board.frozen_users) == (4, 2, 1)
    assert (board.projects, board.quarantined_projects, board.archived_projects) == (4, 1, 1)
    assert (board.releases, board.files, board.stored_bytes) == (3, 3, index["bytes"])
    assert board.open_reports == 1
    assert [flag.id for flag in board.switches_on] == ["disallow-new-user-registration"]
    figures = section(response, "dashboard-figures")
    assert cells(figures) == [
        ("Users", "4"),
        ("Active users", "2"),
        ("Frozen users", "1"),
        ("Projects", "4"),
        ("Quarantined projects", "1"),
        ("Archived projects", "1"),
        ("Releases", "3"),
        ("Files", "3"),
        ("Stored", filesizeformat(index["bytes"])),
    ]
    assert 'href="/admin/packages/project/?status=quarantined"' in figures


def test_the_dashboard_lists_the_newest_projects_with_their_pages(staff_client, index):
    newest = section(staff_client.get("/admin/"), "dashboard-newest-projects")

    names = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', newest)
    assert names == ["fourth", "third", "second", "first"]
    for name, project in index["projects"].items():
        assert f'href="/admin/packages/project/{project.pk}/change/"' in newest
        assert f'href="/project/{name}/"' in newest
    assert "quarantined" in newest


def test_the_dashboard_shows_the_open_reports_and_the_switches_on(staff_client, index):
    response = staff_client.get("/admin/")

    reports = section(response, "dashboard-reports")
    assert "1 open malware report" in reports
    assert str(index["report"]) in reports
    assert "first:" not in reports  # the closed report is not listed
    try:
        change = reverse("admin:moderation_malwarereport_change", args=[index["report"].pk])
    except NoReverseMatch:  # the reports have no admin yet: the name alone
        change = None
    if change:
        assert f'href="{change}"' in reports
        assert 'href="/admin/moderation/malwarereport/?status=open"' in reports
        open_list = staff_client.get("/admin/moderation/malwarereport/?status=open")
        assert open_list.status_code == 200
        assert "1 malware report" in open_list.content.decode()  # the closed one is left out
    switches = section(response, "dashboard-switches")
    assert "disallow-new-user-registration" in switches
    assert "No new accounts" in switches
    assert 'href="/admin/moderation/adminflag/"' in switches


def test_an_empty_index_has_an_empty_dashboard(staff_client):
    response = staff_client.get("/admin/")

    assert "No project yet." in section(response, "dashboard-newest-projects")
    assert "No report is waiting for a verdict." in section(response, "dashboard-reports")
    assert "No switch is on." in section(response, "dashboard-switches")


def test_the_dashboard_takes_a_few_queries_whatever_the_size(
    staff_client, index, django_assert_max_num_queries
):
    for n in range(20):
        ProjectFactory(name=f"more-{n}")
    with django_assert_max_num_queries(20):
        assert staff_client.get("/admin/").status_code == 200


def test_one_accounts_section(staff_client):
    html = staff_client.get("/admin/").content.decode()

    assert len(re.findall(r">Accounts</a>\s*</caption>", html)) == 1
    accounts = section_by_class(html, "app-accounts")
    assert "Email addresses" in accounts
    assert "Users" in accounts


def section(response, element_id: str) -> str:
    html = response.content.decode() if not isinstance(response, str) else response
    match = re.search(rf'<div class="module" id="{element_id}">(.*?)</div>', html, re.S)
    assert match, element_id
    return match.group(1)


def section_by_class(html: str, css_class: str) -> str:
    match = re.search(rf'<div class="{css_class} module[^"]*">(.*?)</div>', html, re.S)
    assert match, css_class
    return match.group(1)


def cells(html: str) -> list[tuple[str, str]]:
    rows = re.findall(r"<tr>\s*<th[^>]*>(.*?)</th>\s*<td>(.*?)</td>", html, re.S)
    return [(re.sub(r"<[^>]+>", "", th).strip(), td.strip()) for th, td in rows]


# Every list and add page


@pytest.fixture
def sample(client: Client, token: str, staff: User) -> Project:
    """Real rows in most tables: an upload, a role, a journal, events, a report."""
    assert uploads.wheel_upload("sample", "1.0").post(client, token).status_code == 200
    assert uploads.sdist_upload("sample", "1.0").post(client, token).status_code == 200
    project = Project.objects.get()
    quarantine_project(project, actor=Actor(staff), note="check")
    MalwareReport.objects.create(
        project=project, project_name="sample", kind=ReportKind.MALWARE, summary="x"
    )
    return project


REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model: type[Model], view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _a in REGISTERED]
)
def test_every_list_and_add_page_answers(staff, staff_client, sample, model, model_admin):
    request = RequestFactory().get("/admin/")
    request.user = staff

    changelist = staff_client.get(_url(model, "changelist"))

    assert changelist.status_code == 200
    add = staff_client.get(_url(model, "add"))
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)
    if model_admin.search_fields:
        assert staff_client.get(_url(model, "changelist"), {"q": "sample"}).status_code == 200
    # Every filter choice, date step and column sort the list offers.
    for query in sorted(set(re.findall(r'href="(\?[^"]*)"', changelist.content.decode()))):
        url = _url(model, "changelist") + query.replace("&amp;", "&")
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert "?e=1" not in response.get("Location", ""), url


# Labels


class Controls(HTMLParser):
    """The form controls a page shows, and which of them nothing labels."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self._in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"] or "")
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type") in ("hidden", "submit", "button", "image"):
                return
            self.controls.append({**a, "wrapped": "yes" if self._in_label else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label -= 1

    def unlabelled(self) -> list[str]:
        return [
            str(c.get("name") or c.get("id"))
            for c in self.controls
            if not (
                c["wrapped"]
                or c.get("aria-label")
                or c.get("aria-labelledby")
                or (c.get("id") and c["id"] in self.label_for)
            )
        ]


def unlabelled(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    return parser.unlabelled()


OUR_MODELS = [m for m, _a in REGISTERED if m._meta.app_label == "packages"]


@pytest.mark.parametrize("model", OUR_MODELS, ids=[m._meta.label for m in OUR_MODELS])
def test_every_control_on_our_lists_and_forms_is_labelled(staff_client, sample, model):
    obj = model._default_manager.order_by("pk").first()
    pages = [_url(model, "changelist")]
    if obj is not None:
        pages.append(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        )

    for page in pages:
        response = staff_client.get(page)
        assert response.status_code == 200
        assert unlabelled(response.content.decode()) == [], page


def test_the_dashboard_and_the_note_page_are_labelled(staff_client, sample):
    assert unlabelled(staff_client.get("/admin/").content.decode()) == []
    note_page = staff_client.post(
        "/admin/packages/project/",
        {"action": "archive", "_selected_action": [sample.pk]},
    )
    assert note_page.status_code == 200
    assert unlabelled(note_page.content.decode()) == []
