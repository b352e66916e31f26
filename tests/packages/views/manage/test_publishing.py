"""The trusted publishers' pages: a project's publishing settings (Owners add and remove,
Maintainers read, others get a 404) and the account's pending publishers, over HTTP with the
real two-step login; field errors next to their fields, the password asked again for changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from packages.models import PendingPublisher, ProjectEvent, ProjectEventTag, TrustedPublisher

from .conftest import (
    BASE,
    NAME,
    OWNERS_ONLY,
    ROLE_CLIENTS,
    Site,
    age_password_confirmation,
    confirm_redirect,
    logged_in,
    login_redirect,
    member,
    plain,
    text_of,
)

pytestmark = pytest.mark.django_db

PUBLISHING = f"{BASE}settings/publishing/"
ACCOUNT = "/manage/account/publishing/"
GITHUB_POST = {
    "provider": "github",
    "github-owner": "octo",
    "github-repository": "widgets",
    "github-workflow_filename": "release.yml",
    "github-environment": "",
    "github-owner_id": "",
}


def add_github(site: Site, **fields: str) -> TrustedPublisher:
    config = {
        "repository_owner": "octo",
        "repository_name": "widgets",
        "workflow_filename": "release.yml",
        **fields,
    }
    return TrustedPublisher.objects.create(project=site.project, provider="github", **config)


def field_error(response, field_id: str) -> str:
    """The error shown for the field with ``field_id``, which the field points to."""
    page = response.content.decode()
    control = re.search(rf"<(?:input|select|textarea)[^>]*id=\"{field_id}\"[^>]*>", page)
    assert control, f"no field {field_id}"
    assert 'aria-invalid="true"' in control.group(0)
    described = re.search(r'aria-describedby="([^"]+)"', control.group(0))
    assert described, control.group(0)
    error_id = next(i for i in described.group(1).split() if "error" in i)
    error = re.search(rf'id="{error_id}"[^>]*>(.*?)</ul>', page, re.S)
    assert error, error_id
    return plain(error.group(1))


# --- Who sees the project's page ----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("maintainer", 200), ("other", 404), ("anonymous", 302)],
)
def test_who_reaches_the_publishing_page(site: Site, who: str, status: int):
    add_github(site)
    response = ROLE_CLIENTS[who](site).get(PUBLISHING)
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"] == login_redirect(PUBLISHING)
    if status == 200:
        page = text_of(response)
        assert "GitHub Actions from octo/widgets" in page
        assert "Workflow: release.yml" in page
        assert "Environment: any" in page
        assert ("Add a trusted publisher" in page) is (who == "owner")
        assert (OWNERS_ONLY.replace("&#x27;", "'") in page) is (who == "maintainer")
        assert ("Remove GitHub Actions from octo/widgets" in page) is (who == "owner")


def test_the_owner_sees_one_form_per_provider(site: Site, owner: Client):
    response = owner.get(PUBLISHING)
    page = response.content.decode()
    for provider, title in [
        ("github", "GitHub Actions"),
        ("gitlab", "GitLab CI/CD"),
        ("google", "Google Cloud"),
        ("activestate", "ActiveState"),
    ]:
        assert f'<input type="hidden" name="provider" value="{provider}">' in page
        assert f'id="add-{provider}-heading">{title}</h3>' in page
    # Every field has its label, told apart by the provider.
    for field_id in ("id_github-owner", "id_gitlab-namespace", "id_google-email"):
        assert f'<label for="{field_id}"' in page
    assert 'href="https://github.com/' not in page  # no publisher yet
    assert "This project has no trusted publisher yet." in text_of(response)


def test_the_settings_page_links_to_publishing(site: Site, maintainer: Client):
    response = maintainer.get(f"{BASE}settings/")
    assert f'href="{PUBLISHING}"' in response.content.decode()


# --- Adding and removing -------------------------------------------------------------------


def test_an_owner_adds_a_github_publisher(site: Site, owner: Client, committed):
    with committed():
        response = owner.post(
            PUBLISHING,
            {**GITHUB_POST, "github-environment": "Release", "github-owner_id": "583231"},
            follow=True,
        )
    assert response.redirect_chain == [(PUBLISHING, 302)]
    page = text_of(response)
    assert "Added release.yml in https://github.com/octo/widgets to sample" in page
    assert "Environment: release" in page and "Owner's ID: 583231" in page
    added = TrustedPublisher.objects.get()
    assert (added.project, added.added_by) == (site.project, site.owner)
    event = ProjectEvent.objects.get(tag=ProjectEventTag.OIDC_PUBLISHER_ADD)
    assert event.user == site.owner
    assert [m.to for m in mail.outbox] == [["olivia@example.com"]]
    # The history names it.
    history = text_of(owner.get(f"{BASE}history/"))
    assert "Trusted publisher added" in history
    assert "GitHub Actions from octo/widgets" in history


def test_an_owner_adds_a_google_publisher(site: Site, owner: Client):
    response = owner.post(
        PUBLISHING,
        {"provider": "google", "google-email": "ci@example.com", "google-sub": ""},
        follow=True,
    )
    assert "Added ci@example.com to sample" in text_of(response)
    assert TrustedPublisher.objects.get().email == "ci@example.com"


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"github-owner": ""}, "id_github-owner", "Specify GitHub repository owner"),
        ({"github-owner": "-octo"}, "id_github-owner", "Invalid GitHub user or organization"),
        (
            {"github-workflow_filename": "release.txt"},
            "id_github-workflow_filename",
            "Workflow name must end with .yml or .yaml",
        ),
        (
            {"github-workflow_filename": ".github/workflows/release.yml"},
            "id_github-workflow_filename",
            "Workflow filename must be a filename only, without directories",
        ),
        ({"github-owner_id": "octo"}, "id_github-owner_id", "The owner's ID is a number."),
    ],
    ids=["no-owner", "bad-owner", "suffix", "directory", "owner-id"],
)
def test_field_errors_are_shown_at_their_fields(site: Site, owner: Client, data, field_id, message):
    response = owner.post(PUBLISHING, {**GITHUB_POST, **data})
    assert response.status_code == 400
    assert field_error(response, field_id).startswith(message)
    assert not TrustedPublisher.objects.exists()


def test_gitlab_field_errors(site: Site, owner: Client):
    response = owner.post(
        PUBLISHING,
        {
            "provider": "gitlab",
            "gitlab-namespace": "acme",
            "gitlab-project": "widgets",
            "gitlab-workflow_filepath": "/ci.yml",
        },
    )
    assert response.status_code == 400
    assert field_error(response, "id_gitlab-workflow_filepath") == (
        "Workflow file path cannot start or end with /"
    )


def test_a_duplicate_is_refused_on_the_form(site: Site, owner: Client):
    add_github(site)
    response = owner.post(PUBLISHING, GITHUB_POST)
    assert response.status_code == 409
    assert "release.yml is already registered with sample" in text_of(response)
    assert TrustedPublisher.objects.count() == 1


def test_a_maintainer_cannot_add(site: Site, maintainer: Client):
    response = maintainer.post(PUBLISHING, GITHUB_POST)
    assert response.status_code == 403
    assert not TrustedPublisher.objects.exists()


def test_adding_needs_a_recent_password(site: Site, owner: Client):
    age_password_confirmation(owner)
    assert owner.get(PUBLISHING).status_code == 200
    response = owner.post(PUBLISHING, GITHUB_POST)
    assert response["Location"] == confirm_redirect(PUBLISHING)
    assert not TrustedPublisher.objects.exists()


def test_an_owner_removes_a_publisher_after_confirming(site: Site, owner: Client, committed):
    publisher = add_github(site)
    remove = f"{PUBLISHING}{publisher.pk}/remove/"
    page = owner.get(remove)
    assert page.status_code == 200
    assert page.context["form"].fields["confirm"].label == "Type “release.yml” to confirm"
    wrong = owner.post(remove, {"confirm": "other.yml"})
    assert wrong.status_code == 400
    assert TrustedPublisher.objects.exists()
    with committed():
        response = owner.post(remove, {"confirm": "release.yml"}, follow=True)
    assert response.redirect_chain == [(PUBLISHING, 302)]
    assert "Removed trusted publisher for project 'sample'" in text_of(response)
    assert not TrustedPublisher.objects.exists()
    assert ProjectEvent.objects.filter(tag=ProjectEventTag.OIDC_PUBLISHER_REMOVE).exists()
    assert [m.subject for m in mail.outbox] == ["Trusted publisher removed from sample"]


@pytest.mark.parametrize(("who", "status"), [("maintainer", 403), ("other", 404)])
def test_only_owners_remove(site: Site, who: str, status: int):
    publisher = add_github(site)
    client = ROLE_CLIENTS[who](site)
    remove = f"{PUBLISHING}{publisher.pk}/remove/"
    assert client.get(remove).status_code == status
    assert client.post(remove, {"confirm": "release.yml"}).status_code == status
    assert TrustedPublisher.objects.exists()


def test_removing_needs_a_recent_password(site: Site, owner: Client):
    publisher = add_github(site)
    age_password_confirmation(owner)
    remove = f"{PUBLISHING}{publisher.pk}/remove/"
    assert owner.post(remove, {"confirm": "release.yml"})["Location"] == confirm_redirect(remove)
    assert TrustedPublisher.objects.exists()


def test_another_projects_publisher_is_not_found(site: Site, owner: Client):
    other = TrustedPublisher.objects.create(
        project=site.project.__class__.objects.create(
            name="other", normalized_name="other", ultranormalized_name="0ther"
        ),
        provider="google",
        email="ci@example.com",
    )
    assert owner.get(f"{PUBLISHING}{other.pk}/remove/").status_code == 404


# --- The account's pending publishers -------------------------------------------------------


PENDING_GITLAB = {
    "provider": "gitlab",
    "gitlab-project_name": "brand-new",
    "gitlab-namespace": "acme",
    "gitlab-project": "widgets",
    "gitlab-workflow_filepath": ".gitlab-ci.yml",
    "gitlab-environment": "",
}


@pytest.fixture
def bob(site: Site) -> Client:
    return logged_in(site.bob)


def test_the_account_page(site: Site, bob: Client):
    response = bob.get(ACCOUNT)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<a href="{ACCOUNT}" aria-current="page">Publishing</a>' in page
    assert "You have no pending trusted publisher." in text_of(response)
    assert '<label for="id_github-project_name"' in page
    # Reachable from every account page.
    assert f'href="{ACCOUNT}"' in bob.get("/manage/account/").content.decode()


def test_anonymous_visitors_log_in_first(client: Client):
    assert client.get(ACCOUNT)["Location"] == login_redirect(ACCOUNT)


def test_a_user_registers_and_removes_a_pending_publisher(site: Site, bob: Client):
    response = bob.post(ACCOUNT, PENDING_GITLAB, follow=True)
    assert response.redirect_chain == [(ACCOUNT, 302)]
    page = text_of(response)
    assert "Registered a new pending publisher to create the project 'brand-new'." in page
    assert "GitLab CI/CD from acme/widgets" in page
    pending = PendingPublisher.objects.get()
    assert (pending.added_by, pending.project_name) == (site.bob, "brand-new")

    remove = f"{ACCOUNT}{pending.pk}/remove/"
    confirm = bob.get(remove)
    assert confirm.status_code == 200
    assert 'aria-current="page">Publishing</a>' in confirm.content.decode()
    assert bob.post(remove, {"confirm": "other"}).status_code == 400
    response = bob.post(remove, {"confirm": "brand-new"}, follow=True)
    assert "Removed trusted publisher for project 'brand-new'" in text_of(response)
    assert not PendingPublisher.objects.exists()


def test_the_project_name_refusal_is_shown_at_the_field(site: Site, bob: Client):
    response = bob.post(ACCOUNT, {**PENDING_GITLAB, "gitlab-project_name": NAME})
    assert response.status_code == 409
    assert field_error(response, "id_gitlab-project_name") == "This project already exists."
    response = bob.post(ACCOUNT, {**PENDING_GITLAB, "gitlab-project_name": "bad name"})
    assert response.status_code == 400
    assert field_error(response, "id_gitlab-project_name") == "Invalid project name"
    assert not PendingPublisher.objects.exists()


def test_three_pending_publishers_at_most(site: Site, bob: Client):
    for number in range(3):
        PendingPublisher.objects.create(
            project_name=f"new-{number}",
            normalized_name=f"new-{number}",
            added_by=site.bob,
            provider="google",
            email=f"ci{number}@example.com",
        )
    page = text_of(bob.get(ACCOUNT))
    assert "You can't register more than 3 pending trusted publishers at once" in page
    assert "Add a pending trusted publisher" in page
    response = bob.post(ACCOUNT, PENDING_GITLAB)
    assert response.status_code == 400
    assert "You can't register more than 3 pending trusted publishers at once." in text_of(response)
    assert PendingPublisher.objects.count() == 3


def test_expired_pending_publishers_are_not_listed(site: Site, bob: Client):
    PendingPublisher.objects.create(
        project_name="stale",
        normalized_name="stale",
        added_by=site.bob,
        provider="google",
        email="ci@example.com",
        created=timezone.now() - timedelta(days=31),
    )
    assert "You have no pending trusted publisher." in text_of(bob.get(ACCOUNT))


def test_someone_elses_pending_publisher_is_not_found(site: Site, bob: Client):
    theirs = PendingPublisher.objects.create(
        project_name="theirs",
        normalized_name="theirs",
        added_by=member("zed"),
        provider="google",
        email="ci@example.com",
    )
    remove = f"{ACCOUNT}{theirs.pk}/remove/"
    assert bob.get(remove).status_code == 404
    assert bob.post(remove, {"confirm": "theirs"}).status_code == 404
    assert PendingPublisher.objects.exists()


def test_registering_needs_a_recent_password(site: Site, bob: Client):
    age_password_confirmation(bob)
    assert bob.post(ACCOUNT, PENDING_GITLAB)["Location"] == confirm_redirect(ACCOUNT)
    assert not PendingPublisher.objects.exists()


def test_an_account_without_second_factor_is_sent_to_set_one_up(site: Site):
    client = ROLE_CLIENTS["no-2fa"](site)
    assert client.get(ACCOUNT)["Location"] == "/manage/account/two-factor/"
