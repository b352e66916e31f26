"""XML-RPC under hostile input: every bad call is a fault, never a server error."""

from __future__ import annotations

import xmlrpc.client

import pytest

from tests.packages.factories import ProjectFactory, ReleaseFactory
from tests.packages.test_xmlrpc import call, call_fault, fault

pytestmark = pytest.mark.django_db


def _nested(depth: int) -> str:
    value = "<value><string>x</string></value>"
    for _ in range(depth):
        value = f"<value><array><data>{value}</data></array></value>"
    return (
        "<?xml version='1.0'?><methodCall><methodName>browse</methodName>"
        f"<params><param>{value}</param></params></methodCall>"
    )


@pytest.mark.parametrize(
    "classifiers",
    [[1, 2], ["Topic :: X", 3], [["nested"]], [{"a": "b"}], [None], [True]],
    ids=["ints", "mixed", "list", "struct", "nil", "bool"],
)
def test_browse_refuses_classifiers_that_are_not_strings(client, classifiers):
    code, message = call_fault(client, "browse", classifiers)
    assert code == -32602
    assert "is not of type list of str" in message


def test_browse_still_answers_a_list_of_strings(client):
    release = ReleaseFactory(project=ProjectFactory(name="sample"), version="1.0")
    release.classifiers.create(classifier="Topic :: Utilities")
    assert call(client, "browse", ["Topic :: Utilities"]) == [["sample", "1.0"]]


@pytest.mark.parametrize("depth", [17, 100, 1000, 5000])
def test_deeply_nested_arguments_are_a_fault(client, depth):
    error = fault(client, _nested(depth))
    assert error.faultCode == -32600
    assert "nested too deeply" in error.faultString


def test_arguments_nested_as_deep_as_any_method_takes_are_accepted(client):
    error = fault(client, _nested(14))  # lists in lists: a type error, not a depth error
    assert error.faultCode == -32602


@pytest.mark.parametrize("serial", [2**63, -(2**63) - 1, 10**400])
def test_integers_beyond_the_database_range_are_a_fault(client, serial):
    body = (
        "<?xml version='1.0'?><methodCall><methodName>changelog_since_serial</methodName>"
        f"<params><param><value><int>{serial}</int></value></param></params></methodCall>"
    )
    error = fault(client, body)
    assert error.faultCode == -32602


def test_the_largest_database_integer_is_accepted(client):
    body = (
        "<?xml version='1.0'?><methodCall><methodName>changelog_since_serial</methodName>"
        f"<params><param><value><i8>{2**63 - 1}</i8></value></param></params></methodCall>"
    )
    response = client.generic("POST", "/pypi", body, content_type="text/xml")
    assert xmlrpc.client.loads(response.content)[0] == ([],)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<methodCall>",
        b"<?xml version='1.0'?><methodCall><params/></methodCall>",
        b"<?xml version='1.0'?><methodCall><methodName>browse</methodName>"
        b"<params><param><value><dateTime.iso8601>nope</dateTime.iso8601></value></param>"
        b"</params></methodCall>",
        b"<?xml version='1.0'?><methodCall><methodName>browse</methodName>"
        b"<params><param><value><double>1e99999</double></value></param></params></methodCall>",
        b"<?xml version='1.0'?><methodCall><methodName>package_roles</methodName>"
        b"<params><param><value><base64>!!!</base64></value></param></params></methodCall>",
        "<?xml version='1.0'?><methodCall><methodName>é</methodName></methodCall>".encode(),
    ],
    ids=["empty", "unclosed", "no-method", "bad-date", "huge-double", "bad-base64", "unicode"],
)
def test_malformed_calls_are_faults(client, body):
    with pytest.raises(xmlrpc.client.Fault):
        xmlrpc.client.loads(client.generic("POST", "/pypi", body, content_type="text/xml").content)
