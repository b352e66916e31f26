from .devices import AuthenticatorApp
from .events import UserEvent
from .tokens import ApiToken
from .user import USERNAME_MAX_LENGTH, USERNAME_PATTERN, User, username_validator

__all__ = [
    "USERNAME_MAX_LENGTH",
    "USERNAME_PATTERN",
    "ApiToken",
    "AuthenticatorApp",
    "User",
    "UserEvent",
    "username_validator",
]
