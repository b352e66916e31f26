"""``createuser USERNAME --email EMAIL (--password P | --password-stdin) [--verified]
[--totp-secret BASE32] [--staff] [--superuser]``: an account for operators and automation."""

from __future__ import annotations

import base64
import binascii
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services


def decode_base32(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    cleaned += "=" * (-len(cleaned) % 8)
    try:
        key = base64.b32decode(cleaned)
    except (binascii.Error, ValueError) as exc:
        raise CommandError(f"--totp-secret is not valid base32: {exc}") from exc
    if len(key) < 10:
        raise CommandError("--totp-secret must encode at least 80 bits (16 base32 characters).")
    return key


class Command(BaseCommand):
    help = "Create a user account (optionally verified, with an authenticator app enrolled)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--password")
        source.add_argument("--password-stdin", action="store_true")
        parser.add_argument("--name", default="", help="Full name.")
        parser.add_argument(
            "--verified", action="store_true", help="Mark the e-mail address verified."
        )
        parser.add_argument(
            "--totp-secret", help="Enrol a confirmed authenticator app with this RFC 6238 secret."
        )
        parser.add_argument("--staff", action="store_true")
        parser.add_argument("--superuser", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        password = sys.stdin.readline().rstrip("\n") if opts["password_stdin"] else opts["password"]
        if not password:
            raise CommandError("The password is empty.")
        key = decode_base32(opts["totp_secret"]) if opts["totp_secret"] else None
        try:
            user = services.create_user(
                opts["username"],
                email=opts["email"],
                password=password,
                name=opts["name"],
                verified=opts["verified"],
                is_staff=opts["staff"],
                is_superuser=opts["superuser"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if key is not None:
            services.add_authenticator_app(user, key=key, confirmed=True)
        self.stdout.write(f"Created user {user.username}")
