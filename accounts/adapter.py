"""How allauth runs this site's accounts: mail through Celery, with every link on
``SITE_URL``, the second-factor stage, breached passwords refused at login, security events,
the registration switch."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import breach, events, mail, passwords, ports, sudo
from .events import EventTag
from .models import User

# The links allauth puts in its mails' contexts (confirmation, password reset, the "unknown
# account" and "account already exists" mails).
MAILED_LINKS = ("activate_url", "password_reset_url", "signup_url")


def on_site(url: str) -> str:
    """``url`` (absolute or a path) as a link to this site at ``SITE_URL``: whichever allowed
    host a request named, a mailed link never points anywhere else."""
    parts = urlsplit(url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": _(
            "This username is already being used by another account. Choose a different username."
        ),
        "email_taken": _(
            "This email address is already being used by another account. Use a different email."
        ),
    }

    def get_login_stages(self) -> list[str]:
        return [*super().get_login_stages(), "accounts.stages.TwoFactorStage"]

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return not ports.is_on(ports.Switch.DISALLOW_NEW_USER_REGISTRATION)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        # allauth's rules (the pattern, taken), then the usernames administrators prohibit.
        username = super().clean_username(username, shallow=shallow)
        refusal = ports.username_refusal(username)
        if refusal:
            raise ValidationError(refusal, code="username_prohibited")
        return username

    def clean_email(self, email: str) -> str:
        # Registration and adding an address: an address at a prohibited mail domain is refused.
        email = super().clean_email(email)
        refusal = ports.email_refusal(email)
        if refusal:
            raise ValidationError(refusal, code="email_domain_prohibited")
        return email

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user.name = form.cleaned_data.get("name", "")
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            events.record(user, EventTag.ACCOUNT_CREATE, request=request)
        return user

    def can_delete_email(self, email_address: EmailAddress) -> bool:
        # The primary address gets the notices and the password resets: another address must
        # be made primary first (allauth would let the last one go when logins use usernames).
        return not email_address.primary and super().can_delete_email(email_address)

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth builds it from the request's Host header; an opaque "<uid>-<key>", as there.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return on_site(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(
        self, request: HttpRequest | None, emailconfirmation: Any
    ) -> str:
        return on_site(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render now, send from a Celery task once the transaction commits."""
        host = urlsplit(settings.SITE_URL).netloc
        site = SimpleNamespace(name=settings.SITE_NAME, domain=host)
        links = {name: on_site(context[name]) for name in MAILED_LINKS if context.get(name)}
        full = {
            "email": email,
            "current_site": site,
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            **context,
            **links,
        }
        message = self.render_mail(template_prefix, email, full)
        html = next(
            (body for body, kind in getattr(message, "alternatives", []) if kind == "text/html"),
            None,
        ) or render_to_string("email/_from_text.html", {**full, "text": message.body})
        subject, text, to = message.subject, message.body, list(message.to)
        mail.send_later(subject, text, html, to)
        user = context.get("user")
        if isinstance(user, User) and user.pk is not None:
            # As for the site's own notices (mail.send_notice): the history lists every mail.
            notice = template_prefix.rsplit("/", 1)[-1]
            events.record(user, EventTag.EMAIL_SENT, notice=notice, to=to)

    def send_notification_mail(
        self,
        template_prefix: str,
        user: User,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        # allauth leaves the user out of a notification's context: send_mail needs it above.
        super().send_notification_mail(
            template_prefix, user, {"user": user, **(context or {})}, email
        )

    def authenticate(self, request: HttpRequest, **credentials: Any) -> User | None:
        user = super().authenticate(request, **credentials)
        refusal = self._disabled_password(credentials) if user is None else None
        if refusal is not None:
            raise refusal
        if user is not None and breach.is_breached(credentials.get("password", "")):
            breach.disable_breached_password(user, request=request)
            raise ValidationError(breach.breached_message(), code="password_breached")
        if user is not None and user.is_frozen:
            raise ValidationError(
                _("Your account has been suspended. Contact the administrators of this index."),
                code="account_frozen",
            )
        return user

    @staticmethod
    def user_named(login: str) -> User | None:
        """The account ``login`` names, by username or by e-mail address (any case)."""
        return User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).first()

    @classmethod
    def _user_for(cls, credentials: dict[str, Any]) -> User | None:
        return cls.user_named(credentials.get("username") or credentials.get("email") or "")

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # Failed logins count per account, whether it is named by username or by address
        # (allauth keys them by the text typed, which gives each spelling its own 10 tries).
        user = self._user_for(credentials)
        if user is None:
            return super()._get_login_attempts_cache_key(request, **credentials)
        return f"user:{user.pk}"

    def _disabled_password(self, credentials: dict[str, Any]) -> ValidationError | None:
        """A disabled password (breached, compromised, reset by staff): the login says so
        until it is reset."""
        user = self._user_for(credentials)
        return passwords.login_refusal(user) if user is not None else None

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        user = self._user_for(credentials)
        if user is not None:
            events.record(user, EventTag.LOGIN_FAILURE, request=request, reason="password")

    def login(self, request: HttpRequest, user: User) -> None:
        super().login(request, user)
        sudo.confirmed_now(request)  # the password was just entered
        events.record(user, EventTag.LOGIN_SUCCESS, request=request)

    def set_password(self, user: User, password: str) -> None:
        user.set_password(password)
        user.password_date = timezone.now()
        user.save(update_fields=["password", "password_date"])
