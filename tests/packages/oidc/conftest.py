"""The local OIDC issuer (tests/oidc_issuer.py) for every trusted-publishing test."""

from tests.oidc_issuer import oidc_issuer  # noqa: F401 - a fixture, used by name
