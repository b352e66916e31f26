"""The PEP 440 sort key: string order must be ``packaging.version.Version`` order."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from packaging.version import Version

from packages.versions import sort_key

ORDERED = [
    "0",
    "0.1",
    "0.9.9",
    "1.0.dev0",
    "1.0.dev1",
    "1.0a1.dev3",
    "1.0a1",
    "1.0a1.post1.dev1",
    "1.0a1.post1",
    "1.0a2",
    "1.0a10",
    "1.0b1",
    "1.0rc1",
    "1.0",
    "1.0+abc",
    "1.0+abc.5",
    "1.0+abd",
    "1.0+1",
    "1.0+1.abc",
    "1.0+2",
    "1.0+10",
    "1.0.post1.dev0",
    "1.0.post1",
    "1.0.post1+local",
    "1.0.post2",
    "1.0.1",
    "1.1.dev1",
    "1.1",
    "1.2",
    "1.9",
    "1.10",
    "1.10.0.1",
    "2.0",
    "10.0",
    "1!0.1",
    "1!1.0",
    "2!0.0.dev0",
]

EQUAL = [
    ("1.0", "1.0.0"),
    ("1", "1.0.0.0"),
    ("1.0+ABC", "1.0+abc"),
    ("1.0+1-a", "1.0+1.a"),
    ("1.0+01", "1.0+1"),
    ("1.01", "1.1"),
    ("1.0alpha1", "1.0a1"),
    ("1.0c1", "1.0rc1"),
    ("1.0-1", "1.0.post1"),
    ("0!1.0", "1.0"),
]


@pytest.mark.parametrize(("lower", "higher"), list(pairwise(ORDERED)), ids="<".join)
def test_known_order(lower, higher):
    assert Version(lower) < Version(higher)
    assert sort_key(Version(lower)) < sort_key(Version(higher))


@pytest.mark.parametrize(("a", "b"), EQUAL, ids="=".join)
def test_equal_versions_share_a_key(a, b):
    assert Version(a) == Version(b)
    assert sort_key(Version(a)) == sort_key(Version(b))


def _random_version(rng: random.Random) -> str:
    """A PEP 440 version drawing on every segment, with small numbers so that ties happen."""
    numbers = [0, 0, 1, 2, 9, 10, 11, 99, 100, 1234567890123]
    text = f"{rng.choice([0, 0, 0, 1, 2, 10])}!" if rng.random() < 0.15 else ""
    text += ".".join(str(rng.choice(numbers)) for _ in range(rng.randint(1, 5)))
    if rng.random() < 0.35:
        text += rng.choice(["a", "b", "rc", "alpha", "c", "pre"]) + str(rng.choice(numbers))
    if rng.random() < 0.3:
        text += f".post{rng.choice(numbers)}"
    if rng.random() < 0.3:
        text += f".dev{rng.choice(numbers)}"
    if rng.random() < 0.25:
        words = ["abc", "ABD", "a", "z", "ubuntu", "1", "01", "2", "10", "cpu", "cu118"]
        text += "+" + ".".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
    return text


def test_key_order_matches_packaging_for_generated_versions():
    rng = random.Random(440)
    versions = sorted({Version(_random_version(rng)) for _ in range(5000)})

    assert len(versions) > 3000
    for lower, higher in pairwise(versions):
        assert lower < higher
        assert sort_key(lower) < sort_key(higher), (str(lower), str(higher))
    shuffled = versions[:]
    rng.shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == versions


def test_generated_versions_share_a_key_exactly_when_equal():
    rng = random.Random(503)
    generated = [Version(_random_version(rng)) for _ in range(5000)]
    keys_by_version: dict[Version, set[str]] = {}
    versions_by_key: dict[str, set[Version]] = {}
    for version in generated:
        keys_by_version.setdefault(version, set()).add(sort_key(version))
        versions_by_key.setdefault(sort_key(version), set()).add(version)

    assert len({str(v) for v in generated}) > len(keys_by_version)  # 1.0 and 1 both drawn
    assert all(len(keys) == 1 for keys in keys_by_version.values())
    assert all(len(versions) == 1 for versions in versions_by_key.values())
