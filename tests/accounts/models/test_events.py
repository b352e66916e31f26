"""Security-history events read in words."""

from __future__ import annotations

import pytest

from accounts.events import EventTag
from accounts.models import UserEvent
from accounts.models.events import EventTag as ModelEventTag


def test_one_list_of_tags():
    assert EventTag is ModelEventTag
    assert UserEvent._meta.get_field("tag").choices == EventTag.choices


def test_every_tag_has_words():
    for tag in EventTag:
        assert tag.label and tag.label != tag.value


def test_freezing_tags():
    assert EventTag.ACCOUNT_FROZEN == "account:frozen"
    assert EventTag.ACCOUNT_FROZEN.label == "Account frozen by an administrator"
    assert EventTag.ACCOUNT_UNFROZEN == "account:unfrozen"
    assert EventTag.ACCOUNT_UNFROZEN.label == "Account unfrozen by an administrator"


@pytest.mark.parametrize(
    ("tag", "label"),
    [
        ("account:password:change", "Password changed"),
        ("account:from-a-later-version", "account:from-a-later-version"),
    ],
)
def test_an_event_reads_its_label(tag, label):
    assert UserEvent(tag=tag).label == label
