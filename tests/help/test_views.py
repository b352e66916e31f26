"""The Help page (``/help/``): every question of the public index's Help in its sections and
order, with the same anchors; every anchor the site links to; filled placeholders; a constant
number of queries; the cache."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from help import rendering
from help.models import HelpQuestion, HelpSection

from .pages import fetch

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {"var", "test-artifacts", "node_modules", "__pycache__", "build", "dist"}

# The sections of the public index's Help page, in its order, each with its questions' anchors
# in its order (a copy, as data: the repository depends on no outside file). This index's page
# may hold more; these must all be there, in these sections and in this order.
REFERENCE: dict[str, list[str]] = {
    "basics": ["packages", "installing", "publishing", "trove-classifier", "yanked"],
    "my-account": [
        "verified-email",
        "compromised-password",
        "suspicious-activity",
        "compromised-token",
        "twofa",
        "totp",
        "utfkey",
        "utfdevices",
        "recoverycodes",
        "apitoken",
        "sensitiveactions",
        "username-change",
        "trusted-publishers",
    ],
    "integrating": [
        "APIs",
        "mirroring",
        "project-release-notifications",
        "statistics",
        "verify-hashes",
    ],
    "administration": [
        "private-indices",
        "project-name",
        "project-name-claim",
        "collaborator-roles",
        "request-ownership",
        "description-content-type",
        "file-size-limit",
        "project-size-limit",
        "vulnerability-data",
        "deletion",
    ],
    "troubleshooting": [
        "description-render-failure",
        "uploading",
        "login-problem",
        "account-recovery",
        "invalid-auth",
        "tls-deprecation",
        "accessibility",
        "admin-intervention",
        "file-name-reuse",
        "new-classifier",
        "feedback",
        "totp_trouble",
        "project_in_quarantine",
    ],
    "about": [
        "maintainers",
        "sponsors",
        "availability",
        "contributing",
        "upcoming-changes",
        "ips",
        "beta-badge",
        "pronunciation",
    ],
}

HELP_URL_CALL = re.compile(r"""help_url\(\s*["']([^"']+)["']""")
TEMPLATE_LINK = re.compile(r"""\{%\s*url\s+["']help:index["']\s*%\}#([\w-]+)""")
PATH_LINK = re.compile(r"/help/#([\w-]+)")
DOC_LINK = re.compile(r"<help>#([\w-]+)")  # docs/upload.md's shorthand for the Help's address


def _source_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if any(p.startswith(".") or p in SKIPPED_DIRS or p.endswith(".egg-info") for p in parts):
            continue
        if path.suffix in (".py", ".html", ".txt", ".md") and path.is_file():
            found.append(path)
    return found


def linked_anchors() -> dict[str, set[str]]:
    """Every Help anchor the source tree links to, with the files that do: the calls of
    ``help_url`` with a literal anchor, the ``{% url %}`` of the Help followed by an anchor in
    templates, the Help's path with an anchor anywhere, and the documentation's shorthand."""
    anchors: dict[str, set[str]] = {}
    for path in _source_files():
        text = path.read_text(errors="replace")
        patterns = [PATH_LINK]
        if path.suffix == ".py":
            patterns.append(HELP_URL_CALL)
        if path.suffix in (".html", ".txt"):
            patterns.append(TEMPLATE_LINK)
        if path.suffix == ".md":
            patterns.append(DOC_LINK)
        for pattern in patterns:
            for anchor in pattern.findall(text):
                anchors.setdefault(anchor, set()).add(str(path.relative_to(ROOT)))
    return anchors


def test_title_is_short(client, settings):
    assert fetch(client).title.strip() == f"Help · {settings.SITE_NAME}"


def test_ids_are_unique(client):
    duplicates = [id_ for id_, count in Counter(fetch(client).ids).items() if count > 1]
    assert duplicates == []


def test_every_question_of_the_reference_has_its_anchor(client):
    ids = set(fetch(client).ids)
    expected = set(REFERENCE) | {a for anchors in REFERENCE.values() for a in anchors}
    assert sorted(expected - ids) == []


def test_sections_and_questions_keep_the_reference_order(client):
    sections = fetch(client).sections
    assert [s for s, _ in sections if s in REFERENCE] == list(REFERENCE)
    for section, questions in sections:
        if section in REFERENCE:
            assert [q for q in questions if q in REFERENCE[section]] == REFERENCE[section]


def test_the_table_of_contents_links_every_section_and_question(client):
    page = fetch(client)
    listed = [section for section, _ in page.sections] + [
        q for _, questions in page.sections for q in questions
    ]
    assert len(listed) == 8 + 62
    assert {f"#{anchor}" for anchor in listed} <= set(page.links)
    assert "#top" in page.links and "top" in page.ids


def test_the_scan_finds_the_links():
    anchors = linked_anchors()
    # One of each kind: a help_url() call, a template's {% url %}, a path, the docs' shorthand.
    assert "packages/upload/files.py" in anchors["file-name-reuse"]
    assert "templates/accounts/login/confirm_login.html" in anchors["unrecognized_login"]
    assert "tests/packages/upload/test_archive.py" in anchors["file-validity"]
    assert "docs/upload.md" in anchors["admin-intervention"]


def test_every_linked_anchor_exists(client):
    ids = set(fetch(client).ids)
    missing = {anchor: sorted(files) for anchor, files in linked_anchors().items()}
    assert {a: files for a, files in missing.items() if a not in ids} == {}


def test_every_in_page_link_has_its_target(client):
    page = fetch(client)
    targets = {link[1:] for link in page.links if link.startswith("#")}
    assert sorted(targets - set(page.ids)) == []


def test_no_placeholder_is_left(client):
    page = fetch(client)
    assert re.findall(r"\{[a-z_]+\}", page.text) == []
    # Code blocks are highlighted (a brace and the name end up in different elements): check
    # every answer as it is filled, before Markdown.
    values = rendering.placeholders()
    for question in HelpQuestion.objects.all():
        filled = rendering.fill(question.answer, values)
        assert re.findall(r"\{[a-z_]+\}", filled) == [], question.anchor


def test_the_page_gives_this_sites_addresses_and_limits(client, settings):
    settings.SITE_URL = "https://index.example"
    settings.UPLOAD_MAX_FILE_SIZE = 300 * 1024 * 1024
    settings.ROLE_INVITATION_HOURS = 48
    html = client.get(reverse("help:index")).content.decode()
    assert "https://index.example/simple/" in html
    assert "https://index.example/legacy/" in html
    assert "https://index.example/pypi/PROJECT/json" in html
    assert "https://index.example/rss/project/PROJECT/releases.xml" in html
    assert 'href="https://index.example/manage/account/token/"' in html
    assert "300 MiB" in html
    assert "valid for 48 hours" in html


def test_the_contact_comes_from_the_settings(client, settings):
    html = client.get(reverse("help:index")).content.decode()
    assert "the administrators of this index" in html
    assert "mailto:" not in html
    settings.SUPPORT_EMAIL = "help@index.example"
    settings.SUPPORT_URL = "https://support.index.example/"
    html = client.get(reverse("help:index")).content.decode()
    assert 'href="mailto:help@index.example"' in html
    assert 'href="https://support.index.example/"' in html


def test_the_page_works_without_javascript(client):
    assert b"<script" not in client.get(reverse("help:index")).content


def test_queries_are_few_and_constant(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the version, then sections and questions
        client.get(reverse("help:index"))
    with django_assert_max_num_queries(1):  # cached: the version only
        client.get(reverse("help:index"))
    section = HelpSection.objects.create(anchor="more", title="More", order=1000)
    for n in range(30):
        HelpQuestion.objects.create(section=section, anchor=f"q{n}", question="Q?", answer="A.")
    with django_assert_max_num_queries(3):
        client.get(reverse("help:index"))


def test_a_saved_row_replaces_the_cached_page(client):
    assert "Rewritten by staff" not in fetch(client).text
    question = HelpQuestion.objects.get(anchor="yanked")
    question.answer = "Rewritten by staff."
    question.save()
    assert "Rewritten by staff." in fetch(client).text
    question.delete()
    assert "yanked" not in fetch(client).ids


def test_seeded_texts_are_translated_and_edited_ones_shown_as_written(client, monkeypatch):
    catalogue = {"Basics": "Grundlagen", "My account": "Mein Konto"}
    section = HelpSection.objects.get(anchor="my-account")
    section.title = "Your account"  # staff changed it: no translation matches any more
    section.save()
    monkeypatch.setattr(rendering, "gettext", lambda text: catalogue.get(text, text))
    text = fetch(client).text
    assert "Grundlagen" in text
    assert "Your account" in text and "Mein Konto" not in text


def test_the_page_is_cached_per_language(monkeypatch):
    english = rendering.page_sections()
    monkeypatch.setattr(
        rendering, "gettext", lambda text: "Grundlagen" if text == "Basics" else text
    )
    assert rendering.page_sections()[0].title == english[0].title == "Basics"  # the cache
    with translation.override("de"):
        assert rendering.page_sections()[0].title == "Grundlagen"
