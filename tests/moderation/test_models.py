from __future__ import annotations

import pytest

from accounts import ports
from moderation.models import AdminFlag

pytestmark = pytest.mark.django_db


def test_every_switch_has_a_row_created_off():
    ids = set(AdminFlag.objects.values_list("id", flat=True))
    assert {s.value for s in ports.Switch} <= ids
    assert not AdminFlag.objects.filter(enabled=True).exists()


@pytest.mark.parametrize("switch", list(ports.Switch), ids=lambda s: s.value)
def test_switches_read_the_admin_flags(switch):
    assert not ports.is_on(switch)
    AdminFlag.objects.filter(id=switch.value).update(enabled=True)
    assert ports.is_on(switch)


def test_switch_descriptions_are_written_for_visitors():
    """Each description is the banner visitors read while its switch notifies."""
    descriptions = dict(AdminFlag.objects.values_list("id", "description"))
    assert "read-only mode" in descriptions["read-only"]
    assert all("temporarily disabled" in text for text in descriptions.values())
