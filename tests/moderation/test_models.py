from __future__ import annotations

import pytest

from moderation.models import AdminFlag
from pypi_site import switches

pytestmark = pytest.mark.django_db


def test_every_switch_has_a_row_created_off():
    ids = set(AdminFlag.objects.values_list("id", flat=True))
    assert {s.value for s in switches.Switch} <= ids
    assert not AdminFlag.objects.filter(enabled=True).exists()


@pytest.mark.parametrize("switch", list(switches.Switch), ids=lambda s: s.value)
def test_switches_read_the_admin_flags(switch):
    assert not switches.is_on(switch)
    AdminFlag.objects.filter(id=switch.value).update(enabled=True)
    assert switches.is_on(switch)
