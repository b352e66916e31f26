from __future__ import annotations

import pytest

from accounts import ports
from packages.models import RoleName
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db


def test_projects_of_a_user_through_the_accounts_interface():
    user = UserFactory()
    b, a = ProjectFactory(name="b"), ProjectFactory(name="a")
    ProjectFactory(name="theirs")
    RoleFactory(user=user, project=b, role_name=RoleName.MAINTAINER)
    RoleFactory(user=user, project=a)
    assert [p.name for p in ports.projects_of(user)] == ["a", "b"]


def test_sole_owned_projects():
    user, other = UserFactory(), UserFactory()
    alone, shared, maintained = ProjectFactory(), ProjectFactory(), ProjectFactory()
    RoleFactory(user=user, project=alone)
    RoleFactory(user=user, project=shared)
    RoleFactory(user=other, project=shared)
    RoleFactory(user=user, project=maintained, role_name=RoleName.MAINTAINER)
    RoleFactory(user=other, project=maintained)
    assert ports.sole_owned(user) == [alone]
    assert ports.sole_owned(other) == [maintained]
