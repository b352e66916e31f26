"""Which publisher a verified CI token's claims speak for (packages/oidc/publishers.py): every
claim rule of §7.3 for each provider, environment (and subject) precedence, pending publishers
before and after real ones, turning a pending publisher into a project, and the publisher in
words and as a link. The claims are plain dicts, as ``packages.oidc.verify`` returns them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from moderation.models import AdminFlag
from packages.models import (
    JournalEntry,
    PendingPublisher,
    Project,
    ProjectEvent,
    ProjectEventTag,
    Role,
    RoleName,
    TrustedPublisher,
)
from packages.names import normalize_name
from packages.oidc.errors import OIDCError
from packages.oidc.publishers import (
    find_publisher,
    projects_for,
    publisher_label,
    publisher_url,
    reify,
)
from packages.services.events import Actor
from tests.packages.factories import ProjectFactory

pytestmark = pytest.mark.django_db

SHA = "3f" * 20
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
NOT_FOUND = (
    "valid token, but no corresponding publisher (Publisher with matching claims was not found)"
)


def claims(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``base`` with ``changes`` (None removes a claim)."""
    merged = {**base, **changes}
    return {name: value for name, value in merged.items() if value is not None}


GITHUB = {
    "iss": GITHUB_ISSUER,
    "aud": "index.example",
    "jti": "0b5f-github",
    "sub": "repo:octo/widgets:ref:refs/heads/main",
    "repository": "octo/widgets",
    "repository_owner": "octo",
    "repository_owner_id": "583231",
    "repository_id": "1296269",
    "job_workflow_ref": "octo/widgets/.github/workflows/release.yml@refs/heads/main",
    "workflow_ref": "octo/widgets/.github/workflows/release.yml@refs/heads/main",
    "ref": "refs/heads/main",
    "sha": SHA,
    "event_name": "push",
    "run_id": "42",
}
GITLAB = {
    "iss": "https://gitlab.com",
    "jti": "0b5f-gitlab",
    "sub": "project_path:acme/tools/widgets:ref_type:branch:ref:main",
    "project_path": "acme/tools/widgets",
    "namespace_path": "acme/tools",
    "ci_config_ref_uri": "gitlab.com/acme/tools/widgets//ci/release.yml@refs/heads/main",
    "ref_path": "refs/heads/main",
    "sha": SHA,
}
GOOGLE = {
    "iss": "https://accounts.google.com",
    "email": "publisher@widgets.iam.gserviceaccount.com",
    "email_verified": True,
    "sub": "111260650121185072906",
}
ACTIVESTATE = {
    "iss": "https://platform.activestate.com/api/v1/oauth/oidc",
    "sub": "org:acme:project:widgets",
    "organization": "acme",
    "project": "widgets",
    "actor_id": "b6a5-4c1e",
    "builder": "pypi-publisher",
}

GITHUB_FIELDS = {
    "repository_owner": "octo",
    "repository_name": "widgets",
    "workflow_filename": "release.yml",
}
GITLAB_FIELDS = {
    "namespace": "acme/tools",
    "gitlab_project": "widgets",
    "workflow_filepath": "ci/release.yml",
}


def publisher(provider: str = "github", project: Project | None = None, **fields: str):
    base = {"github": GITHUB_FIELDS, "gitlab": GITLAB_FIELDS}.get(provider, {})
    return TrustedPublisher.objects.create(
        project=project or ProjectFactory(), provider=provider, **{**base, **fields}
    )


def pending(user: User, name: str = "newcomer", provider: str = "github", **fields: str):
    base = {"github": GITHUB_FIELDS, "gitlab": GITLAB_FIELDS}.get(provider, {})
    return PendingPublisher.objects.create(
        project_name=name,
        normalized_name=normalize_name(name),
        added_by=user,
        provider=provider,
        **{**base, **fields},
    )


def refusal(provider: str, signed: dict[str, Any]) -> str:
    with pytest.raises(OIDCError) as raised:
        find_publisher(provider, signed)
    assert raised.value.code == "invalid-publisher"
    return raised.value.description


def why(provider: str, signed: dict[str, Any]) -> str:
    """The "(<why>)" of the refusal."""
    description = refusal(provider, signed)
    prefix = "valid token, but no corresponding publisher ("
    assert description.startswith(prefix) and description.endswith(")"), description
    return description[len(prefix) : -1]


# --- GitHub --------------------------------------------------------------------------------


def test_github_workflow_matches():
    mine = publisher()
    assert find_publisher("github", GITHUB) == mine


def test_github_job_workflow_ref_may_name_the_commit():
    mine = publisher()
    signed = claims(
        GITHUB, ref="", job_workflow_ref=f"octo/widgets/.github/workflows/release.yml@{SHA}"
    )
    assert find_publisher("github", signed) == mine


def test_github_repository_name_compares_regardless_of_case():
    mine = publisher(repository_name="Widgets")
    assert find_publisher("github", GITHUB) == mine


def test_github_owner_must_match_exactly_without_an_owner_id():
    publisher(repository_owner="Octo")
    assert why("github", GITHUB) == "Check failed for required claim 'repository_owner'"


def test_github_owner_id_when_registered_must_match():
    mine = publisher(repository_owner_id="583231")
    assert find_publisher("github", GITHUB) == mine
    # The account deleted and the name taken by someone else: a new id.
    assert refusal("github", claims(GITHUB, repository_owner_id="999")) == NOT_FOUND


def test_github_other_workflow_file_is_not_the_publisher():
    publisher(workflow_filename="docs.yml")
    assert refusal("github", GITHUB) == NOT_FOUND


def test_github_other_repository_is_not_the_publisher():
    publisher()
    other = claims(
        GITHUB,
        repository="octo/gadgets",
        job_workflow_ref="octo/gadgets/.github/workflows/release.yml@refs/heads/main",
    )
    assert refusal("github", other) == NOT_FOUND


def test_github_job_workflow_ref_must_name_the_ref_or_sha():
    publisher()
    signed = claims(
        GITHUB, job_workflow_ref="octo/widgets/.github/workflows/release.yml@refs/heads/evil"
    )
    assert why("github", signed) == (
        "The job_workflow_ref claim does not match, expecting one of "
        "['octo/widgets/.github/workflows/release.yml@3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f', "
        "'octo/widgets/.github/workflows/release.yml@refs/heads/main'], "
        "got 'octo/widgets/.github/workflows/release.yml@refs/heads/evil'"
    )


def test_github_reusable_workflow_of_another_repository_is_refused():
    publisher()
    signed = claims(GITHUB, job_workflow_ref="evil/lib/.github/workflows/release.yml@v1")
    assert "The job_workflow_ref claim does not match" in why("github", signed)


def test_github_workflow_name_must_be_readable():
    publisher()
    signed = claims(GITHUB, job_workflow_ref="octo/widgets/.github/workflows/release")
    assert why("github", signed) == "Could not extract workflow filename from OIDC claims"


def test_github_ref_and_sha_cannot_both_be_empty():
    publisher()
    assert why("github", claims(GITHUB, ref="", sha="")) == "The ref and sha claims are empty"


def test_github_pull_request_target_cannot_publish():
    publisher()
    assert why("github", claims(GITHUB, event_name="pull_request_target")) == (
        "Publishing from a workflow invoked via 'pull_request_target' is not supported"
    )


@pytest.mark.parametrize(
    "claim",
    [
        "repository",
        "repository_owner",
        "repository_owner_id",
        "job_workflow_ref",
        "jti",
        "ref",
        "sha",
    ],
)
def test_github_required_claims(claim):
    publisher()
    assert why("github", claims(GITHUB, **{claim: None})) == f"Missing claim {claim!r}"


def test_github_publisher_without_environment_accepts_any_and_none():
    mine = publisher()
    assert find_publisher("github", claims(GITHUB, environment="pypi")) == mine
    assert find_publisher("github", GITHUB) == mine


def test_github_publisher_with_environment_needs_it():
    mine = publisher(environment="release")
    assert find_publisher("github", claims(GITHUB, environment="Release")) == mine
    assert refusal("github", GITHUB) == NOT_FOUND
    assert refusal("github", claims(GITHUB, environment="staging")) == NOT_FOUND


def test_github_environment_specific_publisher_beats_the_generic_one():
    generic = publisher()
    specific = publisher(environment="release")
    assert find_publisher("github", claims(GITHUB, environment="release")) == specific
    assert find_publisher("github", claims(GITHUB, environment="staging")) == generic
    assert find_publisher("github", GITHUB) == generic


def test_a_failing_check_is_named_even_with_several_candidates():
    publisher(repository_owner_id="1")
    publisher(repository_owner_id="583231", workflow_filename="other.yml")
    assert refusal("github", GITHUB) == NOT_FOUND


# --- GitLab --------------------------------------------------------------------------------


def test_gitlab_pipeline_matches_with_ref_path_or_sha():
    mine = publisher("gitlab")
    assert find_publisher("gitlab", GITLAB) == mine
    by_sha = claims(
        GITLAB, ci_config_ref_uri=f"gitlab.com/acme/tools/widgets//ci/release.yml@{SHA}"
    )
    assert find_publisher("gitlab", by_sha) == mine


def test_gitlab_project_path_compares_regardless_of_case():
    mine = publisher("gitlab", namespace="Acme/Tools", gitlab_project="Widgets")
    assert find_publisher("gitlab", GITLAB) == mine


def test_gitlab_self_managed_instance_names_its_host():
    mine = publisher("gitlab")
    signed = claims(
        GITLAB,
        iss="https://gitlab.example.org",
        ci_config_ref_uri="gitlab.example.org/acme/tools/widgets//ci/release.yml@refs/heads/main",
    )
    assert find_publisher("gitlab", signed) == mine
    # A URI naming another instance than the token's issuer.
    assert "The ci_config_ref_uri claim does not match" in why("gitlab", claims(signed, iss=None))


def test_gitlab_sub_must_name_the_project():
    publisher("gitlab")
    signed = claims(GITLAB, sub="project_path:evil/widgets:ref_type:branch:ref:main")
    assert why("gitlab", signed) == "Check failed for required claim 'sub'"


def test_gitlab_other_pipeline_file_is_not_the_publisher():
    publisher("gitlab", workflow_filepath=".gitlab-ci.yml")
    assert refusal("gitlab", GITLAB) == NOT_FOUND


@pytest.mark.parametrize(
    "claim", ["sub", "project_path", "ci_config_ref_uri", "jti", "ref_path", "sha"]
)
def test_gitlab_required_claims(claim):
    publisher("gitlab")
    assert why("gitlab", claims(GITLAB, **{claim: None})) == f"Missing claim {claim!r}"


def test_gitlab_environment_is_case_sensitive_and_specific_wins():
    generic = publisher("gitlab")
    specific = publisher("gitlab", environment="Production")
    assert find_publisher("gitlab", claims(GITLAB, environment="Production")) == specific
    assert find_publisher("gitlab", claims(GITLAB, environment="production")) == generic
    generic.delete()
    assert refusal("gitlab", claims(GITLAB, environment="production")) == NOT_FOUND


# --- Google and ActiveState ----------------------------------------------------------------


def test_google_service_account_matches_by_address():
    mine = publisher("google", email=GOOGLE["email"])
    assert find_publisher("google", GOOGLE) == mine
    assert refusal("google", claims(GOOGLE, email="other@example.com")) == NOT_FOUND


@pytest.mark.parametrize("verified", [False, "true", None])
def test_google_address_must_be_verified(verified):
    publisher("google", email=GOOGLE["email"])
    reason = why("google", claims(GOOGLE, email_verified=verified))
    if verified is None:
        assert reason == "Missing claim 'email_verified'"
    else:
        assert reason == "Check failed for required claim 'email_verified'"


def test_google_subject_when_registered_must_match_and_wins():
    generic = publisher("google", email=GOOGLE["email"])
    specific = publisher("google", email=GOOGLE["email"], sub=GOOGLE["sub"])
    assert find_publisher("google", GOOGLE) == specific
    assert find_publisher("google", claims(GOOGLE, sub="another")) == generic
    generic.delete()
    assert refusal("google", claims(GOOGLE, sub="another")) == NOT_FOUND


def test_activestate_project_matches():
    mine = publisher(
        "activestate",
        organization="acme",
        activestate_project_name="widgets",
        actor="builder",
        actor_id="b6a5-4c1e",
    )
    assert find_publisher("activestate", ACTIVESTATE) == mine
    assert why("activestate", claims(ACTIVESTATE, builder="other")) == (
        "Check failed for required claim 'builder'"
    )
    assert why("activestate", claims(ACTIVESTATE, sub="org:acme:project:evil")) == (
        "Invalid 'subject' claim"
    )
    assert why("activestate", claims(ACTIVESTATE, sub="org:acme")) == (
        "Invalid 'subject' claim. Wrong format"
    )
    assert refusal("activestate", claims(ACTIVESTATE, actor_id="someone-else")) == NOT_FOUND


def test_unknown_provider():
    assert why("circleci", GITHUB) == "Unknown trusted publishing provider 'circleci'"


# --- Pending publishers and projects -------------------------------------------------------


@pytest.fixture
def alice(make_publisher) -> User:
    return make_publisher(username="alice")


def test_pending_publisher_for_a_new_project(alice):
    mine = pending(alice)
    assert find_publisher("github", GITHUB) == mine


def test_pending_publisher_comes_first_while_its_project_is_new(alice):
    """One workflow publishing an existing project and a new one: the first use creates the new
    one (the token then covers both), as on the public index."""
    real = publisher()
    mine = pending(alice)
    assert find_publisher("github", GITHUB) == mine
    ProjectFactory(name="NewComer")
    assert find_publisher("github", GITHUB) == real


def test_pending_publisher_of_an_existing_project_is_found_and_refused_by_reify(alice):
    mine = pending(alice)
    ProjectFactory(name="newcomer")
    assert find_publisher("github", GITHUB) == mine
    with pytest.raises(OIDCError) as raised:
        reify(mine, actor=Actor(user=None))
    assert (raised.value.code, raised.value.description) == (
        "invalid-pending-publisher",
        "valid token, but project already exists",
    )
    assert not PendingPublisher.objects.exists()


def test_expired_pending_publisher_is_ignored(alice):
    mine = pending(alice)
    PendingPublisher.objects.filter(pk=mine.pk).update(created=timezone.now() - timedelta(days=31))
    assert refusal("github", GITHUB) == NOT_FOUND


def test_reify_creates_the_project_for_its_owner(
    alice, make_publisher, django_capture_on_commit_callbacks
):
    bob = make_publisher(username="bob")
    mine = pending(alice, name="New_Comer", environment="release")
    theirs = pending(bob, name="new-comer", provider="google", email="ci@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        real = reify(mine, actor=Actor(user=None, ip_address="192.0.2.7", user_agent="ci"))

    project = Project.objects.get(normalized_name="new-comer")
    assert project.name == "New_Comer"
    assert real.project == project and real.added_by == alice
    assert (real.provider, real.environment, real.config()) == (
        "github",
        "release",
        mine.config(),
    )
    assert not PendingPublisher.objects.filter(pk__in=[mine.pk, theirs.pk]).exists()
    assert Role.objects.get(project=project).user == alice
    assert Role.objects.get(project=project).role_name == RoleName.OWNER
    journal = JournalEntry.objects.filter(name="New_Comer").order_by("id")
    assert list(journal.values_list("action", flat=True)) == ["create", "add Owner alice"]
    events = {e.tag: e for e in ProjectEvent.objects.filter(project=project)}
    added = events[ProjectEventTag.OIDC_PUBLISHER_ADD]
    assert (added.user, added.ip_address) == (alice, "192.0.2.7")
    assert added.additional["reified_from_pending_publisher"] is True
    assert added.additional["publisher"] == "GitHub Actions from octo/widgets"
    assert added.additional["url"] == "https://github.com/octo/widgets"
    assert ProjectEventTag.PROJECT_CREATE in events
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "alice@example.com": "Project New_Comer created by your trusted publisher",
        "bob@example.com": "Pending trusted publisher for new-comer removed",
    }
    # The publisher now publishes the project (the token covers it).
    assert find_publisher("github", claims(GITHUB, environment="release")) == real
    assert projects_for(real, claims(GITHUB, environment="release")) == [project]


def test_reify_refuses_a_name_forbidden_meanwhile(alice):
    mine = pending(alice, name="os")
    with pytest.raises(OIDCError) as raised:
        reify(mine, actor=Actor(user=None))
    assert raised.value.code == "invalid-pending-publisher"
    assert raised.value.description.startswith(
        "valid token, but the project name is not available (The name 'os' isn't allowed"
    )
    assert not PendingPublisher.objects.exists()
    assert not Project.objects.exists()


def test_reify_waits_while_project_registration_is_switched_off(alice):
    AdminFlag.objects.update_or_create(
        id="disallow-new-project-registration", defaults={"enabled": True, "description": "x"}
    )
    mine = pending(alice)
    with pytest.raises(OIDCError) as raised:
        reify(mine, actor=Actor(user=None))
    assert raised.value.code == "not-enabled"
    assert PendingPublisher.objects.filter(pk=mine.pk).exists()
    assert not Project.objects.exists()


def test_one_workflow_publishing_several_projects():
    first, second = ProjectFactory(name="alpha"), ProjectFactory(name="beta")
    one = publisher(project=first)
    publisher(project=second)
    publisher(project=ProjectFactory(name="gamma"), workflow_filename="other.yml")
    assert projects_for(one, GITHUB) == [first, second]
    # A publisher bound to the environment hides the generic ones for it.
    specific = publisher(project=ProjectFactory(name="delta"), environment="release")
    assert [p.name for p in projects_for(specific, claims(GITHUB, environment="release"))] == [
        "delta"
    ]


# --- In words, as links --------------------------------------------------------------------


def test_labels_and_urls(settings):
    settings.OIDC_GITLAB_ISSUER = "https://gitlab.example.org"
    github = publisher()
    gitlab = publisher("gitlab")
    google = publisher("google", email="ci@example.com")
    activestate = publisher(
        "activestate", organization="acme", activestate_project_name="widgets", actor_id="1"
    )
    assert [publisher_label(p) for p in (github, gitlab, google, activestate)] == [
        "GitHub Actions from octo/widgets",
        "GitLab CI/CD from acme/tools/widgets",
        "Google Cloud as ci@example.com",
        "ActiveState from acme/widgets",
    ]
    assert publisher_url(github) == "https://github.com/octo/widgets"
    assert publisher_url(github, {"sha": SHA}) == f"https://github.com/octo/widgets/commit/{SHA}"
    assert publisher_url(gitlab) == "https://gitlab.example.org/acme/tools/widgets"
    assert publisher_url(google) is None
    assert publisher_url(activestate) == "https://platform.activestate.com/acme/widgets"
    assert [str(p) for p in (github, gitlab, google, activestate)] == [
        "release.yml",
        "ci/release.yml",
        "ci@example.com",
        "acme/widgets",
    ]
