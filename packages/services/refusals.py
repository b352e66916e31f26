"""The one exception services raise when a change is not allowed."""

from __future__ import annotations


class Refused(Exception):
    """A change a service will not make: the HTTP status that fits and the reason, in words
    for the person (or client) who asked."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
