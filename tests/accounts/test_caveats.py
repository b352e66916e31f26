from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts import caveats as cav


@dataclass
class FakeProject:
    pk: int
    name: str
    normalized_name: str


PROJECT = FakeProject(pk=7, name="Sample", normalized_name="sample")
OTHER = FakeProject(pk=8, name="Other.Pkg", normalized_name="other-pkg")


@pytest.mark.parametrize(
    "caveat",
    [
        cav.Expiration(expires_at=200, not_before=100),
        cav.ProjectName(("a", "b")),
        cav.ProjectID(("1", "2")),
        cav.RequestUser("42"),
    ],
    ids=["expiration", "project-name", "project-id", "request-user"],
)
def test_round_trip(caveat):
    assert cav.deserialize(cav.serialize(caveat)) == caveat


def test_serialisation_is_warehouses_compact_json():
    assert cav.serialize(cav.Expiration(expires_at=200, not_before=100)) == "[0,200,100]"
    assert cav.serialize(cav.ProjectName(("sample",))) == '[1,["sample"]]'
    assert cav.serialize(cav.RequestUser("42")) == '[3,"42"]'


@pytest.mark.parametrize(
    "predicate",
    ["not json", "{}", "[]", '["0"]', "[9,1]", "[0,1]", '[1,"x",2]'],
    ids=["garbage", "object", "empty", "string-tag", "unknown-tag", "missing-field", "extra"],
)
def test_malformed_predicates_are_refused(predicate):
    with pytest.raises(cav.InvalidCaveat):
        cav.deserialize(predicate)


@pytest.mark.parametrize(
    ("caveat", "ctx", "reason"),
    [
        (cav.Expiration(200, 100), cav.Context(None, None, 150), None),
        (cav.Expiration(200, 100), cav.Context(None, None, 200), "token is expired"),
        (cav.Expiration(200, 100), cav.Context(None, None, 99), "token is expired"),
        (cav.ProjectName(("sample",)), cav.Context(None, PROJECT, 0), None),
        (
            cav.ProjectName(("sample",)),
            cav.Context(None, OTHER, 0),
            "project-scoped token is not valid for project: 'Other.Pkg'",
        ),
        (
            cav.ProjectName(("sample",)),
            cav.Context(None, None, 0),
            "project-scoped token used outside of a project context",
        ),
        (cav.ProjectID(("7",)), cav.Context(None, PROJECT, 0), None),
        (
            cav.ProjectID(("7",)),
            cav.Context(None, OTHER, 0),
            "project-scoped token is not valid for project: 'Other.Pkg'",
        ),
        (cav.RequestUser("1"), cav.Context("1", None, 0), None),
        (
            cav.RequestUser("1"),
            cav.Context("2", None, 0),
            "current user does not match user restriction in token",
        ),
        (
            cav.RequestUser("1"),
            cav.Context(None, None, 0),
            "token with user restriction without a user",
        ),
    ],
    ids=[
        "valid-window",
        "expired",
        "not-yet-valid",
        "project-match",
        "project-mismatch",
        "no-project",
        "id-match",
        "id-mismatch",
        "user-match",
        "user-mismatch",
        "no-user",
    ],
)
def test_check(caveat, ctx, reason):
    assert caveat.check(ctx) == reason


def test_failures_collects_distinct_reasons_and_reports_bad_predicates():
    ctx = cav.Context("1", OTHER, 500)
    predicates = [
        cav.serialize(cav.ProjectName(("sample",))),
        cav.serialize(cav.ProjectID(("7",))),
        cav.serialize(cav.Expiration(200, 100)),
        "[42]",
    ]
    assert cav.failures(predicates, ctx) == [
        "project-scoped token is not valid for project: 'Other.Pkg'",
        "token is expired",
        "unknown caveat tag 42",
    ]
