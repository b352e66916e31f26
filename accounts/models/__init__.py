from .devices import AuthenticatorApp, RecoveryCode, RecoveryCodes, recovery_code_digest
from .events import UserEvent
from .logins import LoginStatus, UniqueLogin
from .tokens import ApiToken
from .user import USERNAME_MAX_LENGTH, USERNAME_PATTERN, User, username_validator

__all__ = [
    "USERNAME_MAX_LENGTH",
    "USERNAME_PATTERN",
    "ApiToken",
    "AuthenticatorApp",
    "LoginStatus",
    "RecoveryCode",
    "RecoveryCodes",
    "UniqueLogin",
    "User",
    "UserEvent",
    "recovery_code_digest",
    "username_validator",
]
