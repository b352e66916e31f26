"""Writes to accounts: every one records its event in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from . import caveats as cav
from . import events, mail, ports, tokens
from .events import EventTag
from .models import ApiToken, AuthenticatorApp, RecoveryCode, User


@transaction.atomic
def create_user(
    username: str,
    *,
    email: str,
    password: str | None,
    name: str = "",
    verified: bool = False,
    is_staff: bool = False,
    is_superuser: bool = False,
    request: HttpRequest | None = None,
) -> User:
    """Create an account with ``email`` as its primary address (verified if asked)."""
    if EmailAddress.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _(
                    "This email address is already being used by another account. "
                    "Use a different email."
                )
            }
        )
    user = User(
        username=username,
        email=email,
        name=name,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
        password_date=timezone.now(),
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    events.record(user, EventTag.ACCOUNT_CREATE, request=request)
    return user


@transaction.atomic
def add_authenticator_app(
    user: User,
    *,
    key: bytes,
    confirmed: bool,
    name: str = "Authentication application",
    request: HttpRequest | None = None,
) -> AuthenticatorApp:
    """Enrol a TOTP app with the RFC 6238 secret ``key`` (sealed before it is stored)."""
    device = AuthenticatorApp(user=user, name=name, confirmed=confirmed)
    device.set_key(key)
    device.save()
    if confirmed:
        events.record(user, EventTag.TWO_FACTOR_METHOD_ADDED, request=request, method="totp")
    return device


def _scope_caveats(
    user: User, projects: Sequence[cav.ProjectLike]
) -> tuple[list[str], dict[str, object]]:
    if projects:
        names = tuple(sorted(p.normalized_name for p in projects))
        ids = tuple(sorted(str(p.pk) for p in projects))
        return (
            [cav.serialize(cav.ProjectName(names)), cav.serialize(cav.ProjectID(ids))],
            {"permissions": {"projects": list(names)}, "version": 1},
        )
    return [cav.serialize(cav.RequestUser(str(user.pk)))], {"permissions": "user", "version": 1}


@transaction.atomic
def create_api_token(
    user: User,
    *,
    description: str,
    projects: Sequence[cav.ProjectLike] = (),
    expires_in: timedelta | None = None,
    made_with_2fa: bool = False,
    can_manage: bool = False,
    request: HttpRequest | None = None,
) -> tuple[str, ApiToken]:
    """Issue a token for ``user``: account-wide, or limited to ``projects``.

    ``can_manage``: besides uploading, the token may use the project management API (yank,
    delete, collaborators) as far as its user's role allows; uploads are the same either way.
    Returns the token text (shown once, never stored) and its row.
    """
    predicates, permissions = _scope_caveats(user, projects)
    expires = None
    if expires_in is not None:
        now = cav.now()
        expires_at = now + int(expires_in.total_seconds())
        predicates.append(cav.serialize(cav.Expiration(expires_at=expires_at, not_before=now)))
        expires = timezone.now() + expires_in
    row = ApiToken.objects.create(
        user=user,
        description=description,
        caveats=predicates,
        permissions_caveat=permissions,
        additional={"made_with_2fa": made_with_2fa},
        expires=expires,
        can_manage=can_manage,
        key_salt=tokens.new_salt(),
    )
    events.record(
        user,
        EventTag.API_TOKEN_ADDED,
        request=request,
        description=description,
        token_id=str(row.id),
        caveats=permissions,
        expires=expires.isoformat() if expires else None,
        can_manage=can_manage,
    )
    return tokens.mint(row), row


@transaction.atomic
def delete_api_token(
    row: ApiToken,
    *,
    request: HttpRequest | None = None,
    leaked: bool = False,
    **details: str,
) -> None:
    """Delete a token; ``leaked`` records it as revoked because it was found public (with
    ``details`` such as where it was found)."""
    user = row.user
    tag = EventTag.API_TOKEN_REMOVED_LEAK if leaked else EventTag.API_TOKEN_REMOVED
    if user is not None:
        events.record(
            user,
            tag,
            request=request,
            description=row.description,
            token_id=str(row.id),
            **details,
        )
    row.delete()


class Refused(Exception):
    """A change this account must not undergo; ``str()`` says why, in words for staff."""


class SoleOwner(Refused):
    """The account is the only Owner of these projects, so it cannot be deleted."""

    def __init__(self, user: User, projects: list[cav.ProjectLike]) -> None:
        names = ", ".join(p.name for p in projects)
        super().__init__(
            _(
                "Cannot delete account {username} with active project ownerships: it is the only "
                "Owner of {projects}."
            ).format(username=user.username, projects=names)
        )
        self.projects = projects


# The placeholder account that deleted users' journal entries point to (made by migration
# 0007; ``deleted_user()`` makes it again where a test flushed the table).
DELETED_USER = "deleted-user"


def deleted_user() -> User:
    """The placeholder account: inactive, with no usable password."""
    user, created = User.objects.get_or_create(
        username=DELETED_USER, defaults={"email": "", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def check_deletion(user: User, *, by: User | None = None) -> None:
    """Raise ``Refused`` (``SoleOwner`` for project ownership) if ``delete_account`` would."""
    if user.username == DELETED_USER:
        raise Refused(_("The placeholder account {name} cannot be deleted.").format(name=user))
    if by is not None and by.pk == user.pk:
        raise Refused(_("You cannot delete your own account here."))
    sole = ports.sole_owned(user)
    if sole:
        raise SoleOwner(user, sole)


@transaction.atomic
def delete_account(
    user: User, *, by: User | None = None, request: HttpRequest | None = None
) -> None:
    """Delete ``user`` (by itself, or by the staff member ``by``); refused while it is the
    sole Owner of a project, for the placeholder account, and for staff deleting their own
    account. Its mail goes to the address it had, after the deletion commits; its journal
    entries stay, re-pointed to ``DELETED_USER`` (by the packages app, which owns them)."""
    check_deletion(user, by=by)
    addresses = mail.recipients(user)
    if addresses:
        mail.send_later(*mail.render("account-deleted", {"user": user}), addresses)
    user.delete()


@transaction.atomic
def burn_recovery_codes(user: User, *, by: User, reason: str = "") -> bool:
    """Mark every unused recovery code of ``user`` used, so that a stolen sheet of codes is
    worthless; False (nothing recorded) when it had none left."""
    burned = RecoveryCode.objects.filter(device__user=user, burned__isnull=True).update(
        burned=timezone.now()
    )
    if not burned:
        return False
    events.record(user, EventTag.RECOVERY_CODES_BURNED, by=by.username, reason=reason, count=burned)
    return True
