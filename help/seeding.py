"""Writing ``help/content.py`` into the database, from data migrations, never over staff edits.

Each function takes the migration's ``apps`` registry, so it works on the historical models.
They change only what they are told to: ``insert`` adds the rows that do not exist yet (by
anchor) and leaves every existing row alone; ``replace_if_unchanged`` changes one text only if
it is still exactly the text an earlier release seeded. See docs/help.md.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from . import content

ORDER_STEP = 10  # room to insert rows between seeded ones


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def insert(apps: Any, anchors: Collection[str] | None = None) -> list[str]:
    """Create the sections and questions of ``content.SECTIONS`` that are missing, placed by
    their position in the module; only those in ``anchors`` when it is given (a question's
    section is created too when it is missing). Returns the anchors created."""
    section_model = apps.get_model("help", "HelpSection")
    question_model = apps.get_model("help", "HelpQuestion")
    created: list[str] = []
    for s_index, section in enumerate(content.SECTIONS, start=1):
        wanted = [
            (q_index, q)
            for q_index, q in enumerate(section.questions, start=1)
            if anchors is None or q.anchor in anchors
        ]
        if not wanted and not (anchors is None or section.anchor in anchors):
            continue
        row, new = section_model.objects.get_or_create(
            anchor=section.anchor,
            defaults={"title": section.title, "order": s_index * ORDER_STEP},
        )
        if new:
            created.append(section.anchor)
        for q_index, question in wanted:
            _, new = question_model.objects.get_or_create(
                anchor=question.anchor,
                defaults={
                    "section": row,
                    "question": question.question,
                    "answer": question.answer,
                    "order": q_index * ORDER_STEP,
                },
            )
            if new:
                created.append(question.anchor)
    return created


def replace_if_unchanged(
    apps: Any, model: str, anchor: str, field: str, old: str, new: str
) -> bool:
    """Set ``field`` of the ``model`` row ``anchor`` to ``new`` if it still holds ``old`` (line
    endings aside); a row staff edited, or deleted, is left as it is. True if it was changed.
    Saved with ``save()`` so that its ``updated`` time moves and the cached page is rebuilt."""
    row = apps.get_model("help", model).objects.filter(anchor=anchor).first()
    if row is None or _normalise(getattr(row, field)) != _normalise(old):
        return False
    setattr(row, field, new)
    row.save(update_fields=[field, "updated"])
    return True
