from __future__ import annotations

import pytest

from help.links import help_url
from moderation.models import ProhibitedProjectName
from moderation.names import prohibited_refusal, stdlib_names, stdlib_refusal
from packages import ports


@pytest.mark.parametrize(
    "name",
    [
        "os",
        "OS",
        "asyncio",
        "os.path",
        "os-path",
        "_thread",
        "-sys-",
        "distutils",
        "tkinter",
        "Tkinter",
    ],
    ids=lambda n: n,
)
def test_stdlib_names_are_refused(name):
    assert stdlib_refusal(name) == (
        f"The name '{name}' isn't allowed (conflict with Python Standard Library module "
        f"name). See {help_url('project-name')} for more information."
    )


@pytest.mark.parametrize("name", ["requests", "os-utils", "mypackage"], ids=lambda n: n)
def test_other_names_are_allowed(name):
    assert stdlib_refusal(name) is None


def test_stdlib_list_covers_old_and_new_versions():
    names = stdlib_names()
    assert {"urllib2", "asyncio", "tomllib"} <= names  # 2.x only, 3.x, 3.11+


@pytest.mark.django_db
def test_prohibited_names_match_normalised():
    ProhibitedProjectName.objects.create(name="requirements-txt")
    assert prohibited_refusal("Requirements.TXT") == (
        f"The name 'Requirements.TXT' isn't allowed. See {help_url('project-name')} "
        "for more information."
    )
    assert prohibited_refusal("requirements") is None


@pytest.mark.django_db
def test_moderation_registers_its_rules_with_packages():
    ProhibitedProjectName.objects.create(name="evil")
    assert ports.name_refusal("os") == stdlib_refusal("os")
    assert ports.name_refusal("evil") == prohibited_refusal("evil")
    assert ports.name_refusal("fine-name") is None
