"""``createtoken USERNAME [--project NAME ...] [--name LABEL] [--expires-in SECONDS] [--manage]``.

Prints the new API token alone on the last line of stdout (automation reads that line).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.utils import timezone

from accounts import services
from accounts.models import User
from packages.models import Project, Role


class Command(BaseCommand):
    help = "Create an API token for a user, for the whole account or for some of its projects."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--project",
            action="append",
            default=[],
            metavar="NAME",
            help="Limit the token to this project (repeat for several).",
        )
        parser.add_argument("--name", help="A label for the token (default: a timestamp).")
        parser.add_argument("--expires-in", type=int, metavar="SECONDS")
        parser.add_argument(
            "--manage",
            action="store_true",
            help="Upload and manage: the token may also use the project management API.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username__iexact=opts["username"]).first()
        if user is None:
            raise CommandError(f"No user named {opts['username']!r}.")
        projects = [self._project(user, name) for name in opts["project"]]
        if opts["expires_in"] is not None and opts["expires_in"] <= 0:
            raise CommandError("--expires-in must be a positive number of seconds.")
        expires = timedelta(seconds=opts["expires_in"]) if opts["expires_in"] else None
        label = opts["name"] or f"token created {timezone.now():%Y-%m-%d %H:%M:%S.%f}"
        try:
            token, _ = services.create_api_token(
                user,
                description=label,
                projects=projects,
                expires_in=expires,
                can_manage=opts["manage"],
            )
        except IntegrityError:
            raise CommandError(f"{user.username} already has a token named {label!r}.") from None
        self.stdout.write(token)

    def _project(self, user: User, name: str) -> Project:
        project = Project.objects.find_by_name(name)
        if project is None:
            raise CommandError(f"No project named {name!r}.")
        if not Role.objects.filter(project=project, user=user).exists():
            raise CommandError(f"{user.username} has no role on {project.name}.")
        return project
