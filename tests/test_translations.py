"""The German and French catalogues are complete, current and compiled.

- every message the source marks for translation is in each catalogue, translated and not
  fuzzy: ``makemessages`` is run on a copy of the source (so the repository is never
  written) and the refreshed catalogue must have no untranslated or fuzzy entry;
- the committed ``.mo`` files are what ``msgfmt`` makes of the committed ``.po`` files;
- a page asked for in German or French comes back in that language.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ["de", "fr"]
SOURCES = ["accounts", "packages", "help", "moderation", "pypi_site", "templates", "manage.py"]
IGNORED = ["--ignore=__pycache__", "--ignore=migrations/*"]


def catalogue(root: Path, language: str) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def entries(po: Path, *flags: str) -> list[str]:
    """The msgids ``msgattrib`` selects with ``flags`` (header excluded)."""
    done = subprocess.run(
        ["msgattrib", *flags, "--no-wrap", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    ids = [line for line in done.stdout.splitlines() if line.startswith("msgid ")]
    return [i for i in ids if i != 'msgid ""']


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source with its catalogues refreshed by ``makemessages``."""
    root = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    shutil.copytree(REPO / "locale", root / "locale")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            *(f"-l{lang}" for lang in LANGUAGES),
            "--no-obsolete",
            *IGNORED,
        ],
        cwd=root,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "pypi_site.settings.base"},
    )
    return root


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_message_is_translated(refreshed: Path, language: str) -> None:
    po = catalogue(refreshed, language)
    assert entries(po, "--untranslated") == []
    assert entries(po, "--only-fuzzy") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalogue_is_the_current_one(refreshed: Path, language: str) -> None:
    """No message was added, changed or removed in the source since ``makemessages`` ran."""
    committed = set(entries(catalogue(REPO, language)))
    current = set(entries(catalogue(refreshed, language)))
    assert sorted(current - committed) == []
    assert sorted(committed - current) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language: str, tmp_path: Path) -> None:
    po = catalogue(REPO, language)
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
    assert compiled.read_bytes() == po.with_suffix(".mo").read_bytes()


def test_the_site_offers_three_languages() -> None:
    assert [code for code, _ in settings.LANGUAGES] == ["en", "de", "fr"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("de", ["Hilfe", "Anmelden"]), ("fr", ["Aide", "Se connecter"])],
)
def test_pages_come_in_the_language_asked_for(client, language: str, words: list[str]) -> None:
    page = client.get("/help/", HTTP_ACCEPT_LANGUAGE=language)
    assert page["Content-Language"] == language
    text = page.content.decode()
    assert f'<html lang="{language}"' in text
    for word in words:
        assert word in text


@pytest.mark.django_db
def test_the_switcher_sets_the_language_and_returns_to_the_page(client) -> None:
    response = client.post("/locale/", {"language": "fr", "next": "/help/"})
    assert response.status_code == 302
    assert response["Location"] == "/help/"
    page = client.get("/help/", HTTP_ACCEPT_LANGUAGE="de")
    assert page["Content-Language"] == "fr"


@pytest.mark.django_db
def test_the_apis_answer_the_same_in_every_language(client) -> None:
    english = client.get("/simple/", HTTP_ACCEPT_LANGUAGE="en")
    german = client.get("/simple/", HTTP_ACCEPT_LANGUAGE="de")
    assert english.getvalue() == german.getvalue()
    assert "Content-Language" not in german
    assert "accept-language" not in german.get("Vary", "").lower()
