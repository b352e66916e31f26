"""Account URLs outside allauth's own (see pypi_site/urls.py for how they are mounted)."""

from django.urls import include, path

from . import api
from .views import confirm, disclosure, login, manage, recovery, tokens, two_factor

app_name = "accounts"
urlpatterns = [
    path("_/secrets/disclose-token", disclosure.disclose_token, name="disclose-token"),
    path("_/github/disclose-token", disclosure.disclose_token),
    # Resolved before allauth's own view at this address (pypi_site/urls.py), by username too.
    path("account/reset-password/", login.PasswordResetView.as_view(), name="reset-password"),
    path("account/two-factor/", login.second_factor, name="two-factor"),
    path("account/two-factor/recovery-code/", login.recovery_code, name="recovery-code"),
    path("account/confirm-login/", login.confirm_login, name="confirm-login"),
    path("account/confirm-password/", confirm.confirm_password, name="confirm-password"),
    path("account/recovery/", recovery.recover, name="recovery"),
    path("manage/account/", manage.overview, name="manage"),
    # Resolved before allauth's own view at this address (pypi_site/urls.py).
    path("manage/account/email/", manage.emails, name="emails"),
    path("manage/account/history/", manage.security_history, name="history"),
    path("manage/account/delete/", manage.delete_account, name="delete"),
    path("manage/account/two-factor/", two_factor.overview, name="two-factor-manage"),
    path("manage/account/totp-provision/", two_factor.totp_provision, name="totp-provision"),
    path("manage/account/totp/remove/", two_factor.totp_remove, name="totp-remove"),
    path(
        "manage/account/webauthn-provision/",
        two_factor.webauthn_provision,
        name="webauthn-provision",
    ),
    path(
        "manage/account/webauthn/<int:pk>/remove/",
        two_factor.webauthn_remove,
        name="webauthn-remove",
    ),
    path("manage/account/recovery-codes/", two_factor.recovery_codes, name="recovery-codes"),
    path("manage/account/token/", tokens.tokens, name="tokens"),
    path("manage/account/token/<uuid:pk>/delete/", tokens.delete_token, name="token-delete"),
    path("api/account/tokens/", api.TokenList.as_view(), name="api-tokens"),
    path("api/account/tokens/<uuid:pk>/", api.TokenDetail.as_view(), name="api-token"),
]

webauthn_patterns = [path("account/webauthn/", include("accounts.webauthn"))]
