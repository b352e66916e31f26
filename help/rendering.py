"""Turning the Help rows into the page: translation, placeholders, Markdown, and the cache.

For each row the page shows ``gettext(text)``: a seeded text nobody changed is found in the
translation catalogues, a text staff changed is not and is shown as written. Placeholders in
braces (``{simple_url}``) are then filled from ``placeholders()``; a name it does not know is
left as it is. Answers are Markdown, rendered and sanitised by readme_renderer (nh3).

The rendered sections are cached per language, under a key made of the rows' version (their
count and latest ``updated`` time, so any save or deletion changes it) and of the placeholder
values (settings).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

import readme_renderer.markdown
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from .html import accessible_code_blocks
from .models import HelpQuestion, HelpSection

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
CACHE_SECONDS = 3600  # also bounds how long a deploy with new translations shows old ones

# Placeholder name → URL name (and its arguments); the value is SITE_URL + the path. A name that
# does not resolve (its app is not installed, or the page does not exist yet) is left out, so
# its placeholder stays visible: the seeded texts use only those that resolve (a test checks).
URLS: dict[str, tuple[str, dict[str, str]]] = {
    "home_url": ("packages:home", {}),
    "simple_url": ("packages:simple-index", {}),
    "upload_url": ("packages:upload", {}),
    "xmlrpc_url": ("packages:xmlrpc", {}),
    "json_url": ("packages:json-project", {"name": "PROJECT"}),
    "json_release_url": ("packages:json-release", {"name": "PROJECT", "version": "VERSION"}),
    "rss_updates_url": ("packages:rss-updates", {}),
    "rss_packages_url": ("packages:rss-packages", {}),
    "rss_project_url": ("packages:rss-project", {"name": "PROJECT"}),
    "manage_api_url": ("packages:api-project", {"name": "PROJECT"}),
    "projects_url": ("packages:manage-projects", {}),
    "search_url": ("packages:search", {}),
    "stats_url": ("packages:stats", {}),
    "register_url": ("account_signup", {}),
    "reset_password_url": ("account_reset_password", {}),
    "account_url": ("accounts:manage", {}),
    "email_url": ("account_email", {}),
    "two_factor_url": ("accounts:two-factor-manage", {}),
    "tokens_url": ("accounts:tokens", {}),
    "token_api_url": ("accounts:api-tokens", {}),
    "history_url": ("accounts:history", {}),
    "delete_account_url": ("accounts:delete", {}),
}

# Every placeholder an answer may use (listed in the admin's help text).
PLACEHOLDER_NAMES: tuple[str, ...] = (
    "site_name",
    "site_url",
    *URLS,
    "contact",
    "file_limit_mib",
    "upload_cap_mib",
    "project_limit_gib",
    "description_limit_kib",
    "render_seconds",
    "invitation_hours",
    "sudo_minutes",
    "login_confirmation_minutes",
)


@dataclass(frozen=True)
class RenderedQuestion:
    anchor: str
    question: str
    answer: SafeString


@dataclass(frozen=True)
class RenderedSection:
    anchor: str
    title: str
    questions: tuple[RenderedQuestion, ...]


def _url(name: str, kwargs: dict[str, str]) -> str | None:
    try:
        return settings.SITE_URL + reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def _number(value: float) -> str:
    return f"{value:g}"


def contact() -> str:
    """Who to write to, as a Markdown phrase: the administrators, with the operator's address
    and support page from ``SUPPORT_EMAIL`` and ``SUPPORT_URL`` when they are set."""
    email = getattr(settings, "SUPPORT_EMAIL", "")
    url = getattr(settings, "SUPPORT_URL", "")
    if email and url:
        return gettext(
            "the administrators of this index at [{email}](mailto:{email}) or through "
            "[their support page]({url})"
        ).format(email=email, url=url)
    if email:
        return gettext("the administrators of this index at [{email}](mailto:{email})").format(
            email=email
        )
    if url:
        return gettext(
            "the administrators of this index through [their support page]({url})"
        ).format(url=url)
    return gettext("the administrators of this index")


def placeholders() -> dict[str, str]:
    """The fixed dictionary answers are filled from: addresses, limits and the contact."""
    values = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "contact": contact(),
        "file_limit_mib": _number(settings.UPLOAD_MAX_FILE_SIZE / 1024**2),
        "upload_cap_mib": _number(settings.UPLOAD_LIMIT_CAP / 1024**2),
        "project_limit_gib": _number(settings.UPLOAD_MAX_PROJECT_SIZE / 1024**3),
        "description_limit_kib": _number(settings.UPLOAD_MAX_DESCRIPTION_BYTES / 1024),
        "render_seconds": _number(settings.UPLOAD_DESCRIPTION_RENDER_SECONDS),
        "invitation_hours": str(settings.ROLE_INVITATION_HOURS),
        "sudo_minutes": _number(settings.SUDO_WINDOW_SECONDS / 60),
        "login_confirmation_minutes": _number(settings.LOGIN_CONFIRMATION_WINDOW_SECONDS / 60),
    }
    for key, (name, kwargs) in URLS.items():
        if (url := _url(name, kwargs)) is not None:
            values[key] = url
    return values


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` of ``values`` replaced; anything else in braces is kept."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def render_answer(markdown: str, values: Mapping[str, str]) -> SafeString:
    """An answer's HTML: filled, rendered as CommonMark (whose in-page links keep their
    anchors, unlike the GFM variant's) and sanitised by readme_renderer with nh3."""
    html = readme_renderer.markdown.render(fill(markdown, values), variant="CommonMark")
    html = accessible_code_blocks(html) if html else html
    return mark_safe(html or "")  # noqa: S308 - nh3 has sanitised it


def _build(values: Mapping[str, str]) -> list[RenderedSection]:
    questions = Prefetch("questions", queryset=HelpQuestion.objects.order_by("order", "pk"))
    return [
        RenderedSection(
            anchor=section.anchor,
            title=fill(gettext(section.title), values),
            questions=tuple(
                RenderedQuestion(
                    anchor=q.anchor,
                    question=fill(gettext(q.question), values),
                    answer=render_answer(gettext(q.answer), values),
                )
                for q in section.questions.all()
            ),
        )
        for section in HelpSection.objects.prefetch_related(questions)
    ]


def _version() -> str:
    """Changes whenever a row is saved (``updated``), added or deleted (the counts)."""
    row = HelpSection.objects.aggregate(
        section_count=Count("pk", distinct=True),
        question_count=Count("questions", distinct=True),
        section_updated=Max("updated"),
        question_updated=Max("questions__updated"),
    )
    return "|".join(str(row[key]) for key in sorted(row))


def page_sections() -> list[RenderedSection]:
    """The Help page's sections with their questions, rendered, from the cache when it can."""
    values = placeholders()
    digest = hashlib.blake2b(digest_size=16)
    digest.update(_version().encode())
    for key in sorted(values):
        digest.update(f"\0{key}={values[key]}".encode())
    key = f"help:page:{get_language()}:{digest.hexdigest()}"
    sections: list[RenderedSection] | None = cache.get(key)
    if sections is None:
        sections = _build(values)
        cache.set(key, sections, CACHE_SECONDS)
    return sections
