"""Security-history events read in words."""

from __future__ import annotations

from accounts.events import EventTag
from accounts.models.events import EVENT_LABELS


def test_every_event_the_site_records_has_words():
    assert {tag.value for tag in EventTag} == set(EVENT_LABELS)
