from __future__ import annotations

import pytest

from accounts import ports as account_ports
from help.links import help_url
from moderation.models import ProhibitedEmailDomain, ProhibitedProjectName, ProhibitedUserName
from moderation.names import (
    email_refusal,
    normalize_email_domain,
    prohibited_refusal,
    stdlib_names,
    stdlib_refusal,
    username_refusal,
)
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


# Usernames and mail domains -------------------------------------------------------------------

USERNAME_REFUSED = "This username isn't allowed. Choose a different username."
DOMAIN_REFUSED = "You can't use an email address from this domain. Use a different email."


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "Admin", "ADMIN"])
def test_prohibited_usernames_compare_case_insensitively(username):
    ProhibitedUserName.objects.create(name="admin")
    assert username_refusal(username) == USERNAME_REFUSED


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admins", "adm1n", "the-admin"])
def test_other_usernames_are_allowed(username):
    ProhibitedUserName.objects.create(name="admin")
    assert username_refusal(username) is None


@pytest.mark.parametrize(
    ("entered", "kept"),
    [
        ("Example.COM", "example.com"),
        ("@example.com", "example.com"),
        (" mail.example.com. ", "mail.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("localhost", None),
        ("example..com", None),
        ("-example.com", None),
        ("exa_mple.com", None),
        ("@", None),
        ("a" * 64 + ".com", None),
    ],
)
def test_normalize_email_domain(entered, kept):
    assert normalize_email_domain(entered) == kept


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "refused"),
    [
        ("bea@spam.example", True),
        ("bea@SPAM.Example", True),
        ("bea@mail.spam.example", True),  # a subdomain
        ("bea@a.b.spam.example", True),
        ("bea@spam.example.", True),
        ("bea@notspam.example", False),  # not a subdomain, only a longer name
        ("bea@spam.example.org", False),
        ("spam.example@good.example", False),  # the local part does not count
        ("bea@bücher.example", True),
        ("not an address", False),
    ],
)
def test_addresses_at_prohibited_domains_and_their_subdomains(email, refused):
    ProhibitedEmailDomain.objects.create(domain="spam.example")
    ProhibitedEmailDomain.objects.create(domain="xn--bcher-kva.example")
    assert email_refusal(email) == (DOMAIN_REFUSED if refused else None)


@pytest.mark.django_db
def test_moderation_registers_its_account_rules_with_accounts():
    ProhibitedUserName.objects.create(name="root")
    ProhibitedEmailDomain.objects.create(domain="spam.example")
    assert account_ports.username_refusal("Root") == USERNAME_REFUSED
    assert account_ports.username_refusal("bea") is None
    assert account_ports.email_refusal("bea@spam.example") == DOMAIN_REFUSED
    assert account_ports.email_refusal("bea@example.com") is None
