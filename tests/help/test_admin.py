"""Staff edit the Help in the admin: the pages load, an edit shows on the page at once, Markdown
is sanitised, and anchors stay valid and unique."""

from __future__ import annotations

import pytest
from django.urls import reverse

from help.models import HelpQuestion, HelpSection

from .pages import fetch

pytestmark = pytest.mark.django_db


def _question_form(row: HelpQuestion, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "section": row.section_id,
        "question": row.question,
        "anchor": row.anchor,
        "order": row.order,
        "answer": row.answer,
    }
    return {**data, **changes, "_save": "Save"}


def _section_form(section: HelpSection, **changes: object) -> dict[str, object]:
    """The section's change form with its inline questions, as the admin page posts it."""
    questions = list(section.questions.order_by("order", "pk"))
    data: dict[str, object] = {
        "title": section.title,
        "anchor": section.anchor,
        "order": section.order,
        "questions-TOTAL_FORMS": len(questions),
        "questions-INITIAL_FORMS": len(questions),
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for i, q in enumerate(questions):
        data |= {
            f"questions-{i}-id": q.pk,
            f"questions-{i}-section": section.pk,
            f"questions-{i}-order": q.order,
            f"questions-{i}-anchor": q.anchor,
            f"questions-{i}-question": q.question,
            f"questions-{i}-answer": q.answer,
        }
    return data | changes


def test_the_admin_pages_load(staff_client):
    section = HelpSection.objects.get(anchor="basics")
    question = HelpQuestion.objects.get(anchor="yanked")
    for url in (
        reverse("admin:help_helpsection_changelist"),
        reverse("admin:help_helpsection_changelist") + "?q=bandersnatch",
        reverse("admin:help_helpsection_change", args=[section.pk]),
        reverse("admin:help_helpsection_add"),
        reverse("admin:help_helpquestion_changelist"),
        reverse("admin:help_helpquestion_changelist") + f"?q=yank&section__id__exact={section.pk}",
        reverse("admin:help_helpquestion_change", args=[question.pk]),
        reverse("admin:help_helpquestion_add"),
    ):
        assert staff_client.get(url).status_code == 200, url


def test_the_admin_links_to_the_question_on_the_page(staff_client):
    question = HelpQuestion.objects.get(anchor="yanked")
    html = staff_client.get(
        reverse("admin:help_helpquestion_change", args=[question.pk])
    ).content.decode()
    assert 'href="/help/#yanked"' in html
    assert "{simple_url}" in html  # the placeholders are listed beside the answer
    changelist = staff_client.get(reverse("admin:help_helpsection_changelist")).content.decode()
    assert 'href="/help/#basics"' in changelist


def test_the_search_finds_answers(staff_client):
    response = staff_client.get(reverse("admin:help_helpquestion_changelist") + "?q=bandersnatch")
    assert [q.anchor for q in response.context["cl"].result_list] == ["mirroring"]


def test_an_edited_question_shows_the_edited_text(staff_client, client):
    question = HelpQuestion.objects.get(anchor="yanked")
    fetch(client)  # the page is cached before the edit
    response = staff_client.post(
        reverse("admin:help_helpquestion_change", args=[question.pk]),
        _question_form(
            question,
            question="What does yanking do here?",
            answer="Edited **by staff**.\r\n\r\nSee {simple_url} and {unknown}.",
        ),
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Edited **by staff**.\n\nSee {simple_url} and {unknown}."
    html = client.get(reverse("help:index")).content.decode()
    assert '<h3 id="yanked">What does yanking do here?</h3>' in html
    assert "<p>Edited <strong>by staff</strong>.</p>" in html
    assert "See http://testserver/simple/ and {unknown}." in html


def test_an_inline_edit_from_the_section_page(staff_client, client):
    section = HelpSection.objects.get(anchor="basics")
    response = staff_client.post(
        reverse("admin:help_helpsection_change", args=[section.pk]),
        _section_form(section, title="First steps", **{"questions-0-question": "Words?"}),
    )
    assert response.status_code == 302
    page = fetch(client)
    assert "First steps" in page.text
    assert "Words?" in page.text


def test_markdown_is_sanitised(staff_client, client):
    question = HelpQuestion.objects.get(anchor="yanked")
    staff_client.post(
        reverse("admin:help_helpquestion_change", args=[question.pk]),
        _question_form(
            question,
            answer=(
                "<script>alert('answer')</script>\n\n"
                "[click](javascript:alert('link'))\n\n"
                '<img src="x.png" onerror="alert(\'img\')">\n\n'
                "Still **here**."
            ),
        ),
    )
    html = client.get(reverse("help:index")).content.decode()
    assert "<strong>here</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert "alert(" not in html


@pytest.mark.parametrize(
    ("anchor", "error"),
    [
        ("yanked", "already exists"),
        ("basics", "A section or a question already uses this anchor."),
        ("top", "This anchor is used by the page itself."),
        ("with space", "Start with a letter"),
        ("1st", "Start with a letter"),
    ],
)
def test_anchors_stay_unique_and_valid(staff_client, anchor, error):
    question = HelpQuestion.objects.get(anchor="packages")
    response = staff_client.post(
        reverse("admin:help_helpquestion_change", args=[question.pk]),
        _question_form(question, anchor=anchor),
    )
    assert response.status_code == 200
    assert error in str(response.context["adminform"].form.errors["anchor"])
    question.refresh_from_db()
    assert question.anchor == "packages"


def test_a_new_question_appears_where_its_order_puts_it(staff_client, client):
    section = HelpSection.objects.get(anchor="basics")
    response = staff_client.post(
        reverse("admin:help_helpquestion_add"),
        {
            "section": section.pk,
            "question": "Where is the index?",
            "anchor": "where",
            "order": 15,
            "answer": "At {site_url}.",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    page = fetch(client)
    assert page.sections[0][1][:3] == ["packages", "where", "installing"]
    assert "At http://testserver." in page.text


def test_the_section_list_counts_questions_while_searching(staff_client):
    response = staff_client.get(reverse("admin:help_helpsection_changelist") + "?q=the")
    counts = {s.anchor: s.question_total for s in response.context["cl"].result_list}
    assert counts["basics"] == 5
    assert counts["my-account"] == 15
