"""The form anyone signed in fills to report a project."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReportKind

SUMMARY_MAX = 2000
EVIDENCE_MAX = 10_000


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is wrong with the project?"),
        choices=ReportKind.choices,
        initial=ReportKind.MALWARE,
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        help_text=_("In a few sentences: what the project does that it should not."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = forms.CharField(
        label=_("Evidence (optional)"),
        required=False,
        max_length=EVIDENCE_MAX,
        help_text=_(
            "Where to look: links, the names of the files and the lines of code concerned. "
            "Do not paste the malicious code itself if a file name and a line number will do."
        ),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
