"""The project and release pages: header, sections, sidebar, banners (``/project/<name>/``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from packages.models import Description, LifecycleStatus, Project, Release
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, RoleFactory

from .helpers import get, release, text

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static"


@pytest.fixture
def history() -> Project:
    """``sample``: 0.9 (yanked), 1.0, 1.1, 2.0b1 (pre-release), dated a day apart."""
    project = release("sample", "1.0").project
    release(project, "0.9", yanked=True, yanked_reason="Broken wheel")
    release(project, "2.0b1")
    release(project, "1.1", summary="The one to install")
    for day, version in enumerate(("0.9", "1.0", "1.1", "2.0b1"), start=1):
        Release.objects.filter(project=project, version=version).update(
            created=datetime(2024, 3, day, 12, 0, tzinfo=UTC)
        )
    return project


# Header ------------------------------------------------------------------------------------------


def test_header_has_name_version_summary_date_and_install_command(client, history):
    page = get(client, "/project/sample/")

    header = page.select_one(".project-header")
    assert text(header.h1) == "sample 1.1"
    assert text(header.select_one(".project-summary")) == "The one to install"
    assert header.select_one(".released-on time")["datetime"].startswith("2024-03-03T12:00")
    assert "Latest version" in text(header.select_one(".latest-note"))
    field = header.select_one(".copy-field input#install-command")
    assert field.has_attr("readonly")
    assert field["value"] == "pip install sample"
    assert header.select_one('label[for="install-command"]')
    assert "pip install sample==1.1" in text(header.select_one(".pinned-command"))


def test_an_older_release_links_to_the_newer_one(client, history):
    page = get(client, "/project/sample/1.0/")

    header = page.select_one(".project-header")
    assert text(header.h1) == "sample 1.0"
    newer = header.select_one("a.newer-version")
    assert text(newer) == "Newer version available (1.1)"
    assert newer["href"] == "/project/sample/1.1/"
    assert header.select_one("#install-command")["value"] == "pip install sample==1.0"
    assert not header.select_one(".pinned-command")
    assert not header.select_one(".badge-latest")


def test_a_pre_release_has_a_badge_and_a_banner(client, history):
    page = get(client, "/project/sample/2.0b1/")

    header = page.select_one(".project-header")
    assert header.select_one(".status-badges .badge-prerelease")
    assert not header.select_one("a.newer-version")  # 1.1 is the latest, but not newer
    assert header.select_one(".latest-note a")["href"] == "/project/sample/1.1/"
    banner = page.select_one(".banner-info")
    assert "This is a pre-release." in text(banner)
    assert "pip install --pre sample" in text(banner)
    assert header.select_one("#install-command")["value"] == "pip install sample==2.0b1"


def test_only_pre_releases_the_newest_is_the_latest(client):
    release("early", "0.1a1")
    release("early", "0.1b1")

    page = get(client, "/project/early/")

    assert text(page.h1) == "early 0.1b1"
    assert page.select_one(".project-header .badge-latest")
    assert page.select_one("#install-command")["value"] == "pip install early"


def test_the_copy_button_is_a_static_script_and_hidden_without_it(client, history):
    response = client.get("/project/sample/")
    page = get(client, "/project/sample/")

    button = page.select_one(".copy-field button[data-copy]")
    assert button["data-copy"] == "install-command"
    assert button.has_attr("hidden")
    assert button["type"] == "button"
    assert page.select_one("[data-copy-status][role=status]")
    scripts = page.find_all("script")
    assert [s["src"] for s in scripts] == ["/static/js/copy.js"]
    assert all(not s.string for s in scripts)
    assert not page.select("[style]")
    assert not any(a for tag in page.find_all(True) for a in tag.attrs if a.startswith("on"))
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy
    assert (STATIC / "js" / "copy.js").is_file()
    served = client.get("/static/js/copy.js")
    try:
        assert served.status_code == 200
        assert b"data-copy" in b"".join(served.streaming_content)
    finally:
        served.close()


# Sections ----------------------------------------------------------------------------------------


def test_section_navigation_comes_first_and_names_each_section(client, history):
    page = get(client, "/project/sample/")

    layout = page.select_one(".project-layout")
    nav, main, facts = layout.find_all(recursive=False)
    assert nav.name == "nav" and "sidebar" in nav["class"]
    assert "main-column" in main["class"]
    assert facts.name == "aside" and "sidebar" in facts["class"]
    assert [a["href"] for a in nav.find_all("a")] == [
        "#description",
        "#history",
        "#files",
        "#used-by",
    ]
    assert [s["id"] for s in main.find_all("section", recursive=False)] == [
        "description",
        "history",
        "files",
        "used-by",
    ]
    assert not nav.select("[aria-current]")  # all on one page; CSS marks the :target


def test_description_is_the_stored_html(client):
    made = release("described", "1.0")
    Description.objects.create(
        release=made, html='<h2>Usage</h2><pre lang="python"><code>x = 1</code></pre>'
    )
    release("bare", "1.0")

    described = get(client, "/project/described/").find(id="description")
    bare = get(client, "/project/bare/").find(id="description")

    assert described.h2.get_text() == "Project description"
    # Shown as stored, its code block made keyboard-scrollable (help.html).
    assert str(described.find("pre")) == (
        '<pre data-lang="python" tabindex="0"><code>x = 1</code></pre>'
    )
    assert "has not provided a project description" in text(bare)


def test_history_lists_every_release_newest_first_with_badges(client, history):
    page = get(client, "/project/sample/1.0/")

    entries = page.select("#history ol.release-history > li")
    versions = [text(e.select_one(".release-version")) for e in entries]
    assert versions == ["2.0b1", "1.1", "1.0", "0.9"]
    by_version = dict(zip(versions, entries, strict=True))
    assert by_version["2.0b1"].select_one(".badge-prerelease")
    assert by_version["1.1"].select_one(".badge-latest")
    assert not by_version["2.0b1"].select_one(".badge-latest")
    current = by_version["1.0"]
    assert "is-current" in current["class"]
    assert current.a["aria-current"] == "page"
    assert current.select_one(".badge-current")
    assert [e.a.get("aria-current") for e in entries].count("page") == 1
    yanked = by_version["0.9"]
    assert yanked.select_one(".badge-yanked")
    assert "Reason: Broken wheel" in text(yanked.select_one(".release-note"))
    assert yanked.a["href"] == "/project/sample/0.9/"
    assert current.time["datetime"].startswith("2024-03-02")
    rss = page.select_one("#history .section-note a")["href"]
    assert rss == "/rss/project/sample/releases.xml"


def test_history_escapes_what_uploaders_wrote(client):
    release("escaped", "1.0", yanked=True, yanked_reason='<img src=x onerror="alert(1)">')
    release("escaped", "2.0")

    response = client.get("/project/escaped/")
    page = get(client, "/project/escaped/")

    note = page.select_one("#history .release-note")
    assert text(note) == 'Reason: <img src=x onerror="alert(1)">'
    assert not page.select("#history img")
    assert b"&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in response.content


def test_files_source_first_then_wheels_in_natural_order(client):
    made = release("files", "1.0")
    for tag in ("cp310-cp310-win_amd64", "cp39-cp39-win_amd64", "py3-none-any"):
        FileFactory(release=made, filename=f"files-1.0-{tag}.whl", python_version=tag[:5])
    FileFactory(
        release=made,
        filename="files-1.0.tar.gz",
        packagetype="sdist",
        python_version="source",
        size=2_500_000,
    )

    section = get(client, "/project/files/").find(id="files")

    headings = [text(h) for h in section.find_all("h3")]
    assert headings == ["Source distribution", "Built distributions"]
    source, built = section.select("ul.file-list")
    assert [text(li.select_one(".filename")) for li in source.find_all("li")] == [
        "files-1.0.tar.gz"
    ]
    assert [text(li.select_one(".filename")) for li in built.find_all("li")] == [
        "files-1.0-cp39-cp39-win_amd64.whl",
        "files-1.0-cp310-cp310-win_amd64.whl",
        "files-1.0-py3-none-any.whl",
    ]
    sdist = source.li
    assert "2.4 MB" in text(sdist.select_one(".file-meta"))
    assert "Source" in text(sdist.select_one(".file-meta"))
    assert sdist.select_one(".file-meta time")["datetime"]
    assert sdist.select_one(".filename a")["href"].startswith("http://testserver/packages/")


def test_hashes_are_behind_a_disclosure(client):
    file = FileFactory(release=release("hashed", "1.0"))

    card = get(client, "/project/hashed/").select_one("#files .file-card")

    details = card.select_one("details.hashes")
    assert not details.has_attr("open")
    assert text(details.summary) == "View hashes"
    pairs = dict(
        zip(
            [text(dt) for dt in details.find_all("dt")],
            [text(dd) for dd in details.find_all("dd")],
            strict=True,
        )
    )
    assert pairs == {
        "SHA256": file.sha256_digest,
        "MD5": file.md5_digest,
        "BLAKE2b-256": file.blake2_256_digest,
    }
    assert details.select_one('a[href="/help/#verify-hashes"]')


def test_a_release_without_files_says_so(client):
    release("empty", "1.0")

    section = get(client, "/project/empty/").find(id="files")

    assert "No files have been uploaded for this release." in text(section)


# Sidebar -----------------------------------------------------------------------------------------


def test_project_links_are_marked_verified_or_unverified(client):
    made = release(
        "Linked_Pkg",
        "1.0",
        home_page="http://testserver/project/linked-pkg",
        download_url="https://example.com/download",
    )
    for name, url in [
        ("Source", "https://github.com/example/linked"),
        ("Documentation", "http://testserver/project/Linked_Pkg/"),
        ("Elsewhere", "http://testserver/project/other-pkg/"),
        ("Tracker", "javascript:alert(1)"),
    ]:
        made.project_urls.create(name=name, url=url)

    links = get(client, "/project/Linked_Pkg/").select(".project-links li")

    shown = {
        text(li.select_one("a, span:not(.link-status)")): (
            li.a["href"] if li.a else None,
            "link-verified" in li.select_one(".link-status")["class"],
        )
        for li in links
    }
    assert shown == {
        "Homepage": ("http://testserver/project/linked-pkg", True),
        "Download": ("https://example.com/download", False),
        "Source": ("https://github.com/example/linked", False),
        "Documentation": ("http://testserver/project/Linked_Pkg/", True),
        "Elsewhere": ("http://testserver/project/other-pkg/", False),
        "Tracker": (None, False),  # not http(s): text, never a link
    }
    for li in links:
        assert li.select_one(".link-status")["title"]
        assert text(li.select_one(".link-status")) in ("verified", "unverified")
    assert all("nofollow" in li.a["rel"] for li in links if li.a)


def meta(page) -> dict[str, str]:
    facts = page.select_one("dl.project-meta")
    return dict(
        zip(
            [text(dt) for dt in facts.find_all("dt")],
            [text(dd) for dd in facts.find_all("dd")],
            strict=True,
        )
    )


def test_meta_license_author_requires_python_and_status(client):
    made = release(
        "meta",
        "1.0",
        license_expression="MIT OR Apache-2.0",
        license="ignored when there is an expression",
        author="Jane Doe",
        author_email="jane@example.com",
        maintainer_email="Bob Smith <bob@example.com>, carol@example.com",
        requires_python=">=3.10",
    )

    page = get(client, "/project/meta/")

    assert meta(page) == {
        "License": "MIT OR Apache-2.0",
        "Author": "Jane Doe",
        "Maintainer": "Bob Smith , carol@example.com",
        "Requires": "Python >=3.10",
        "Project status": "Active",
    }
    author = page.select_one("dl.project-meta a[href^='mailto:']")
    assert author["href"] == "mailto:jane@example.com"
    assert made.summary in text(page.select_one(".project-summary"))


def test_license_falls_back_to_the_classifier_then_to_the_text(client):
    classified = release("classified", "1.0", license="Some text")
    classified.classifiers.create(classifier="License :: OSI Approved :: BSD License")
    release("texted", "1.0", license="Permission is hereby granted, free of charge, " * 5)

    assert meta(get(client, "/project/classified/"))["License"] == "BSD License"
    shown = meta(get(client, "/project/texted/"))["License"]
    assert shown.startswith("Permission is hereby granted")
    assert len(shown) == 100 and shown.endswith("…")


@pytest.mark.parametrize(
    ("status", "label"),
    [(LifecycleStatus.ARCHIVED, "Archived"), (LifecycleStatus.QUARANTINE_ENTER, "Quarantined")],
)
def test_project_status(client, status, label):
    project = release("stated", "1.0").project
    Project.objects.filter(pk=project.pk).update(lifecycle_status=status)

    assert meta(get(client, "/project/stated/"))["Project status"] == label


def test_maintainers_are_avatars_linking_to_profiles_owners_first(client):
    project = release("team", "1.0").project
    for username, role, name in [
        ("zed", "Maintainer", ""),
        ("bob-builder", "Owner", ""),
        ("ann", "Owner", "Ann Lee"),
    ]:
        user = UserFactory(username=username, name=name)
        RoleFactory(project=project, user=user, role_name=role)

    items = get(client, "/project/team/").select(".maintainer-list li")

    avatars = [li.select_one("a.avatar") for li in items]
    names = [li.select_one("a:not(.avatar)") for li in items]
    assert [a["href"] for a in names] == ["/user/ann/", "/user/bob-builder/", "/user/zed/"]
    assert [a["href"] for a in avatars] == [a["href"] for a in names]
    assert [text(a) for a in names] == ["ann", "bob-builder", "zed"]
    assert [text(a) for a in avatars] == ["AL", "BB", "ZE"]
    # The initials repeat the name's link: one tab stop, one link for screen readers.
    assert all(a["aria-hidden"] == "true" and a["tabindex"] == "-1" for a in avatars)


def test_classifiers_are_grouped_and_link_to_search(client):
    made = release("trove", "1.0")
    for classifier in [
        "Programming Language :: Python :: 3",
        "Development Status :: 4 - Beta",
        "Programming Language :: Python :: 3 :: Only",
        "Framework :: Django",
    ]:
        made.classifiers.create(classifier=classifier)

    groups = get(client, "/project/trove/").select_one("dl.classifiers")

    shown: dict[str, list[tuple[str, str]]] = {}
    group = ""
    for node in groups.find_all(["dt", "dd"]):
        if node.name == "dt":
            group = text(node)
            shown[group] = []
        else:
            shown[group].append((text(node.a), node.a["href"]))
    assert shown == {
        "Development Status": [("4 - Beta", "/search/?c=Development+Status+%3A%3A+4+-+Beta")],
        "Framework": [("Django", "/search/?c=Framework+%3A%3A+Django")],
        "Programming Language": [
            ("Python :: 3", "/search/?c=Programming+Language+%3A%3A+Python+%3A%3A+3"),
            (
                "Python :: 3 :: Only",
                "/search/?c=Programming+Language+%3A%3A+Python+%3A%3A+3+%3A%3A+Only",
            ),
        ],
    }


def test_dependencies_are_listed(client):
    release("needs", "1.0", requires=("requests>=2", "rich ; extra == 'cli'"))

    items = get(client, "/project/needs/").select(".dependency-list code")

    assert [text(c) for c in items] == ["requests>=2", "rich ; extra == 'cli'"]


# Banners and states ------------------------------------------------------------------------------


def test_yanked_release_banner_with_reason(client, history):
    page = get(client, "/project/sample/0.9/")

    banner = page.select_one(".banner-warning")
    assert "This release has been yanked. Reason: Broken wheel" in text(banner)
    assert "sample==0.9" in text(banner)
    assert banner.select_one('a[href="/help/#yanked"]')
    assert page.select_one(".project-header .badge-yanked")


def test_archived_project_banner(client, history):
    Project.objects.filter(pk=history.pk).update(lifecycle_status=LifecycleStatus.ARCHIVED)

    page = get(client, "/project/sample/")

    banner = page.select_one(".banner-warning")
    assert "This project has been archived." in text(banner)
    assert banner.select_one('a[href="/help/#archived-project"]')
    assert page.select_one("#install-command")  # still installable


def test_quarantined_project_has_a_page_without_files_or_install_line(client):
    FileFactory(release=release("held", "1.0"))
    Project.objects.filter(name="held").update(lifecycle_status=LifecycleStatus.QUARANTINE_ENTER)

    response = client.get("/project/held/")
    html = response.content.decode()
    page = get(client, "/project/held/")

    assert "This project has been quarantined" in text(page.select_one(".banner-danger"))
    assert not page.find(id="files")
    assert not page.select('a[href="#files"]')
    assert "pip install" not in html
    assert "/packages/" not in html
    assert page.find(id="history") and page.find(id="description")


def test_quarantined_release_of_an_active_project(client):
    release("partly", "1.0")
    FileFactory(release=release("partly", "2.0", quarantined=True))

    page = get(client, "/project/partly/2.0/")

    assert "This release has been quarantined" in text(page.select_one(".banner-danger"))
    assert not page.find(id="files")
    assert not page.select_one("#install-command")
    assert page.select_one("a.newer-version") is None
    latest = page.select_one(".latest-note a")
    assert latest["href"] == "/project/partly/1.0/"
    assert page.select_one("#history .badge-quarantined")


@pytest.mark.parametrize(("role", "shown"), [("Owner", True), ("Maintainer", True), (None, False)])
def test_manage_button_for_collaborators(client, role, shown):
    project = release("managed", "1.0").project
    user = UserFactory()
    if role:
        RoleFactory(project=project, user=user, role_name=role)
    client.force_login(user)

    page = get(client, "/project/managed/")

    button = page.select_one('.project-header a[href="/manage/project/managed/"]')
    assert (button is not None) == shown


# Addresses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/project/my_pkg/", "/project/My.Pkg/"),
        ("/project/MY-PKG/2.0/", "/project/My.Pkg/2.0/"),
        ("/project/My.Pkg/2/", "/project/My.Pkg/2.0/"),
        ("/project/My.Pkg/2.0.0/", "/project/My.Pkg/2.0/"),
    ],
)
def test_other_spellings_redirect(client, url, location):
    release("My.Pkg", "2.0")

    response = client.get(url)

    assert response.status_code == 301
    assert response["Location"] == location


@pytest.mark.parametrize(
    "url",
    [
        "/project/nothing/",
        "/project/nothing/1.0/",
        "/project/empty/",
        "/project/empty/1.0/",
        "/project/sample/3.0/",
        "/project/sample/not-a-version/",
    ],
)
def test_not_found(client, url):
    release("sample", "1.0")
    Project.objects.create(name="empty", normalized_name="empty", ultranormalized_name="empty")

    assert client.get(url).status_code == 404
