"""Check 14 against hostile descriptions, through HTTP: rendering is bounded in size and time,
a renderer's crash is a refusal, and a description being rendered holds no database lock.

Refusals are asserted with their status and exact message, and shown to leave nothing behind.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client

from help.links import help_url
from packages.description import render_description_within
from packages.models import File, Project, Release
from packages.services.events import Actor
from packages.services.releases import delete_release
from tests import uploads
from tests.interop.site import Site, running_site
from tests.uploads import Upload

pytestmark = pytest.mark.django_db

SPEC = "https://packaging.python.org/specifications/core-metadata"
MIB = 1024 * 1024

# Each takes its renderer from half a minute to hours in-process, far beyond any sensible limit
# (measured for issue 8): comrak and nh3 are quadratic in the depth of nested block quotes and
# HTML elements, docutils in the length of a field list, and nh3 in the number of "&" of plain
# text.
SLOW = {
    "gfm": ("text/markdown", ">" * 200_000 + " a\n"),
    "commonmark": ("text/markdown; variant=CommonMark", "<div>" * 60_000),
    "rst": ("text/x-rst", ":a: b\n" * 12_000),
    "rst-default": (None, ":a: b\n" * 12_000),
    "plain": ("text/plain", "&" * 1_000_000),
}
# Seconds to render in-process on a fast machine: longer than the limits the lock tests set,
# short enough that without the limit (or with rendering inside the transaction) they fail
# within a minute rather than hang.
QUOTES = ">" * 50_000 + " a\n"
# docutils raises KeyError for a chain of substitutions that ends in an undefined one, and
# RecursionError for 200 levels of nested block quotes.
RST_CRASH = ".. |a| replace:: |b|\n.. |b| replace:: |c|\n\n|a|\n"
RST_TOO_DEEP = "".join(" " * level + "a\n" for level in range(200))


def too_slow(seconds: str) -> str:
    return (
        "The description could not be rendered in time: rendering a description may take at "
        f"most {seconds} seconds. Shorten it or simplify its markup (deep nesting, for example). "
        f"See {help_url('description-content-type')} for more information."
    )


def failed(content_type: str | None) -> str:
    what = f"for '{content_type}'" if content_type else "in the default format of reStructuredText"
    return (
        f"The description failed to render {what}. "
        f"See {help_url('description-content-type')} for more information."
    )


def with_description(upload: Upload, description: str, content_type: str | None) -> Upload:
    return upload.set("description", description).set("description_content_type", content_type)


@pytest.fixture
def one_second(settings) -> None:
    settings.UPLOAD_DESCRIPTION_RENDER_SECONDS = 1
    # The renderers' first use in a process imports their modules (up to a second or two on a
    # busy machine): done here, it does not count in the timings below.
    render_description_within("*warm*", "text/markdown", seconds=30)


# The time limit --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SLOW)
def test_description_that_renders_too_slowly_is_refused_at_the_limit(
    refused, token, one_second, kind
):
    content_type, description = SLOW[kind]
    upload = with_description(uploads.wheel_upload(), description, content_type)
    started = time.monotonic()

    refused(upload, token, 400, too_slow("1"))

    # One second of rendering, plus the request around it (a test process's first request
    # imports much of Django). Without the limit each takes its renderer minutes.
    assert time.monotonic() - started < 6


def test_the_limit_is_a_setting(refused, token, settings):
    settings.UPLOAD_DESCRIPTION_RENDER_SECONDS = 0.5
    content_type, description = SLOW["gfm"]
    upload = with_description(uploads.wheel_upload(), description, content_type)

    refused(upload, token, 400, too_slow("0.5"))


# The size limit --------------------------------------------------------------------------------


def test_description_over_the_size_limit_is_refused_before_rendering(refused, token):
    # Counted in UTF-8 bytes: 524,288 "é" are 1 MiB, one more character is too much.
    upload = with_description(uploads.wheel_upload(), "é" * (MIB // 2) + "a", "text/plain")
    message = f"'description' field must be 1048576 bytes or less. See {SPEC} for more information."
    started = time.monotonic()

    refused(upload, token, 400, message)

    assert time.monotonic() - started < 5


def test_description_at_the_size_limit_is_accepted(client, publisher, token):
    upload = with_description(uploads.wheel_upload(), "é" * (MIB // 2), "text/plain")

    assert upload.post(client, token).status_code == 200
    assert len(Release.objects.get().description.raw.encode()) == MIB


def test_the_size_limit_is_a_setting(refused, token, settings):
    settings.UPLOAD_MAX_DESCRIPTION_BYTES = 10
    upload = with_description(uploads.wheel_upload(), "12345678901", "text/plain")
    message = f"'description' field must be 10 bytes or less. See {SPEC} for more information."

    refused(upload, token, 400, message)


# Renderers that crash --------------------------------------------------------------------------


@pytest.mark.parametrize("description", [RST_CRASH, RST_TOO_DEEP], ids=["keyerror", "recursion"])
def test_description_that_crashes_the_renderer_is_refused(refused, token, description):
    upload = with_description(uploads.wheel_upload(), description, None)

    refused(upload, token, 400, failed(None))


# Only the upload that creates the release renders ------------------------------------------------


def test_later_files_of_a_release_do_not_render_the_description(client, owned, token):
    """Check 14 applies when check 16 creates the release; later files keep its description."""
    stored = Release.objects.get().description.html
    upload = with_description(uploads.sdist_upload("sample", "1.0"), RST_CRASH, None)

    assert upload.post(client, token).status_code == 200
    assert File.objects.count() == 2
    assert Release.objects.get().description.html == stored


def test_a_new_release_renders_again(refused, owned, token):
    upload = with_description(uploads.wheel_upload("sample", "2.0"), RST_CRASH, "text/x-rst")

    refused(upload, token, 400, failed("text/x-rst"))


@pytest.mark.django_db(transaction=True)
def test_release_deleted_while_the_upload_waits_is_created_again(client, owned, token):
    """The release existed when the upload looked, so nothing was rendered; it is deleted before
    the upload's transaction gets the project: the description is rendered then, still outside
    the transaction, and the upload creates the release anew."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a second transaction that holds a row lock: PostgreSQL only")
    holding = threading.Event()

    def delete_once_the_upload_waits() -> None:
        try:
            with transaction.atomic():
                project = Project.objects.select_for_update().get()
                holding.set()
                _wait_for_a_lock_waiter()
                delete_release(project.releases.get(), actor=Actor(user=None))
        finally:
            connection.close()

    thread = threading.Thread(target=delete_once_the_upload_waits)
    thread.start()
    assert holding.wait(10)
    upload = with_description(uploads.sdist_upload("sample", "1.0"), "*Back*", "text/markdown")
    response = upload.post(client, token)
    thread.join()

    assert response.status_code == 200, response.content
    release = Release.objects.get()
    assert "<em>Back</em>" in release.description.html
    assert [f.packagetype for f in release.files.all()] == ["sdist"]


def _wait_for_a_lock_waiter() -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] > 0:
                return
        time.sleep(0.02)


# Rendering holds no lock -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_upload_to_the_same_project_is_not_blocked_while_a_description_renders(
    settings, make_publisher, make_token
):
    """A slow description of a new release of "sample" renders for three seconds; meanwhile
    another file of "sample" is uploaded. That needs the project's lock (the write lock on
    SQLite), which rendering must not hold."""
    settings.UPLOAD_DESCRIPTION_RENDER_SECONDS = 3
    token = make_token(make_publisher(username="alice"))
    assert uploads.wheel_upload("sample", "1.0").post(Client(), token).status_code == 200
    slow = with_description(uploads.wheel_upload("sample", "2.0"), QUOTES, "text/markdown")
    slow_result: dict[str, object] = {}

    def upload_slowly() -> None:
        try:
            response = slow.post(Client(), token)
            slow_result.update(status=response.status_code, done=time.monotonic())
        finally:
            connection.close()

    thread = threading.Thread(target=upload_slowly)
    thread.start()
    time.sleep(1)  # the slow upload is rendering now
    started = time.monotonic()
    response = uploads.sdist_upload("sample", "1.0").post(Client(), token)
    finished = time.monotonic()
    thread.join()

    assert response.status_code == 200, response.content
    # It did not wait for the rendering: it was done while the slow upload still rendered.
    assert finished < slow_result["done"]
    assert finished - started < 2.5
    assert slow_result["status"] == 400
    assert Release.objects.get().files.count() == 2


# The same on a real server: gunicorn, two workers, the embedded SQLite file ----------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the site would run on PostgreSQL: the SQLite write lock is not in play")
    extra = {"UPLOAD_DESCRIPTION_RENDER_SECONDS": "8"}
    with running_site(tmp_path_factory.mktemp("site"), worker_id, extra_env=extra) as running:
        yield running


def _post(site: Site, upload: Upload, token: str) -> tuple[int, str]:
    body, content_type = upload.encode()
    request = urllib.request.Request(
        f"{site.url}/legacy/",
        data=body,
        headers={
            "Content-Type": content_type,
            "Authorization": uploads.basic_auth("__token__", token),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_sqlite_site_accepts_other_writes_while_a_description_renders(site: Site, settings):
    """On SQLite a transaction holds the database's only write lock. The slow description
    renders for eight seconds (the site's limit); meanwhile another user's upload, a write,
    completes at once, and the slow one is refused when its time is up."""
    slow_token = site.token(site.user("slowwriter"))
    quick_token = site.token(site.user("quickwriter"))
    slow = with_description(uploads.wheel_upload("slowdoc", "1.0"), QUOTES, "text/markdown")
    slow_result: dict[str, object] = {}

    def upload_slowly() -> None:
        status, body = _post(site, slow, slow_token)
        slow_result.update(status=status, body=body, done=time.monotonic())

    thread = threading.Thread(target=upload_slowly)
    started = time.monotonic()
    thread.start()
    time.sleep(1.5)  # the slow upload is rendering now
    quick_started = time.monotonic()
    status, body = _post(site, uploads.wheel_upload("quickdoc", "1.0"), quick_token)
    quick_finished = time.monotonic()
    thread.join()

    assert (status, body) == (200, "")
    # It did not wait for the rendering: it was done while the slow upload still rendered.
    assert quick_finished < slow_result["done"]
    assert quick_finished - quick_started < 5
    expected = too_slow("8").replace(f"{settings.SITE_URL}/", f"{site.url}/")
    assert (slow_result["status"], slow_result["body"]) == (400, expected)
    assert slow_result["done"] - started < 14  # type: ignore[operator]
    assert Path(site.env["VAR_DIR"], "db.sqlite3").exists()
