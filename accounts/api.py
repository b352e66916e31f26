"""A small JSON API over the same token operations, for automation (DRF).

Authentication: a browser session that passed 2FA and confirmed the password within the
sudo window, or HTTP Basic with the account password plus the current code of its
authentication app in ``X-OTP-Code`` (so a script proves both factors on every call). Those
are the factors of a web login, so the login's limits and lockouts apply, and an address the
account has not confirmed waits for the mailed link as a web login does (``login_confirmation``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NoReturn

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import events, login_confirmation, ports, ratelimit, readiness, services, sudo, two_factor
from .adapter import AccountAdapter
from .events import EventTag
from .http import AuthenticatedRequest
from .models import ApiToken, User

INVALID_CREDENTIALS = _(
    "Invalid credentials: send the username or e-mail address and the password of the account, "
    "and a current code of its authentication application in the X-OTP-Code header."
)
TOO_MANY = _("There have been too many unsuccessful attempts. Try again later.")
UNCONFIRMED_ADDRESS = _(
    "This account has not been used from this address before. We have emailed a link: open "
    "it from this address, then try again."
)


class PasswordAndCodeAuthentication(authentication.BasicAuthentication):
    """Basic auth (username or e-mail, password) and a TOTP code in ``X-OTP-Code``.

    The login form's rules, so that the API is no way around them: every attempt counts
    against the form's failed-login limits (per address and per account, in the shared store)
    and none is checked while they are used up or while the account's second step is locked.
    Every failure, whichever factor was wrong, gets the same answer, and is recorded in the
    account's security history as a failed login.
    """

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> Any:
        http_request: HttpRequest = request._request
        attempt = ratelimit.login_attempt(http_request, userid)
        named = AccountAdapter.user_named(userid)
        # Locked before any factor is checked: the answer says nothing about the password.
        if attempt is None or (
            named is not None and ratelimit.second_factor_locked(http_request, named)
        ):
            raise exceptions.Throttled(detail=TOO_MANY)
        user = authenticate(http_request, username=userid, password=password)
        app = two_factor.confirmed_app(user) if user is not None else None
        code = request.META.get("HTTP_X_OTP_CODE", "").strip()
        if user is None or user.is_frozen or app is None or not code or not app.verify_token(code):
            failure = "password" if user is None else "totp"
            self._refuse(http_request, named if named is not None else user, failure)
        attempt.rollback()  # as the login form does: only failures count
        if login_confirmation.must_wait(user, http_request, app):
            # The same factors as a web login: from a new address they wait for the mail.
            raise exceptions.PermissionDenied(UNCONFIRMED_ADDRESS)
        return user, "password+totp"

    @staticmethod
    def _refuse(request: HttpRequest, named: User | None, failure: str) -> NoReturn:
        """One answer for every failure; the history of the account named records it."""
        if named is not None and not named.is_frozen:
            events.record(named, EventTag.LOGIN_FAILURE, request=request, reason=failure, api=True)
        raise exceptions.AuthenticationFailed(INVALID_CREDENTIALS)


class PublisherPermission(permissions.BasePermission):
    message = _("Two-factor authentication and a verified primary e-mail address are required.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not (readiness.has_two_factor(user) and readiness.has_verified_primary_email(user)):
            return False
        if request.auth == "password+totp":
            return True
        django_request: HttpRequest = request._request
        return user.is_verified() and (
            request.method in permissions.SAFE_METHODS or sudo.recently_confirmed(django_request)
        )


class TokenSerializer(serializers.ModelSerializer):
    scope = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "description", "created", "last_used", "expires", "scope", "can_manage"]

    def get_scope(self, row: ApiToken) -> Any:
        return row.permissions_caveat.get("permissions")


class NewTokenSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=100)
    project = serializers.CharField(required=False)
    expires_in_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    # True: the token may also use the project management API; uploads are the same either way.
    can_manage = serializers.BooleanField(required=False, default=False)

    def validate_description(self, value: str) -> str:
        if ApiToken.objects.filter(user=self.context["user"], description=value).exists():
            raise serializers.ValidationError(_("API token name already in use"))
        return value

    def validate_project(self, value: str) -> Any:
        from_name = {p.normalized_name: p for p in ports.projects_of(self.context["user"])}
        from_name.update({p.name: p for p in from_name.values()})
        if value not in from_name:
            raise serializers.ValidationError(_("You have no role on this project."))
        return from_name[value]


class _Base(APIView):
    authentication_classes = [
        authentication.SessionAuthentication,
        PasswordAndCodeAuthentication,
    ]
    permission_classes = [PublisherPermission]


class TokenList(_Base):
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(TokenSerializer(request.user.api_tokens.all(), many=True).data)

    def post(self, request: AuthenticatedRequest) -> Response:
        user = request.user
        data = NewTokenSerializer(data=request.data, context={"user": user})
        data.is_valid(raise_exception=True)
        days = data.validated_data.get("expires_in_days")
        project = data.validated_data.get("project")
        token, row = services.create_api_token(
            user,
            description=data.validated_data["description"],
            projects=[project] if project else [],
            expires_in=timedelta(days=days) if days else None,
            made_with_2fa=True,
            can_manage=data.validated_data["can_manage"],
            request=request._request,
        )
        body = {**TokenSerializer(row).data, "token": token}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetail(_Base):
    def delete(self, request: AuthenticatedRequest, pk: str) -> Response:
        row = ApiToken.objects.filter(pk=pk, user=request.user).first()
        if row is None:
            raise exceptions.NotFound()
        services.delete_api_token(row, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
