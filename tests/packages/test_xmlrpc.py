"""XML-RPC for mirrors (``POST /pypi``, ``/RPC2``) through HTTP, read with ``xmlrpc.client``."""

from __future__ import annotations

import xmlrpc.client
from datetime import UTC, datetime

import pytest

from packages import xmlrpc as rpc
from packages.models import Classifier, File, JournalEntry, LifecycleStatus, Project
from packages.services import journal
from packages.services.events import Actor
from packages.services.projects import quarantine_project
from tests import uploads
from tests.accounts.factories import UserFactory
from tests.packages.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = [
    pytest.mark.django_db,
]


def post(client, body: bytes | str, url: str = "/pypi"):
    response = client.generic("POST", url, body, content_type="text/xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return response


def call(client, method: str, *params: object, url: str = "/pypi") -> object:
    """The method's answer; raises ``xmlrpc.client.Fault`` as a client would."""
    body = xmlrpc.client.dumps(params, methodname=method, allow_none=True)
    (result,), _ = xmlrpc.client.loads(post(client, body, url).content)
    return result


def fault(client, body: bytes | str) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as excinfo:
        xmlrpc.client.loads(post(client, body).content)
    return excinfo.value


def call_fault(client, method: str, *params: object) -> tuple[int, str]:
    error = fault(client, xmlrpc.client.dumps(params, methodname=method, allow_none=True))
    return error.faultCode, error.faultString


def quarantine(project: Project) -> None:
    quarantine_project(project, actor=Actor(user=None))


# Serials and the changelog -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/pypi", "/pypi/", "/RPC2"])
def test_changelog_last_serial(client, url):
    assert call(client, "changelog_last_serial", url=url) == 0

    project = ProjectFactory(name="sample")
    journal.record(project, journal.Entry("create"), by=None)
    journal.record(project, journal.Entry("new release", "1.0"), by=None)

    assert call(client, "changelog_last_serial", url=url) == JournalEntry.objects.latest("id").id


def test_changelog_since_serial_after_an_upload(client, token):
    assert uploads.wheel_upload("Sample", "1.0").post(client, token).status_code == 200
    entries = list(JournalEntry.objects.order_by("id"))
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    JournalEntry.objects.update(submitted_date=when)

    changes = call(client, "changelog_since_serial", entries[0].id - 1)

    assert changes == [
        ["Sample", None, int(when.timestamp()), "create", entries[0].id],
        ["Sample", None, int(when.timestamp()), "add Owner alice", entries[1].id],
        ["Sample", "1.0", int(when.timestamp()), "new release", entries[2].id],
        [
            "Sample",
            "1.0",
            int(when.timestamp()),
            "add py3 file sample-1.0-py3-none-any.whl",
            entries[3].id,
        ],
    ]
    assert call(client, "changelog_since_serial", entries[2].id) == [changes[3]]
    assert call(client, "changelog_since_serial", entries[3].id) == []


def test_changelog_since_serial_is_ascending_and_limited(client, monkeypatch):
    first, second = ProjectFactory(name="first"), ProjectFactory(name="second")
    for version in ("1.0", "2.0", "3.0"):
        journal.record(first, journal.Entry("new release", version), by=None)
        journal.record(second, journal.Entry("new release", version), by=None)
    monkeypatch.setattr(rpc, "CHANGELOG_LIMIT", 4)

    changes = call(client, "changelog_since_serial", 0)

    ids = list(JournalEntry.objects.order_by("id").values_list("id", flat=True))
    assert [change[4] for change in changes] == ids[:4]
    assert [(change[0], change[1]) for change in changes] == [
        ("first", "1.0"),
        ("second", "1.0"),
        ("first", "2.0"),
        ("second", "2.0"),
    ]


def test_changelog_strips_characters_xml_cannot_carry(client):
    project = ProjectFactory(name="sample")
    journal.record(project, journal.Entry("remove file bad\x0bname\x1f.whl", "1.0"), by=None)

    (change,) = call(client, "changelog_since_serial", 0)

    assert change[3] == "remove file badname.whl"


def test_list_packages_with_serial_leaves_out_quarantined(client):
    alpha, beta, hidden = (ProjectFactory(name=n) for n in ("Alpha", "beta.two", "hidden"))
    serials = {p.name: journal.record(p, journal.Entry("create"), by=None) for p in (alpha, beta)}
    quarantine(hidden)

    assert (
        call(client, "list_packages_with_serial")
        == serials
        == {
            "Alpha": serials["Alpha"],
            "beta.two": serials["beta.two"],
        }
    )


# Releases and files ------------------------------------------------------------------------------


@pytest.fixture
def releases() -> Project:
    """sample: 1.0, 1.9, 1.10, 2.0b1, 2.0 yanked, 3.0 quarantined."""
    project = ProjectFactory(name="Sample")
    for version in ("1.0", "1.10", "1.9", "2.0b1"):
        ReleaseFactory(project=project, version=version)
    ReleaseFactory(project=project, version="2.0", yanked=True)
    ReleaseFactory(
        project=project, version="3.0", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER
    )
    return project


def test_package_releases_gives_the_latest_release(client, releases):
    assert call(client, "package_releases", "sample") == ["1.10"]
    assert call(client, "package_releases", "SAMPLE", False) == ["1.10"]


def test_package_releases_shows_hidden_releases_on_request(client, releases):
    assert call(client, "package_releases", "sample", True) == [
        "2.0",
        "2.0b1",
        "1.10",
        "1.9",
        "1.0",
    ]


@pytest.mark.parametrize("show_hidden", [False, True], ids=["latest", "all"])
def test_package_releases_of_unknown_or_quarantined_project(client, releases, show_hidden):
    quarantine(releases)

    assert call(client, "package_releases", "sample", show_hidden) == []
    assert call(client, "package_releases", "nothing", show_hidden) == []


def test_release_urls(client):
    release = ReleaseFactory(project__name="Sample", version="1.0")
    wheel = FileFactory(release=release, requires_python=">=3.8")
    sdist = FileFactory(release=release, filename="sample-1.0.tar.gz", packagetype="sdist")
    FileFactory(release__project=release.project, release__version="2.0")
    File.objects.update(upload_time=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC))

    urls = call(client, "release_urls", "sample", "1.0")

    assert [u["filename"] for u in urls] == [wheel.filename, sdist.filename]
    assert urls[0] == {
        "filename": wheel.filename,
        "packagetype": "bdist_wheel",
        "python_version": "py3",
        "size": 1024,
        "md5_digest": wheel.md5_digest,
        "sha256_digest": wheel.sha256_digest,
        "digests": {
            "md5": wheel.md5_digest,
            "sha256": wheel.sha256_digest,
            "blake2b_256": wheel.blake2_256_digest,
        },
        "has_sig": False,
        "upload_time": "2024-05-06T07:08:09.123456Z",
        "upload_time_iso_8601": "2024-05-06T07:08:09.123456Z",
        "comment_text": "",
        "downloads": -1,
        "path": wheel.path,
        "url": f"http://testserver/packages/{wheel.path}",
        "requires_python": ">=3.8",
    }
    assert urls[1]["requires_python"] is None


def test_release_urls_of_hidden_releases_are_empty(client):
    project = ProjectFactory(name="sample")
    FileFactory(release__project=project, release__version="1.0")
    FileFactory(
        release__project=project,
        release__version="2.0",
        release__lifecycle_status=LifecycleStatus.QUARANTINE_ENTER,
    )

    assert len(call(client, "release_urls", "sample", "1.0")) == 1
    assert call(client, "release_urls", "sample", "2.0") == []
    assert call(client, "release_urls", "sample", "9.9") == []
    assert call(client, "release_urls", "nothing", "1.0") == []
    quarantine(project)
    assert call(client, "release_urls", "sample", "1.0") == []


# Roles -------------------------------------------------------------------------------------------


def test_package_roles_owners_first_then_by_username(client):
    project = ProjectFactory(name="Sample")
    for username, role in [("zed", "Maintainer"), ("bob", "Owner"), ("amy", "Maintainer")]:
        RoleFactory(project=project, user=UserFactory(username=username), role_name=role)
    RoleFactory(project=ProjectFactory(name="other"), user=UserFactory(username="eve"))

    assert call(client, "package_roles", "sample") == [
        ["Owner", "bob"],
        ["Maintainer", "amy"],
        ["Maintainer", "zed"],
    ]
    assert call(client, "package_roles", "nothing") == []


def test_user_packages(client):
    user = UserFactory(username="alice")
    for name, role in [("zeta", "Owner"), ("Alpha", "Maintainer"), ("beta", "Owner")]:
        RoleFactory(project=ProjectFactory(name=name), user=user, role_name=role)
    RoleFactory(project=ProjectFactory(name="other"))

    assert call(client, "user_packages", "alice") == [
        ["Owner", "beta"],
        ["Owner", "zeta"],
        ["Maintainer", "Alpha"],
    ]
    assert call(client, "user_packages", "nobody") == []


# browse ------------------------------------------------------------------------------------------


def test_browse_needs_every_classifier(client):
    web, typed, other = (
        Classifier.objects.create(classifier=c)
        for c in ("Framework :: Django", "Typing :: Typed", "Topic :: Other")
    )
    both_b = ReleaseFactory(project__name="b-proj", version="1.0")
    both_a2 = ReleaseFactory(project__name="a-proj", version="2.0")
    both_a1 = ReleaseFactory(project=both_a2.project, version="1.0")
    web_only = ReleaseFactory(project__name="c-proj", version="1.0")
    hidden = ReleaseFactory(
        project__name="d-proj", version="1.0", lifecycle_status=LifecycleStatus.QUARANTINE_ENTER
    )
    for release in (both_b, both_a2, both_a1, hidden):
        release.classifiers.add(web, typed, other)
    web_only.classifiers.add(web)

    assert call(client, "browse", ["Framework :: Django", "Typing :: Typed"]) == [
        ["a-proj", "1.0"],
        ["a-proj", "2.0"],
        ["b-proj", "1.0"],
    ]
    assert call(client, "browse", ["Framework :: Django"]) == [
        ["a-proj", "1.0"],
        ["a-proj", "2.0"],
        ["b-proj", "1.0"],
        ["c-proj", "1.0"],
    ]
    assert call(client, "browse", ["Framework :: Django", "Unknown :: Thing"]) == []
    assert call(client, "browse", []) == []


# Faults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "code", "message"),
    [
        (
            "system.multicall",
            ([],),
            -32500,
            "RuntimeError: MultiCall requests have been deprecated, use individual requests "
            "instead.",
        ),
        (
            "search",
            ({"name": "x"},),
            -32500,
            "RuntimeError: XML-RPC API search is not supported: use the web search at /search/ "
            "instead. ('pip search' cannot be served.)",
        ),
        (
            "package_data",
            ("x", "1.0"),
            -32601,
            "server error; requested method 'package_data' is not supported",
        ),
        (
            "os.system",
            ("ls",),
            -32601,
            "server error; requested method 'os.system' is not supported",
        ),
        ("changelog_since_serial", ("5",), -32602, "client error; '5' is not of type int"),
        ("changelog_since_serial", (True,), -32602, "client error; True is not of type int"),
        ("changelog_since_serial", (), -32602, "client error; expected 1 parameters, got 0"),
        ("changelog_last_serial", (1,), -32602, "client error; expected 0 parameters, got 1"),
        ("package_releases", (1,), -32602, "client error; 1 is not of type str"),
        ("package_releases", ("x", "yes"), -32602, "client error; 'yes' is not of type bool"),
        ("release_urls", ("x",), -32602, "client error; expected 2 parameters, got 1"),
        (
            "browse",
            ("Typing :: Typed",),
            -32602,
            "client error; 'Typing :: Typed' is not of type list of str",
        ),
    ],
    ids=[
        "multicall",
        "search",
        "dropped-method",
        "unknown-method",
        "string-for-int",
        "bool-for-int",
        "missing-param",
        "extra-param",
        "int-for-str",
        "str-for-bool",
        "too-few",
        "str-for-list",
    ],
)
def test_faults(client, method, params, code, message):
    assert call_fault(client, method, *params) == (code, message)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<methodCall><methodName>package_roles</methodName>
<params><param><value><string>&lol9;</string></value></param></params></methodCall>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE call [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>package_roles</methodName>
<params><param><value><string>&secret;</string></value></param></params></methodCall>
"""

UNDECLARED_ENTITY = """<?xml version="1.0"?>
<methodCall><methodName>package_roles</methodName>
<params><param><value><string>&lol;</string></value></param></params></methodCall>
"""


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, UNDECLARED_ENTITY, "", "<methodCall>", "not xml at all"],
    ids=["billion-laughs", "external-entity", "undeclared-entity", "empty", "truncated", "text"],
)
def test_hostile_or_broken_bodies_are_answered_with_a_fault(client, body):
    response = post(client, body)
    with pytest.raises(xmlrpc.client.Fault) as excinfo:
        xmlrpc.client.loads(response.content)

    assert excinfo.value.faultCode == -32600
    assert excinfo.value.faultString.startswith("client error; ")
    assert b"lollol" not in response.content
    assert b"root:" not in response.content
    assert len(response.content) < 1000


def test_request_without_a_method_name_is_a_fault(client):
    body = "<?xml version='1.0'?><methodCall><params></params></methodCall>"

    assert fault(client, body).faultString == "client error; no method name"


def test_oversized_request_is_a_fault(client):
    body = xmlrpc.client.dumps(("x" * (1024 * 1024),), methodname="package_roles")

    error = fault(client, body)

    assert (error.faultCode, error.faultString) == (-32600, "client error; request too large")


def test_get_is_not_allowed(client):
    assert client.get("/pypi").status_code == 405
    assert client.get("/RPC2").status_code == 405


@pytest.mark.parametrize("method", ["get", "post"])
def test_legacy_upload_action_is_gone(client, method):
    response = getattr(client, method)("/pypi?:action=file_upload")

    assert response.status_code == 410
    assert response.reason_phrase == (
        "This API has moved to http://testserver/legacy/. See the Help page for more information."
    )


@pytest.mark.parametrize(
    ("action", "location"),
    [("rss", "/rss/updates.xml"), ("packages_rss", "/rss/packages.xml")],
)
def test_legacy_feed_actions_redirect(client, action, location):
    response = client.get(f"/pypi?:action={action}")

    assert response.status_code == 301
    assert response["Location"] == location


def test_unicode_survives_the_round_trip(client):
    project = ProjectFactory(name="sample")
    journal.record(project, journal.Entry("add Owner jürgen 😀"), by=None)

    (change,) = call(client, "changelog_since_serial", 0)

    assert change[3] == "add Owner jürgen 😀"
