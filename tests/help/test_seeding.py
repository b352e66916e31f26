"""The seed: the migration put every text of help/content.py in the database, and the helpers
later migrations use never overwrite what staff changed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

from help import content, seeding
from help.models import HelpQuestion, HelpSection

pytestmark = pytest.mark.django_db

CONTENT = Path(content.__file__)


def test_the_migration_seeded_every_section_and_question_in_order():
    sections = list(HelpSection.objects.all())
    assert [s.anchor for s in sections] == [s.anchor for s in content.SECTIONS]
    for row, section in zip(sections, content.SECTIONS, strict=True):
        assert row.title == section.title
        questions = list(row.questions.order_by("order"))
        assert [(q.anchor, q.question, q.answer) for q in questions] == [
            (q.anchor, q.question, q.answer) for q in section.questions
        ]
    assert HelpQuestion.objects.count() == 62


def test_anchors_are_unique_across_sections_and_questions():
    anchors = [s.anchor for s in content.SECTIONS] + [
        q.anchor for s in content.SECTIONS for q in s.questions
    ]
    assert len(anchors) == len(set(anchors))


def test_every_text_is_marked_for_translation():
    """Each title, question and answer is written as ``_("…")`` (gettext_noop), so that
    makemessages extracts it."""
    seen = 0
    for node in ast.walk(ast.parse(CONTENT.read_text())):
        kind = getattr(getattr(node, "func", None), "id", None)
        if isinstance(node, ast.Call) and kind in {"Section", "Question"}:
            texts = node.args[1:3] if kind == "Question" else node.args[1:2]
            for text in texts:
                assert isinstance(text, ast.Call) and getattr(text.func, "id", None) == "_"
                seen += 1
    assert seen == 8 + 2 * 62


def test_inserting_again_changes_nothing_staff_edited():
    question = HelpQuestion.objects.get(anchor="yanked")
    question.answer = "Our own words."
    question.save()
    HelpQuestion.objects.filter(anchor="ips").delete()
    assert seeding.insert(apps, anchors={"yanked", "mirroring"}) == []
    assert seeding.insert(apps, anchors={"ips"}) == ["ips"]
    question.refresh_from_db()
    assert question.answer == "Our own words."
    assert HelpQuestion.objects.get(anchor="ips").section.anchor == "about"


def test_inserting_recreates_a_missing_section_with_its_question():
    HelpSection.objects.filter(anchor="contact").delete()
    assert seeding.insert(apps, anchors={"contact-admins"}) == ["contact", "contact-admins"]
    assert HelpSection.objects.order_by("order").last().anchor == "contact"


def test_an_unchanged_text_is_replaced_and_an_edited_one_kept():
    seeded = HelpQuestion.objects.get(anchor="mirroring")
    before = seeded.updated
    old = seeded.answer.replace("\n", "\r\n")  # line endings do not count as an edit
    assert seeding.replace_if_unchanged(apps, "HelpQuestion", "mirroring", "answer", old, "New.")
    seeded.refresh_from_db()
    assert seeded.answer == "New."
    assert seeded.updated > before

    edited = HelpQuestion.objects.get(anchor="ips")
    edited.answer = "Ask the network team."
    edited.save()
    original = next(q.answer for s in content.SECTIONS for q in s.questions if q.anchor == "ips")
    assert not seeding.replace_if_unchanged(apps, "HelpQuestion", "ips", "answer", original, "X")
    assert not seeding.replace_if_unchanged(apps, "HelpQuestion", "gone", "answer", "", "X")
    edited.refresh_from_db()
    assert edited.answer == "Ask the network team."

    assert seeding.replace_if_unchanged(apps, "HelpSection", "about", "title", "About", "Us")
    assert HelpSection.objects.get(anchor="about").title == "Us"
