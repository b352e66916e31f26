"""Trusted publishing: publishers, verifying a CI platform's OIDC token, minting upload tokens
(see docs/trusted-publishing.md)."""
