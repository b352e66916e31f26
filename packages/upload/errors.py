from __future__ import annotations


class UploadError(Exception):
    """A refused upload: the HTTP status and the message clients show (also the reason phrase)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __repr__(self) -> str:
        return f"UploadError({self.status}, {self.message!r})"


def bad_request(message: str) -> UploadError:
    return UploadError(400, message)


def forbidden(message: str) -> UploadError:
    return UploadError(403, message)
