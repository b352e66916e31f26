"""Property-based fuzzing of XML-RPC: whatever the call, the answer is a well-formed XML-RPC
response (a result or a fault), never a server error."""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packages.xmlrpc import METHODS
from tests.packages.factories import ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

# Text XML 1.0 can carry (what a real client can send at all).
xml_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or c >= " "
    ),
    max_size=40,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.floats(allow_nan=False),
    xml_text,
    st.binary(max_size=20).map(xmlrpc.client.Binary),
    st.datetimes(min_value=datetime(1900, 1, 1)).map(xmlrpc.client.DateTime),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(xml_text, inner, max_size=3)
    ),
    max_leaves=12,
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def sample() -> None:
    release = ReleaseFactory(project=ProjectFactory(name="sample"), version="1.0")
    release.classifiers.create(classifier="Topic :: Utilities")


def _answer(client, body: bytes) -> None:
    response = client.generic("POST", "/pypi", body, content_type="text/xml")
    assert response.status_code == 200
    try:
        xmlrpc.client.loads(response.content)
    except xmlrpc.client.Fault:
        pass


@pytest.mark.parametrize("method", sorted(METHODS))
@FUZZ
@given(params=st.lists(values, max_size=3))
def test_any_arguments_to_a_method_are_answered(client, sample, method, params):
    body = xmlrpc.client.dumps(tuple(params), methodname=method, allow_none=True)
    _answer(client, body.encode())


@FUZZ
@given(method=xml_text.filter(bool), params=st.lists(values, max_size=2))
def test_any_method_name_is_answered(client, method, params):
    body = xmlrpc.client.dumps(tuple(params), methodname=method, allow_none=True)
    _answer(client, body.encode())


@FUZZ
@given(body=st.binary(max_size=300))
def test_any_bytes_are_answered(client, body):
    _answer(client, body)
