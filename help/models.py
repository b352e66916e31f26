"""The Help page's sections and questions, as rows that staff edit in the admin.

The rows are seeded from ``help/content.py`` (English, marked for translation); the page shows
``gettext(text)`` of each row, so a text nobody changed is translated and a text staff changed
is shown as written. See docs/help.md.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# ids the page itself uses (base.html's main, the top of the page, the table of contents).
RESERVED_ANCHORS = frozenset({"content", "top", "contents"})

anchor_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_-]*\Z",
    _("Start with a letter; then use only letters, digits, hyphens and underscores."),
)
ANCHOR_HELP = _(
    "The fragment after /help/# that links to this entry. Messages, mail and other pages link "
    "to these: do not change the anchor of an existing entry."
)


def _normalise_newlines(text: str) -> str:
    """Browsers send CRLF from text areas; the seeded texts (and gettext's keys) use LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_anchor(anchor: str, other: type[models.Model]) -> None:
    if anchor in RESERVED_ANCHORS:
        raise ValidationError({"anchor": _("This anchor is used by the page itself.")})
    if other._default_manager.filter(anchor=anchor).exists():
        raise ValidationError({"anchor": _("A section or a question already uses this anchor.")})


class HelpSection(models.Model):
    anchor = models.CharField(
        _("anchor"),
        max_length=100,
        unique=True,
        validators=[anchor_validator],
        help_text=ANCHOR_HELP,
    )
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Sections are shown in increasing order.")
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("Help section")
        verbose_name_plural = _("Help sections")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{reverse('help:index')}#{self.anchor}"

    def clean(self) -> None:
        _check_anchor(self.anchor, HelpQuestion)


class HelpQuestion(models.Model):
    section = models.ForeignKey(
        HelpSection, on_delete=models.CASCADE, related_name="questions", verbose_name=_("section")
    )
    anchor = models.CharField(
        _("anchor"),
        max_length=100,
        unique=True,
        validators=[anchor_validator],
        help_text=ANCHOR_HELP,
    )
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), help_text=_("Markdown (CommonMark)."))
    order = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Questions are shown in increasing order.")
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("Help question")
        verbose_name_plural = _("Help questions")

    def __str__(self) -> str:
        return self.question

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.answer = _normalise_newlines(self.answer)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{reverse('help:index')}#{self.anchor}"

    def clean(self) -> None:
        _check_anchor(self.anchor, HelpSection)
