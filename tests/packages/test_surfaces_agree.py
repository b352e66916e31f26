"""Every read surface tells the same story about a project, whatever its state, and whether
the state was reached through a service or through the admin.

One table: for each lifecycle state, what a client must see on each surface (Simple HTML and
JSON, the Simple index, the JSON API, file and metadata downloads, XML-RPC, RSS, search and
the project page with its banner), and whether the project's Owner may still upload a new
file. Every state change must also move the serial that those surfaces carry, and the
journal must name who made it.

Search documents are updated after the change commits (``packages.tasks.changed_on_commit``):
the uploads and the state change run inside ``django_capture_on_commit_callbacks``, which
runs those callbacks as a commit would.
"""

from __future__ import annotations

import json
import re
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import User
from help.links import help_url
from packages.models import File, JournalEntry, Project, Release
from packages.services import journal
from packages.services import projects as project_services
from packages.services import releases as release_services
from packages.services.events import Actor
from packages.views import search as search_view
from tests import uploads

pytestmark = pytest.mark.django_db

V1_JSON = "application/vnd.pypi.simple.v1+json"
REASON = "broken build"
QUARANTINED = (
    "Project 'sample' is in quarantine and cannot accept uploads. See {help} for more information."
)
ARCHIVED = "Project 'sample' is archived and cannot accept uploads."


@dataclass(frozen=True)
class Expected:
    """What every surface must show of project ``sample`` (release 1.0, a wheel and an sdist)."""

    exists: bool = True  # Simple detail (HTML and JSON)
    listed: bool = True  # Simple index, XML-RPC list, RSS: every project but quarantined ones
    released: bool = True  # has a release: the project page; the JSON API if also listed
    files: int = 2  # files on every file surface
    yanked: bool = False
    status: str = "active"  # PEP 792
    action: str | None = None  # the newest journal action, if the state change writes one
    searched: bool = True  # /search/ finds it: an installable, un-yanked release with files
    banner: str = ""  # the project page's banner, up to its first "." or ":"
    upload: str = ""  # why the Owner's upload of a new file is refused ("": accepted)


STATES: dict[str, Expected] = {
    "active": Expected(),
    "yanked": Expected(
        yanked=True, action="yank release", searched=False, banner="This release has been yanked"
    ),
    "unyanked": Expected(action="unyank release"),
    "archived": Expected(
        status="archived",
        action="project archived",
        banner="This project has been archived",
        upload=ARCHIVED,
    ),
    "unarchived": Expected(action="project unarchived"),
    "quarantined": Expected(
        listed=False,
        files=0,
        status="quarantined",
        action="project quarantined",
        searched=False,
        banner="This project has been quarantined",
        upload=QUARANTINED,
    ),
    "released from quarantine": Expected(action="project quarantine cleared"),
    "file deleted": Expected(files=1, action="remove file sample-1.0-py3-none-any.whl"),
    "release deleted": Expected(released=False, files=0, action="remove release", searched=False),
    "project deleted": Expected(
        exists=False,
        listed=False,
        released=False,
        files=0,
        action="remove project",
        searched=False,
    ),
}


# How each state is reached: through the services, and through the admin's HTTP interface.


def _by_service(state: str, staff: User, client: Client) -> None:
    actor = Actor(user=staff)
    project = Project.objects.get_by_name("sample")
    release = project.releases.find_by_version("1.0")
    steps: dict[str, list[Callable[[], None]]] = {
        "active": [],
        "yanked": [lambda: release_services.yank_release(release, actor=actor, reason=REASON)],
        "unyanked": [
            lambda: release_services.yank_release(release, actor=actor, reason=REASON),
            lambda: release_services.unyank_release(release, actor=actor),
        ],
        "archived": [lambda: project_services.archive_project(project, actor=actor)],
        "unarchived": [
            lambda: project_services.archive_project(project, actor=actor),
            lambda: project_services.unarchive_project(project, actor=actor),
        ],
        "quarantined": [lambda: project_services.quarantine_project(project, actor=actor)],
        "released from quarantine": [
            lambda: project_services.quarantine_project(project, actor=actor),
            lambda: project_services.release_from_quarantine(project, actor=actor),
        ],
        "file deleted": [
            lambda: release_services.delete_file(
                File.objects.get(filename__endswith=".whl"), actor=actor
            )
        ],
        "release deleted": [lambda: release_services.delete_release(release, actor=actor)],
        "project deleted": [lambda: project_services.delete_project(project, actor=actor)],
    }
    for step in steps[state]:
        step()


def _admin_action(client: Client, model: str, action: str, pk: int, note: str = "") -> None:
    data = {"action": action, "_selected_action": [pk], "apply": "1", "note": note}
    response = client.post(f"/admin/packages/{model}/", data)
    assert response.status_code == 302, response.content[:2000]


def _admin_delete(client: Client, model: str, pk: int) -> None:
    response = client.post(f"/admin/packages/{model}/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content[:2000]


def _by_admin(state: str, staff: User, client: Client) -> None:
    project = Project.objects.get_by_name("sample").pk
    release = Release.objects.get(version="1.0").pk
    steps: dict[str, list[tuple[str, str, int, str]]] = {
        "active": [],
        "yanked": [("release", "yank", release, REASON)],
        "unyanked": [("release", "yank", release, REASON), ("release", "unyank", release, "")],
        "archived": [("project", "archive", project, "")],
        "unarchived": [("project", "archive", project, ""), ("project", "unarchive", project, "")],
        "quarantined": [("project", "quarantine", project, "malware")],
        "released from quarantine": [
            ("project", "quarantine", project, "malware"),
            ("project", "release_from_quarantine", project, "false alarm"),
        ],
    }
    deletions = {
        "file deleted": ("file", File.objects.get(filename__endswith=".whl").pk),
        "release deleted": ("release", release),
        "project deleted": ("project", project),
    }
    if state in deletions:
        _admin_delete(client, *deletions[state])
    for model, action, pk, note in steps.get(state, []):
        _admin_action(client, model, action, pk, note)


# What each surface shows.


def _xmlrpc(client: Client, method: str, *params: object) -> object:
    body = xmlrpc.client.dumps(params, methodname=method, allow_none=True)
    response = client.post("/pypi", body, content_type="text/xml")
    return xmlrpc.client.loads(response.content)[0][0]


def _status(client: Client, url: str) -> int:
    """The status of a download, read to its end (the test client then closes the file; an
    explicit close would also end the test's database connection)."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


@dataclass
class Seen:
    exists: bool
    listed: bool
    released: bool
    files: int
    yanked: bool
    status: str
    serials: set[int]
    searched: bool
    banners: tuple[str, ...]


def _searched(client: Client) -> bool:
    response = client.get("/search/", {"q": "sample"})
    assert response.status_code == 200
    return "sample" in re.findall(r'<span class="package-name">([^<]+)</span>', response.text)


def _banners(page: str) -> tuple[str, ...]:
    """The project page's banners, each up to its first "." or ":"."""
    return tuple(re.findall(r'<div class="banner banner-\w+">\s*<p>([^<.:]*)', page))


def _upload(client: Client, token: str) -> str:
    """The Owner uploads a new file (a 2.0 wheel): "" when accepted, else the refusal."""
    response = uploads.wheel_upload("sample", "2.0").post(client, token)
    return "" if response.status_code == 200 else response.content.decode()


def _look(client: Client) -> Seen:
    html = client.get("/simple/sample/")
    js = client.get("/simple/sample/", HTTP_ACCEPT=V1_JSON)
    index = client.get("/simple/").getvalue().decode()  # streamed
    index_json = json.loads(client.get("/simple/", HTTP_ACCEPT=V1_JSON).getvalue())
    api = client.get("/pypi/sample/json")
    api_release = client.get("/pypi/sample/1.0/json")
    page = client.get("/project/sample/")
    feed = client.get("/rss/project/sample/releases.xml")
    listed_by_xmlrpc = _xmlrpc(client, "list_packages_with_serial")
    xmlrpc_urls = _xmlrpc(client, "release_urls", "sample", "1.0")

    exists = {html.status_code == 200, js.status_code == 200}
    assert len(exists) == 1, "Simple HTML and Simple JSON disagree"
    listed = {
        "/simple/sample/" in index,
        any(p["name"] == "sample" for p in index_json["projects"]),
        "sample" in listed_by_xmlrpc,
        feed.status_code == 200,
    }
    assert len(listed) == 1, "the listing surfaces disagree"
    released = page.status_code == 200
    api_answers = {api.status_code == 200, api_release.status_code == 200}
    assert api_answers == {released and True in listed}, "the JSON API disagrees"

    counts = {len(xmlrpc_urls)}
    links = []
    serials: set[int] = set()
    statuses = set()
    yanked = set()
    if html.status_code == 200:
        text = html.content.decode()
        links = re.findall(r'href="[^"]*/packages/([^"#]+)#sha256=', text)
        counts.add(len(links))
        statuses.add(re.search(r'name="pypi:project-status" content="([^"]+)"', text)[1])
        yanked |= {"data-yanked" in anchor for anchor in re.findall(r"<a [^>]*>", text)}
        serials.add(int(html["X-PyPI-Last-Serial"]))
        data = json.loads(js.content)
        counts.add(len(data["files"]))
        statuses.add(data["project-status"]["status"])
        yanked |= {f["yanked"] is not False for f in data["files"]}
        serials |= {data["meta"]["_last-serial"], int(js["X-PyPI-Last-Serial"])}
    if released:
        shown = re.findall(r'href="[^"]*/packages/([^"]+)"', page.content.decode())
        counts.add(len(set(shown)))
    if api.status_code == 200:
        document = json.loads(api.content)
        counts.add(len(document["urls"]))
        yanked |= {f["yanked"] for f in document["urls"]}
        serials |= {document["last_serial"], int(api["X-PyPI-Last-Serial"])}
    for path in links:
        counts.add(len(links) if _status(client, f"/packages/{path}") == 200 else -1)
        if path.endswith(".whl"):
            assert _status(client, f"/packages/{path}.metadata") == 200
    if "sample" in listed_by_xmlrpc:
        serials.add(listed_by_xmlrpc["sample"])
    assert len(counts) == 1, f"the file surfaces disagree: {counts}"
    assert len(statuses) <= 1 and len(yanked) <= 1
    return Seen(
        exists=exists.pop(),
        listed=listed.pop(),
        released=released,
        files=counts.pop(),
        yanked=yanked.pop() if yanked else False,
        status=statuses.pop() if statuses else "",
        serials=serials,
        searched=_searched(client),
        banners=_banners(page.content.decode()) if released else (),
    )


@pytest.fixture(autouse=True)
def _no_search_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test searches; a fast run must not meet the per-second limit of its address."""
    monkeypatch.setattr(search_view, "RATE_LIMITS", [(10_000, 1)])


@pytest.fixture
def sample(client: Client, token: str, django_capture_on_commit_callbacks) -> list[str]:
    """Project ``sample`` 1.0 with a wheel and an sdist, uploaded with the API and indexed for
    search; the paths of its files (which stay in storage whatever happens to the rows)."""
    with django_capture_on_commit_callbacks(execute=True):
        for upload in (
            uploads.wheel_upload("sample", "1.0"),
            uploads.sdist_upload("sample", "1.0"),
        ):
            assert upload.post(client, token).status_code == 200
    return list(File.objects.values_list("path", flat=True))


def _check_journal(
    client: Client, expected: Expected, seen: Seen, before: int, staff: User
) -> None:
    """The change wrote one journal entry naming ``staff``, and moved every serial shown."""
    if expected.action is None:
        assert journal.last_serial() == before
        return
    newest = JournalEntry.objects.latest("id")
    assert (newest.name, newest.action, newest.submitted_by) == ("sample", expected.action, staff)
    assert newest.id == journal.last_serial() > before
    # Every surface that carries a serial carries the new one (the caches moved with it).
    assert seen.serials <= {newest.id}
    changelog = _xmlrpc(client, "changelog_since_serial", before)
    assert changelog[-1][3] == expected.action and changelog[-1][4] == newest.id
    if expected.exists:
        assert Project.objects.get_by_name("sample").last_serial == newest.id


@pytest.mark.parametrize("how", ["service", "admin"])
@pytest.mark.parametrize("state", list(STATES))
def test_every_surface_agrees(
    client, staff, staff_client, token, sample, state, how, django_capture_on_commit_callbacks
):
    before = journal.last_serial()
    expected = STATES[state]

    with django_capture_on_commit_callbacks(execute=True):
        (_by_service if how == "service" else _by_admin)(state, staff, staff_client)

    seen = _look(client)
    assert (
        seen.exists,
        seen.listed,
        seen.released,
        seen.files,
        seen.yanked,
        seen.searched,
        seen.banners,
    ) == (
        expected.exists,
        expected.listed,
        expected.released,
        expected.files,
        expected.yanked,
        expected.searched,
        (expected.banner,) if expected.banner else (),
    )
    if expected.exists:
        assert seen.status == expected.status
    # Stored files are served exactly while they are shown (a quarantined project's too).
    served = {path for path in sample if _status(client, f"/packages/{path}") == 200}
    assert len(served) == seen.files
    wheels = {path for path in sample if path.endswith(".whl")}
    assert {p for p in wheels if _status(client, f"/packages/{p}.metadata") == 200} == (
        wheels & served
    )
    _check_journal(client, expected, seen, before, staff)
    # Last, as it changes the project when accepted.
    refusal = expected.upload.format(help=help_url("project_in_quarantine"))
    assert _upload(client, token) == refusal


def test_quarantine_points_to_a_help_entry(client, token, sample):
    """The refused upload and the project page's banner link to the same Help entry, and
    the Help page has it."""
    project_services.quarantine_project(
        Project.objects.get_by_name("sample"), actor=Actor(user=None)
    )

    refusal = _upload(client, token)
    page = client.get("/project/sample/").content.decode()

    link = urlsplit(re.search(r"See (\S+) for more information", refusal)[1])
    path, anchor = link.path, link.fragment
    assert f'href="{path}#{anchor}"' in page
    assert f'id="{anchor}"' in client.get(path).content.decode()


def test_surfaces_read_the_cache_yet_follow_an_admin_change(client, staff_client, sample):
    """The Simple pages are cached under the serial: warm them, change through the admin,
    and the very next request shows the change."""
    for accept in ("text/html", V1_JSON):
        assert b"sample-1.0" in client.get("/simple/sample/", HTTP_ACCEPT=accept).content
    project = Project.objects.get_by_name("sample")

    _admin_action(staff_client, "project", "quarantine", project.pk, "malware")

    for accept in ("text/html", V1_JSON):
        assert b"sample-1.0" not in client.get("/simple/sample/", HTTP_ACCEPT=accept).content
    assert client.get("/pypi/sample/json").status_code == 404
