"""The admin's pages for prohibited project names, usernames and mail domains, over HTTP as a
staff member logged in with a second factor: adding (and what becomes of a project that has
the name), adding in bulk, releasing a name to a user, lifting; each change logged."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType

from help.links import help_url
from moderation.models import (
    AdminFlag,
    ProhibitedEmailDomain,
    ProhibitedProjectName,
    ProhibitedUserName,
)
from packages.models import JournalEntry, Project, Role, RoleName
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

NAMES = "/admin/moderation/prohibitedprojectname/"
USERNAMES = "/admin/moderation/prohibitedusername/"
DOMAINS = "/admin/moderation/prohibitedemaildomain/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def form_errors(response) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def logged(model, action_flag: int) -> list[tuple[str, str]]:
    """The admin's history for ``model``: (object, message) of each entry with the flag."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), action_flag=action_flag
    ).order_by("id")
    return [(e.object_repr, e.get_change_message()) for e in entries]


# The list -------------------------------------------------------------------------------------


def test_the_list_shows_who_added_each_name_and_whether_a_project_has_it(staff_client, staff):
    ProhibitedProjectName.objects.create(name="foo-bar", prohibited_by=staff, comment="typo")
    ProhibitedProjectName.objects.create(name="other")
    ProjectFactory(name="Foo_Bar")
    page = staff_client.get(NAMES)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{NAMES}bulk-add/"' in html
    assert "typo" in html and "staffer" in html
    assert [p.name for p in page.context["cl"].result_list] == ["foo-bar", "other"]
    assert [bool(p.has_project) for p in page.context["cl"].result_list] == [True, False]
    with_project = staff_client.get(NAMES, {"project": "yes"}).context["cl"].result_list
    assert [p.name for p in with_project] == ["foo-bar"]
    by_me = staff_client.get(NAMES, {"by": "me"}).context["cl"].result_list
    assert [p.name for p in by_me] == ["foo-bar"]


@pytest.mark.parametrize("term", ["foo-bar", "Foo_Bar", "FOO.BAR", "typo", "staffer"])
def test_search_finds_a_name_however_it_is_spelled(staff_client, staff, term):
    ProhibitedProjectName.objects.create(name="foo-bar", prohibited_by=staff, comment="typo")
    ProhibitedProjectName.objects.create(name="unrelated")
    found = staff_client.get(NAMES, {"q": term}).context["cl"].result_list
    assert [p.name for p in found] == ["foo-bar"]


# Adding one name ------------------------------------------------------------------------------


def test_adding_a_name_keeps_it_normalised_with_its_author(staff_client, staff):
    response = staff_client.post(f"{NAMES}add/", {"name": "Foo_Bar", "comment": "squatting"})
    assert response.status_code == 302
    prohibition = ProhibitedProjectName.objects.get()
    assert (prohibition.name, prohibition.comment, prohibition.prohibited_by) == (
        "foo-bar",
        "squatting",
        staff,
    )
    assert logged(ProhibitedProjectName, ADDITION) == [("foo-bar", "Added.")]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("-foo", "The name '-foo' is invalid."),
        ("foo bar", "The name 'foo bar' is invalid."),
        ("FOO.bar", "This name is already prohibited."),
    ],
    ids=["leading-dash", "space", "already"],
)
def test_adding_a_bad_name_says_why(staff_client, name, error):
    ProhibitedProjectName.objects.create(name="foo-bar")
    response = staff_client.post(f"{NAMES}add/", {"name": name, "comment": ""})
    assert response.status_code == 200
    assert dict(response.context["adminform"].form.errors) == {"name": [error]}
    assert ProhibitedProjectName.objects.count() == 1


def test_a_project_with_the_name_asks_what_to_do_first(staff_client):
    ProjectFactory(name="Evil_Pkg")
    response = staff_client.post(f"{NAMES}add/", {"name": "evil-pkg", "comment": ""})
    assert response.status_code == 200
    assert dict(response.context["adminform"].form.errors) == {
        "existing_project": [
            "A project named 'Evil_Pkg' exists. Choose whether to remove it or to keep it."
        ]
    }
    html = response.content.decode()
    assert 'value="remove"' in html and 'value="keep"' in html
    assert not ProhibitedProjectName.objects.exists()


def test_keeping_the_project(staff_client):
    ProjectFactory(name="Evil_Pkg")
    data = {"name": "evil-pkg", "comment": "", "existing_project": "keep"}
    assert staff_client.post(f"{NAMES}add/", data).status_code == 302
    assert ProhibitedProjectName.objects.filter(name="evil-pkg").exists()
    assert Project.objects.filter(name="Evil_Pkg").exists()


def test_removing_the_project_through_the_service(staff_client):
    RoleFactory(project=ProjectFactory(name="Evil_Pkg"))
    data = {"name": "evil-pkg", "comment": "malware", "existing_project": "remove"}
    response = staff_client.post(f"{NAMES}add/", data, follow=True)
    assert "The project 'Evil_Pkg' was removed." in messages_of(response)
    assert not Project.objects.exists()
    entry = JournalEntry.objects.latest("id")
    assert (entry.name, entry.action, entry.submitted_by.username) == (
        "Evil_Pkg",
        "remove project",
        "staffer",
    )
    assert ProhibitedProjectName.objects.get().comment == "malware"


def test_removing_while_deletions_are_off_is_refused_on_the_form(staff_client):
    ProjectFactory(name="evil-pkg")
    AdminFlag.objects.filter(id="disallow-deletion").update(enabled=True)
    data = {"name": "evil-pkg", "comment": "", "existing_project": "remove"}
    response = staff_client.post(f"{NAMES}add/", data)
    assert dict(response.context["adminform"].form.errors) == {
        "existing_project": [
            f"Deletion is temporarily disabled. See {help_url('admin-intervention')} for more "
            "information."
        ]
    }
    assert Project.objects.exists()
    assert not ProhibitedProjectName.objects.exists()


def test_a_prohibition_is_not_edited_but_can_be_lifted(staff_client, client, token):
    prohibition = ProhibitedProjectName.objects.create(name="sample")
    page = staff_client.get(f"{NAMES}{prohibition.pk}/change/")
    assert page.status_code == 200
    assert 'name="comment"' not in page.content.decode()  # a view, not a form
    assert (
        staff_client.post(f"{NAMES}{prohibition.pk}/change/", {"comment": "x"}).status_code == 403
    )
    response = staff_client.post(f"{NAMES}{prohibition.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ProhibitedProjectName.objects.exists()
    assert logged(ProhibitedProjectName, DELETION) == [("sample", "")]


def test_lifting_several_at_once(staff_client):
    pks = [ProhibitedProjectName.objects.create(name=n).pk for n in ("one", "two", "three")]
    data = {"action": "delete_selected", "_selected_action": pks[:2], "post": "yes"}
    assert staff_client.post(NAMES, data).status_code == 302
    assert list(ProhibitedProjectName.objects.values_list("name", flat=True)) == ["three"]


# Adding in bulk -------------------------------------------------------------------------------


def test_bulk_page_offers_the_fields(staff_client):
    page = staff_client.get(f"{NAMES}bulk-add/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'for="id_lines">Project names:</label>' in html
    assert 'name="comment"' in html
    assert 'type="checkbox" name="remove_projects"' in html


def test_bulk_add_reports_bad_lines_and_adds_nothing(staff_client):
    lines = "good-one\n\nbad name\nalso_good\n-worse\n"
    response = staff_client.post(f"{NAMES}bulk-add/", {"lines": lines, "comment": "batch"})
    assert response.status_code == 200
    assert form_errors(response) == {
        "lines": [
            "Line 3: The name 'bad name' is invalid.",
            "Line 5: The name '-worse' is invalid.",
        ]
    }
    html = response.content.decode()
    assert 'aria-describedby="id_lines_helptext id_lines_error"' in html
    assert 'aria-invalid="true"' in html
    assert "Please correct the error below." in html
    assert not ProhibitedProjectName.objects.exists()


def test_bulk_add_prohibits_every_name_and_keeps_projects(staff_client, staff):
    ProjectFactory(name="Taken")
    ProhibitedProjectName.objects.create(name="old")
    lines = "New_One\r\ntaken\r\nOLD\r\nnew.one\r\n"
    response = staff_client.post(
        f"{NAMES}bulk-add/", {"lines": lines, "comment": "batch"}, follow=True
    )
    assert response.redirect_chain == [(NAMES, 302)]
    assert messages_of(response) == [
        "Prohibited: new-one, taken.",
        "Already prohibited, left as they were: old.",
        "These projects exist and stay (only new projects are refused the name): Taken.",
    ]
    rows = ProhibitedProjectName.objects.filter(comment="batch").values_list(
        "name", "prohibited_by"
    )
    assert set(rows) == {("new-one", staff.pk), ("taken", staff.pk)}
    assert Project.objects.filter(name="Taken").exists()
    assert sorted(logged(ProhibitedProjectName, ADDITION)) == [
        ("new-one", "Added."),
        ("taken", "Added."),
    ]


def test_bulk_add_may_remove_the_projects(staff_client):
    ProjectFactory(name="first")
    data = {"lines": "first\nsecond", "comment": "", "remove_projects": "on"}
    response = staff_client.post(f"{NAMES}bulk-add/", data, follow=True)
    assert "Removed the projects first." in messages_of(response)
    assert not Project.objects.exists()
    assert ProhibitedProjectName.objects.count() == 2


def test_bulk_removal_refused_adds_nothing(staff_client):
    ProjectFactory(name="second")
    AdminFlag.objects.filter(id="disallow-deletion").update(enabled=True)
    data = {"lines": "first\nsecond", "comment": "", "remove_projects": "on"}
    response = staff_client.post(f"{NAMES}bulk-add/", data)
    assert response.status_code == 200
    assert form_errors(response) == {
        "__all__": [
            f"Deletion is temporarily disabled. See {help_url('admin-intervention')} for more "
            "information."
        ]
    }
    assert not ProhibitedProjectName.objects.exists()
    assert not LogEntry.objects.exists()


# Releasing a name to a user -------------------------------------------------------------------


def test_release_action_opens_the_release_page_for_one_name(staff_client):
    prohibition = ProhibitedProjectName.objects.create(name="wanted")
    other = ProhibitedProjectName.objects.create(name="other")
    data = {"action": "release_to_user", "_selected_action": [prohibition.pk]}
    response = staff_client.post(NAMES, data)
    assert response["Location"] == f"{NAMES}{prohibition.pk}/release/"
    both = {"action": "release_to_user", "_selected_action": [prohibition.pk, other.pk]}
    response = staff_client.post(NAMES, both, follow=True)
    assert messages_of(response) == ["Select exactly one name to release."]
    assert ProhibitedProjectName.objects.count() == 2


def test_the_name_page_links_to_its_release(staff_client):
    prohibition = ProhibitedProjectName.objects.create(name="wanted")
    html = staff_client.get(f"{NAMES}{prohibition.pk}/change/").content.decode()
    assert f'href="{NAMES}{prohibition.pk}/release/"' in html


def test_releasing_a_name_to_a_user(staff_client):
    alice = UserFactory(username="alice")
    prohibition = ProhibitedProjectName.objects.create(name="wanted-name")
    page = staff_client.get(f"{NAMES}{prohibition.pk}/release/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Release the name &#x27;wanted-name&#x27; to a user" in html
    assert 'for="id_username">Username of the new Owner:</label>' in html

    response = staff_client.post(
        f"{NAMES}{prohibition.pk}/release/", {"username": "ALICE"}, follow=True
    )
    project = Project.objects.get()
    assert response.redirect_chain == [(f"/admin/packages/project/{project.pk}/change/", 302)]
    assert messages_of(response) == [
        "The name 'wanted-name' is released: the project exists with alice as its Owner."
    ]
    assert list(Role.objects.values_list("user", "role_name")) == [(alice.pk, RoleName.OWNER)]
    entries = JournalEntry.objects.filter(name="wanted-name").order_by("id")
    assert [(e.action, e.submitted_by.username) for e in entries] == [
        ("create", "staffer"),
        ("add Owner alice", "staffer"),
    ]
    assert not ProhibitedProjectName.objects.exists()
    assert logged(ProhibitedProjectName, DELETION) == [("wanted-name", "")]
    assert logged(Project, ADDITION) == [("wanted-name", "Released the prohibited name to alice.")]


def test_releasing_to_an_unknown_user_says_so(staff_client):
    prohibition = ProhibitedProjectName.objects.create(name="wanted")
    response = staff_client.post(f"{NAMES}{prohibition.pk}/release/", {"username": "nobody"})
    assert form_errors(response) == {"username": ["No account is named 'nobody'."]}
    assert ProhibitedProjectName.objects.exists()


def test_releasing_a_name_a_project_has_is_refused(staff_client):
    UserFactory(username="alice")
    ProjectFactory(name="Wanted")
    prohibition = ProhibitedProjectName.objects.create(name="wanted")
    response = staff_client.post(f"{NAMES}{prohibition.pk}/release/", {"username": "alice"})
    assert form_errors(response) == {
        "__all__": ["A project named 'wanted' exists: remove it before releasing its name."]
    }
    assert ProhibitedProjectName.objects.exists()
    assert not LogEntry.objects.exists()
    assert not Role.objects.exists()


def test_release_page_of_an_unknown_name_is_404(staff_client):
    assert staff_client.get(f"{NAMES}999/release/").status_code == 404


def test_the_name_pages_are_for_staff_only(client, staff_client):
    prohibition = ProhibitedProjectName.objects.create(name="wanted")
    for path in (f"{NAMES}bulk-add/", f"{NAMES}{prohibition.pk}/release/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


# Usernames ------------------------------------------------------------------------------------


def test_usernames_are_added_in_bulk_kept_lower_case(staff_client, staff):
    UserFactory(username="Ann")
    assert staff_client.get(f"{USERNAMES}add/").context["form"].fields["lines"].label == (
        "Usernames"
    )
    response = staff_client.post(
        f"{USERNAMES}add/", {"lines": "Root\nann\nROOT\n", "comment": "reserved"}, follow=True
    )
    assert response.redirect_chain == [(USERNAMES, 302)]
    assert messages_of(response) == [
        "Prohibited: root, ann.",
        "These accounts exist and keep their usernames: ann.",
    ]
    assert set(ProhibitedUserName.objects.values_list("name", "comment", "prohibited_by")) == {
        ("root", "reserved", staff.pk),
        ("ann", "reserved", staff.pk),
    }
    assert sorted(logged(ProhibitedUserName, ADDITION)) == [("ann", "Added."), ("root", "Added.")]


def test_bad_usernames_add_nothing(staff_client):
    response = staff_client.post(f"{USERNAMES}bulk-add/", {"lines": "fine\nno good\n"})
    assert form_errors(response) == {"lines": ["Line 2: 'no good' is not a valid username."]}
    assert not ProhibitedUserName.objects.exists()


def test_usernames_are_searched_in_any_case(staff_client):
    ProhibitedUserName.objects.create(name="root")
    found = staff_client.get(USERNAMES, {"q": "ROOT"}).context["cl"].result_list
    assert [p.name for p in found] == ["root"]


def test_a_prohibited_username_can_be_lifted(staff_client):
    row = ProhibitedUserName.objects.create(name="root")
    assert staff_client.post(f"{USERNAMES}{row.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ProhibitedUserName.objects.exists()


# Mail domains ---------------------------------------------------------------------------------


def test_domains_are_added_lower_case_without_at_sign(staff_client, staff):
    response = staff_client.post(
        f"{DOMAINS}add/", {"lines": "@Spam.Example\nmail.junk.test.\n", "comment": "spam"}
    )
    assert response.status_code == 302
    assert set(ProhibitedEmailDomain.objects.values_list("domain", "prohibited_by")) == {
        ("spam.example", staff.pk),
        ("mail.junk.test", staff.pk),
    }
    page = staff_client.get(DOMAINS)
    assert [d.domain for d in page.context["cl"].result_list] == ["mail.junk.test", "spam.example"]


def test_bad_domains_add_nothing(staff_client):
    response = staff_client.post(f"{DOMAINS}add/", {"lines": "fine.example\nlocalhost\n"})
    assert form_errors(response) == {
        "lines": ["Line 2: 'localhost' is not a mail domain such as example.com."]
    }
    assert not ProhibitedEmailDomain.objects.exists()


def test_a_prohibited_domain_can_be_lifted(staff_client):
    row = ProhibitedEmailDomain.objects.create(domain="spam.example")
    assert staff_client.post(f"{DOMAINS}{row.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ProhibitedEmailDomain.objects.exists()
