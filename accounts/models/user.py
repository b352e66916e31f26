"""The user account."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# Warehouse's rule: letters, digits, '.', '_' and '-', starting and ending with a letter or digit.
# \Z, not $: $ also matches before a trailing newline (Python re, SQLite REGEXP).
USERNAME_PATTERN = r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])\Z"
USERNAME_MAX_LENGTH = 50

username_validator = RegexValidator(
    USERNAME_PATTERN,
    _(
        "The username is invalid. Usernames must be composed of letters, numbers, dots, "
        "hyphens and underscores. And must also start and finish with a letter or number. "
        "Choose a different username."
    ),
)


USERNAME_TAKEN = _(
    "This username is already being used by another account. Choose a different username."
)


class User(AbstractUser):
    """An account. The username is case-insensitively unique and never changes."""

    username = models.CharField(
        _("username"),
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[username_validator],
        error_messages={"unique": USERNAME_TAKEN},
    )
    # None removes the field that AbstractUser declares (Django's documented way).
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("full name"), max_length=100, blank=True)
    is_frozen = models.BooleanField(
        _("frozen"),
        default=False,
        help_text=_("A frozen account cannot log in, and its API tokens stop working."),
    )
    password_date = models.DateTimeField(_("password last changed"), null=True, blank=True)

    objects: ClassVar[UserManager[Self]] = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message=USERNAME_TAKEN,
            ),
            models.CheckConstraint(
                condition=models.Q(username__regex=USERNAME_PATTERN),
                name="user_username_valid",
            ),
        ]

    if TYPE_CHECKING:

        def is_verified(self) -> bool:
            """Set on ``request.user`` by django-otp's ``OTPMiddleware``: whether this session
            passed a second factor."""
            ...

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return f"/user/{self.username}/"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name or self.username

    def get_session_auth_hash(self) -> str:
        """What every session of this account must carry (Django compares on each request):
        a frozen account has none, so none of its sessions is accepted, whatever the store."""
        return "" if self.is_frozen else super().get_session_auth_hash()

    def get_session_auth_fallback_hash(self) -> Iterable[str]:
        if self.is_frozen:
            return iter(())
        return super().get_session_auth_fallback_hash()
