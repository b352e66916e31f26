"""The site's URLs plus the token exchange, for testing its view before the exchange is wired
into packages/urls.py (it is, once upload tokens can be minted)."""

from django.urls import path

from packages.oidc import views
from pypi_site.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("_/oidc/mint-token", views.mint_token),
    path("_/oidc/github/mint-token", views.mint_token),
    *site_urlpatterns,
]
