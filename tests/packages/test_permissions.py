"""The permission table: Owners read and write a project's management pages, Maintainers read,
anyone else is refused; nobody writes to a project in quarantine."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from packages.models import LifecycleStatus, Project, RoleName
from packages.permissions import GRANTS, Permission, management_denial, role_of
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

NOT_A_COLLABORATOR = "You are not a collaborator on this project."
OWNERS_ONLY = "Only the project's Owners can do this."
QUARANTINED = "This project is in quarantine and cannot be modified."


@pytest.fixture
def project() -> Project:
    return ProjectFactory(name="sample")


def role_on(project: Project, role_name: RoleName | None):
    if role_name is None:
        return None
    return RoleFactory(project=project, role_name=role_name)


def test_the_table():
    assert GRANTS == {
        RoleName.OWNER: frozenset({Permission.READ, Permission.WRITE}),
        RoleName.MAINTAINER: frozenset({Permission.READ}),
    }


@pytest.mark.parametrize(
    ("role_name", "permission", "denial"),
    [
        (RoleName.OWNER, Permission.READ, None),
        (RoleName.OWNER, Permission.WRITE, None),
        (RoleName.MAINTAINER, Permission.READ, None),
        (RoleName.MAINTAINER, Permission.WRITE, OWNERS_ONLY),
        (None, Permission.READ, NOT_A_COLLABORATOR),
        (None, Permission.WRITE, NOT_A_COLLABORATOR),
    ],
)
def test_management_denial(project, role_name, permission, denial):
    assert management_denial(role_on(project, role_name), project, permission) == denial


@pytest.mark.parametrize(
    ("role_name", "permission", "denial"),
    [
        (RoleName.OWNER, Permission.READ, None),
        (RoleName.OWNER, Permission.WRITE, QUARANTINED),
        (RoleName.MAINTAINER, Permission.READ, None),
        (RoleName.MAINTAINER, Permission.WRITE, OWNERS_ONLY),
        (None, Permission.READ, NOT_A_COLLABORATOR),
        (None, Permission.WRITE, NOT_A_COLLABORATOR),
    ],
)
def test_nobody_writes_to_a_project_in_quarantine(project, role_name, permission, denial):
    project.lifecycle_status = LifecycleStatus.QUARANTINE_ENTER
    project.save(update_fields=["lifecycle_status"])

    assert management_denial(role_on(project, role_name), project, permission) == denial


@pytest.mark.parametrize(
    "status",
    [LifecycleStatus.QUARANTINE_EXIT, LifecycleStatus.ARCHIVED, LifecycleStatus.ARCHIVED_NOINDEX],
)
def test_an_owner_writes_to_a_project_released_from_quarantine_or_archived(project, status):
    # An archived project's Owner must be able to unarchive it.
    project.lifecycle_status = status
    project.save(update_fields=["lifecycle_status"])

    assert management_denial(role_on(project, RoleName.OWNER), project, Permission.WRITE) is None


def test_role_of_an_anonymous_visitor_is_none(project):
    RoleFactory(project=project)

    assert role_of(AnonymousUser(), project) is None


def test_role_of_a_collaborator(project):
    role = RoleFactory(project=project, role_name=RoleName.MAINTAINER)

    assert role_of(role.user, project) == role


def test_role_of_someone_else_is_none(project):
    RoleFactory(project=project)
    other = ProjectFactory(name="other")
    stranger = RoleFactory(project=other).user

    assert role_of(stranger, project) is None
    assert role_of(UserFactory(), project) is None
