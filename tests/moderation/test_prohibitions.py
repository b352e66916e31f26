"""moderation.prohibitions: prohibiting names (one, or many with nothing half-added), lifting a
prohibition, and releasing a prohibited name to a user."""

from __future__ import annotations

import pytest

from help.links import help_url
from moderation import prohibitions
from moderation.models import (
    AdminFlag,
    ProhibitedEmailDomain,
    ProhibitedProjectName,
    ProhibitedUserName,
)
from moderation.prohibitions import InvalidLines
from packages.models import JournalEntry, Project, ProjectEvent, ProjectEventTag, Role, RoleName
from packages.services.events import Actor
from packages.services.refusals import Refused
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(staff) -> Actor:
    return Actor(user=staff, ip_address="192.0.2.1")


def switch_on(flag_id: str) -> None:
    AdminFlag.objects.update_or_create(id=flag_id, defaults={"enabled": True})


def journal_of(name: str) -> list[tuple[str, str | None]]:
    entries = JournalEntry.objects.filter(name=name).order_by("id")
    return [(e.action, e.submitted_by.username if e.submitted_by else None) for e in entries]


# One project name -----------------------------------------------------------------------------


def test_a_name_is_kept_normalised_with_its_author_and_comment(actor, staff):
    prohibition = prohibitions.prohibit_project_name("Foo_Bar.baz", actor=actor, comment="spam")
    assert (prohibition.name, prohibition.prohibited_by, prohibition.comment) == (
        "foo-bar-baz",
        staff,
        "spam",
    )


@pytest.mark.parametrize("name", ["-foo", "foo bar", "", "foo\n"], ids=repr)
def test_an_invalid_name_is_refused(actor, name):
    with pytest.raises(Refused) as refused:
        prohibitions.prohibit_project_name(name, actor=actor)
    assert (refused.value.status, refused.value.message) == (400, f"The name '{name}' is invalid.")
    assert not ProhibitedProjectName.objects.exists()


def test_prohibiting_twice_keeps_the_first_row(actor):
    first = prohibitions.prohibit_project_name("evil", actor=actor, comment="first")
    other = Actor(user=UserFactory())
    again = prohibitions.prohibit_project_name("EVIL", actor=other, comment="second")
    assert again.pk == first.pk
    assert (again.comment, again.prohibited_by) == ("first", actor.user)


def test_an_existing_project_stays_unless_removed(actor):
    ProjectFactory(name="Evil")
    prohibitions.prohibit_project_name("evil", actor=actor)
    assert Project.objects.filter(name="Evil").exists()


def test_removing_the_project_journals_it_by_the_staff_member(actor):
    RoleFactory(project=ProjectFactory(name="Evil"))
    prohibitions.prohibit_project_name("evil", actor=actor, remove_project=True)
    assert not Project.objects.exists()
    assert journal_of("Evil")[-1] == ("remove project", "staffer")
    assert ProhibitedProjectName.objects.filter(name="evil").exists()


def test_removal_refused_while_deletions_are_off_adds_nothing(actor):
    ProjectFactory(name="evil")
    switch_on("disallow-deletion")
    with pytest.raises(Refused) as refused:
        prohibitions.prohibit_project_name("evil", actor=actor, remove_project=True)
    assert refused.value.message == (
        f"Deletion is temporarily disabled. See {help_url('admin-intervention')} for more "
        "information."
    )
    assert Project.objects.filter(name="evil").exists()
    assert not ProhibitedProjectName.objects.exists()


# Many project names ---------------------------------------------------------------------------


def test_bulk_names_are_checked_line_by_line_and_nothing_is_half_added(actor):
    lines = ["good-one", "", "bad name", "  also-good  ", "-bad", "good-one"]
    with pytest.raises(InvalidLines) as invalid:
        prohibitions.prohibit_project_names(lines, actor=actor)
    assert invalid.value.errors == [
        (3, "The name 'bad name' is invalid."),
        (5, "The name '-bad' is invalid."),
    ]
    assert not ProhibitedProjectName.objects.exists()


def test_bulk_names_say_what_was_added_kept_and_already_there(actor):
    ProjectFactory(name="Taken_Name")
    prohibitions.prohibit_project_name("old", actor=actor)
    outcome = prohibitions.prohibit_project_names(
        ["New.One", "taken-name", "OLD", "new_one", ""], actor=actor, comment="batch"
    )
    assert outcome == prohibitions.Outcome(
        added=["new-one", "taken-name"], already=["old"], kept=["Taken_Name"], removed=[]
    )
    assert set(ProhibitedProjectName.objects.values_list("name", "comment")) == {
        ("new-one", "batch"),
        ("taken-name", "batch"),
        ("old", ""),
    }
    assert Project.objects.filter(name="Taken_Name").exists()


def test_bulk_names_may_remove_the_projects(actor):
    ProjectFactory(name="first")
    ProjectFactory(name="second")
    outcome = prohibitions.prohibit_project_names(
        ["first", "second", "third"], actor=actor, remove_projects=True
    )
    assert (outcome.removed, outcome.kept) == (["first", "second"], [])
    assert not Project.objects.exists()


def test_bulk_removal_refused_adds_nothing(actor):
    ProjectFactory(name="second")
    switch_on("disallow-deletion")
    with pytest.raises(Refused):
        prohibitions.prohibit_project_names(["first", "second"], actor=actor, remove_projects=True)
    assert not ProhibitedProjectName.objects.exists()
    assert Project.objects.filter(name="second").exists()


# Usernames and mail domains -------------------------------------------------------------------


def test_usernames_are_kept_lower_case_and_accounts_keep_theirs(actor):
    UserFactory(username="Existing")
    outcome = prohibitions.prohibit_user_names(["Admin", "existing", "ADMIN"], actor=actor)
    assert (outcome.added, outcome.kept) == (["admin", "existing"], ["existing"])
    assert set(ProhibitedUserName.objects.values_list("name", flat=True)) == {"admin", "existing"}


def test_invalid_usernames_add_nothing(actor):
    with pytest.raises(InvalidLines) as invalid:
        prohibitions.prohibit_user_names(["fine", "not fine", "x" * 51], actor=actor)
    assert invalid.value.errors == [
        (2, "'not fine' is not a valid username."),
        (3, f"'{'x' * 51}' is not a valid username."),
    ]
    assert not ProhibitedUserName.objects.exists()


def test_domains_are_kept_lower_case_without_at_sign(actor, staff):
    outcome = prohibitions.prohibit_email_domains(
        ["@Spam.Example", "mail.junk.test.", "bücher.example"], actor=actor, comment="spam"
    )
    assert outcome.added == ["spam.example", "mail.junk.test", "xn--bcher-kva.example"]
    row = ProhibitedEmailDomain.objects.get(domain="spam.example")
    assert (row.prohibited_by, row.comment) == (staff, "spam")


@pytest.mark.parametrize("domain", ["localhost", "spam..example", "-spam.example", "a b.example"])
def test_invalid_domains_add_nothing(actor, domain):
    with pytest.raises(InvalidLines) as invalid:
        prohibitions.prohibit_email_domains(["fine.example", domain], actor=actor)
    assert invalid.value.errors == [
        (2, f"'{domain}' is not a mail domain such as example.com."),
    ]
    assert not ProhibitedEmailDomain.objects.exists()


def test_lifting_a_prohibition(actor):
    prohibition = prohibitions.prohibit_project_name("evil", actor=actor)
    prohibitions.lift_prohibition(prohibition)
    assert not ProhibitedProjectName.objects.exists()


# Releasing a name to a user -------------------------------------------------------------------


def test_releasing_creates_the_project_with_its_owner_and_lifts_the_prohibition(actor):
    alice = UserFactory(username="alice")
    prohibition = prohibitions.prohibit_project_name("Wanted_Name", actor=actor)
    project = prohibitions.release_project_name(prohibition, to=alice, actor=actor)
    assert (project.name, project.normalized_name) == ("wanted-name", "wanted-name")
    assert list(Role.objects.values_list("project__name", "user__username", "role_name")) == [
        ("wanted-name", "alice", RoleName.OWNER)
    ]
    assert journal_of("wanted-name") == [("create", "staffer"), ("add Owner alice", "staffer")]
    events = ProjectEvent.objects.filter(project=project).order_by("id")
    assert [(e.tag, e.user.username, e.ip_address) for e in events] == [
        (ProjectEventTag.PROJECT_CREATE, "staffer", "192.0.2.1"),
        (ProjectEventTag.ROLE_ADD, "staffer", "192.0.2.1"),
    ]
    assert events[1].additional["target_user"] == "alice"
    assert Project.objects.get().last_serial == JournalEntry.objects.latest("id").id
    assert not ProhibitedProjectName.objects.exists()


def test_releasing_ignores_the_rules_that_guard_uploads(actor, settings):
    """Staff decide: neither the switch, the rate limit nor a too-similar name stops it."""
    switch_on("disallow-new-project-registration")
    settings.UPLOAD_NEW_PROJECTS_PER_USER_HOUR = 0
    ProjectFactory(name="f00")
    prohibition = prohibitions.prohibit_project_name("foo", actor=actor)
    prohibitions.release_project_name(prohibition, to=UserFactory(), actor=actor)
    assert Project.objects.filter(name="foo").exists()


def test_releasing_a_name_a_project_has_is_refused(actor):
    ProjectFactory(name="Evil")
    prohibition = prohibitions.prohibit_project_name("evil", actor=actor)
    with pytest.raises(Refused) as refused:
        prohibitions.release_project_name(prohibition, to=UserFactory(), actor=actor)
    assert (refused.value.status, refused.value.message) == (
        409,
        "A project named 'evil' exists: remove it before releasing its name.",
    )
    assert ProhibitedProjectName.objects.exists()


@pytest.mark.parametrize("state", ["frozen", "inactive"])
def test_releasing_to_a_frozen_or_inactive_account_is_refused(actor, state):
    user = UserFactory(username="bob", is_frozen=state == "frozen", is_active=state != "inactive")
    prohibition = prohibitions.prohibit_project_name("wanted", actor=actor)
    with pytest.raises(Refused) as refused:
        prohibitions.release_project_name(prohibition, to=user, actor=actor)
    assert refused.value.message == (
        "The account 'bob' is frozen or inactive: it cannot own a project."
    )
    assert not Project.objects.exists()
    assert ProhibitedProjectName.objects.exists()


def test_releasing_a_lifted_prohibition_is_refused(actor):
    prohibition = prohibitions.prohibit_project_name("wanted", actor=actor)
    ProhibitedProjectName.objects.all().delete()
    with pytest.raises(Refused) as refused:
        prohibitions.release_project_name(prohibition, to=UserFactory(), actor=actor)
    assert (refused.value.status, refused.value.message) == (
        409,
        "The name 'wanted' is no longer prohibited.",
    )
    assert not Project.objects.exists()
