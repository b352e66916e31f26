"""Register trusted publishers from the command line:

- ``addpublisher PROJECT github OWNER/REPOSITORY WORKFLOW_FILE [--environment ENV]
  [--owner-id ID]``
- ``addpublisher PROJECT gitlab NAMESPACE/PROJECT WORKFLOW_FILEPATH [--environment ENV]``

Registers a trusted publisher for automation: on an existing project (as an operator: the
project's Owners are mailed that an administrator added it), or with ``--pending --user
USERNAME`` a pending publisher that creates PROJECT, owned by that user, on first use. The
fields go through the same forms and services as the web pages, so the same rules and messages
apply; a refusal ends the command with a non-zero status and the reason on stderr.

``--owner-id`` is GitHub's numeric id of the owner account. The public index looks it up
through GitHub's API; this command does not (a self-hosted index may not reach it). Without
it, the owner's name must match the token's exactly (GitHub spells it as the owner chose).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from packages.forms_publishing import FORMS, PENDING_FORMS, PublisherForm
from packages.models import Project, Provider
from packages.oidc.publishers import publisher_label
from packages.services import publishers
from packages.services.events import Actor
from packages.services.refusals import Refused


class Command(BaseCommand):
    help = "Register a trusted publisher (GitHub Actions or GitLab CI/CD) for a project."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="The project (to create, with --pending).")
        parser.add_argument("provider", choices=[Provider.GITHUB, Provider.GITLAB])
        parser.add_argument(
            "repository", help="OWNER/REPOSITORY on GitHub, NAMESPACE/PROJECT on GitLab."
        )
        parser.add_argument(
            "workflow",
            help="The workflow's file name on GitHub (release.yml), its path on GitLab.",
        )
        parser.add_argument("--environment", default="", help="Only jobs in this environment.")
        parser.add_argument(
            "--owner-id", default="", help="GitHub's numeric id of the owner (GitHub only)."
        )
        parser.add_argument(
            "--pending",
            action="store_true",
            help="A pending publisher that creates PROJECT on first use (needs --user).",
        )
        parser.add_argument("--user", help="Who owns the project a pending publisher creates.")

    def handle(self, *args: Any, **opts: Any) -> None:
        provider = opts["provider"]
        form = self._form(provider, opts)
        try:
            if opts["pending"]:
                user = self._user(opts["user"])
                pending = publishers.add_pending_publisher(
                    user, opts["project"], provider, form.config(), actor=Actor(user=user)
                )
                self.stdout.write(
                    f"Registered a pending publisher, {publisher_label(pending)} "
                    f"({self._describe(pending.config())}), to create the project "
                    f"{pending.project_name!r} owned by {user.username}."
                )
                return
            if opts["user"]:
                raise CommandError("--user goes with --pending only.")
            project = Project.objects.find_by_name(opts["project"])
            if project is None:
                raise CommandError(f"No project named {opts['project']!r}.")
            added = publishers.add_publisher(project, provider, form.config(), actor=Actor(None))
        except Refused as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(
            f"Added {publisher_label(added)} ({self._describe(added.config())}) as a trusted "
            f"publisher of {project.name}."
        )

    def _form(self, provider: str, opts: dict[str, Any]) -> PublisherForm:
        """The page's form for these arguments, validated (its messages on failure)."""
        if opts["pending"] and not opts["user"]:
            raise CommandError("--pending needs --user USERNAME (the new project's Owner).")
        if opts["owner_id"] and provider != Provider.GITHUB:
            raise CommandError("--owner-id is for GitHub publishers only.")
        owner, slash, name = opts["repository"].rpartition("/")
        if not (slash and owner and name):
            what = "OWNER/REPOSITORY" if provider == Provider.GITHUB else "NAMESPACE/PROJECT"
            raise CommandError(f"Give the repository as {what}, not {opts['repository']!r}.")
        if provider == Provider.GITHUB:
            data = {
                "owner": owner,
                "repository": name,
                "workflow_filename": opts["workflow"],
                "owner_id": opts["owner_id"],
            }
        else:
            data = {"namespace": owner, "project": name, "workflow_filepath": opts["workflow"]}
        data["environment"] = opts["environment"]
        data["project_name"] = opts["project"]
        form_class = (PENDING_FORMS if opts["pending"] else FORMS)[provider]
        form = form_class(data)
        if not form.is_valid():
            problems = [
                f"{name}: {message}" if name != "__all__" else str(message)
                for name, messages in form.errors.items()
                for message in messages
            ]
            raise CommandError(" ".join(problems))
        return form

    @staticmethod
    def _user(username: str) -> User:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user

    @staticmethod
    def _describe(config: dict[str, str]) -> str:
        return ", ".join(f"{name} {value!r}" for name, value in config.items() if value)
