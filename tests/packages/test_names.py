"""Project names: PEP 503 normalisation, the confusable form, validity, wheel prefixes."""

from __future__ import annotations

import pytest

from packages.names import is_valid_project_name, normalize_name, ultranormalize_name, wheel_name


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Django", "django"),
        ("friendly-bard", "friendly-bard"),
        ("Friendly-Bard", "friendly-bard"),
        ("FRIENDLY-BARD", "friendly-bard"),
        ("friendly.bard", "friendly-bard"),
        ("friendly_bard", "friendly-bard"),
        ("friendly--bard", "friendly-bard"),
        ("FrIeNdLy-._.-bArD", "friendly-bard"),
        ("zope.interface", "zope-interface"),
        ("a", "a"),
        ("1.2_3-4", "1-2-3-4"),
    ],
)
def test_normalize_name(name, normalized):
    assert normalize_name(name) == normalized
    assert normalize_name(normalized) == normalized


@pytest.mark.parametrize(
    ("name", "ultranormalized"),
    [
        ("Django", "djang0"),
        ("dj-ango", "djang0"),
        ("d.j_a-n.g_o", "djang0"),
        ("requests", "requests"),
        ("reqlests", "req1ests"),
        ("reqiests", "req1ests"),
        ("requ0sts", "requ0sts"),
        ("foo", "f00"),
        ("FOO", "f00"),
        ("I.L-O", "110"),
    ],
)
def test_ultranormalize_name(name, ultranormalized):
    assert ultranormalize_name(name) == ultranormalized


@pytest.mark.parametrize(
    ("first", "second"),
    [("pil1ow", "pillow"), ("Pi-llow", "pillow"), ("Pil.l0w", "pillow"), ("pIllow", "pillow")],
)
def test_confusable_names_share_the_ultranormal_form(first, second):
    assert ultranormalize_name(first) == ultranormalize_name(second)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("a", True),
        ("A1", True),
        ("my-project", True),
        ("my.project_2", True),
        ("1", True),
        ("-start", False),
        ("end-", False),
        ("end.", False),
        ("_x", False),
        ("", False),
        ("has space", False),
        ("ünïcode", False),
        ("slash/name", False),
        ("name\n", False),
    ],
)
def test_is_valid_project_name(name, valid):
    assert is_valid_project_name(name) is valid


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("Sample-Pkg", "sample_pkg"), ("zope.interface", "zope_interface"), ("a__b", "a_b")],
)
def test_wheel_name(name, prefix):
    assert wheel_name(name) == prefix
