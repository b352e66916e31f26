"""A small JSON API over the same token operations, for automation (DRF).

Authentication: a browser session that passed 2FA and confirmed the password within the
sudo window, or HTTP Basic with the account password plus the current code of its
authentication app in ``X-OTP-Code`` (so a script proves both factors on every call). Those
are the factors of a web login, so an address the account has not confirmed waits for the
mailed link as a web login does (``login_confirmation``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import login_confirmation, ports, ratelimit, readiness, services, sudo, two_factor
from .client import client_ip
from .http import AuthenticatedRequest
from .models import ApiToken

UNCONFIRMED_ADDRESS = _(
    "This account has not been used from this address before. We have emailed a link: open "
    "it from this address, then try again."
)


class PasswordAndCodeAuthentication(authentication.BasicAuthentication):
    """Basic auth (username or e-mail, password) and a TOTP code in ``X-OTP-Code``."""

    LIMITS = [(10, 300)]  # failed attempts per address, as for the login form

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> Any:
        address = (client_ip(request) if request else None) or "unknown"
        if ratelimit.exceeded("api-auth", address, self.LIMITS):
            raise exceptions.Throttled()
        try:
            user, _auth = super().authenticate_credentials(userid, password, request)
            app = two_factor.confirmed_app(user)
            code = (request.META.get("HTTP_X_OTP_CODE", "") if request else "").strip()
            if user.is_frozen or app is None or not code or not app.verify_token(code):
                raise exceptions.AuthenticationFailed(_("A valid X-OTP-Code header is required."))
        except exceptions.AuthenticationFailed:
            ratelimit.hit("api-auth", address, self.LIMITS)
            raise
        if login_confirmation.must_wait(user, request, app):
            # The same factors as a web login: from a new address they wait for the mail.
            raise exceptions.PermissionDenied(UNCONFIRMED_ADDRESS)
        return user, "password+totp"


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
        fields = ["id", "description", "created", "last_used", "expires", "scope"]

    def get_scope(self, row: ApiToken) -> Any:
        return row.permissions_caveat.get("permissions")


class NewTokenSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=100)
    project = serializers.CharField(required=False)
    expires_in_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)

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
