"""The root URL map: each app mounts its own paths.

allauth's views are mounted under ``/account/``; the site's own addresses for some of them
(``/account/register/``, ``/account/reset-password/``, ``/manage/account/email/``) come after
allauth's include because ``reverse()`` takes the last pattern of a name, while resolving takes
the first match (so ``/account/signup/`` is taken over before the include).
"""

from allauth.account import views as allauth_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from accounts.urls import webauthn_patterns
from accounts.views.login import RegisterView
from pypi_site.health import health

register = RegisterView.as_view()
# Staff log in through allauth (rate limits, the second-factor stage); OTPAdminSite then
# admits only sessions that passed a second factor. Wrapping the bound view in place is
# allauth's documented recipe, which mypy flags as assigning to a method.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    # Load balancers' probes (pypi_site/health.py).
    path("_health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("account/signup/", register),
    *webauthn_patterns,
    path("", include("accounts.urls")),
    path("account/", include("allauth.urls")),
    path("account/register/", register, name="account_signup"),
    path("account/reset-password/", allauth_views.password_reset, name="account_reset_password"),
    path("manage/account/email/", allauth_views.email, name="account_email"),
    path("manage/account/password/", allauth_views.password_change, name="account_change_password"),
    path("help/", include("help.urls")),
    # The language switcher's form posts here (a cookie; back to the page it came from).
    path("locale/", set_language, name="set-language"),
    path("", include("moderation.urls")),
    path("", include("packages.urls")),
]
