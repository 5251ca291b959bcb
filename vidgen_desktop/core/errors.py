"""Typed errors: each carries a sentence a user can act on and the technical detail for the log.

Workers and the CLI turn these into banners / exit codes; nothing upstream parses message text.
"""

from __future__ import annotations


class VidGenError(Exception):
    """Base of every error we raise on purpose."""

    #: exit code used by the CLI when this error ends a command
    exit_code = 1

    def __init__(self, message: str, *, detail: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint

    def user_text(self) -> str:
        return f"{self.message}\n{self.hint}".strip() if self.hint else self.message


class Cancelled(VidGenError):
    """The user asked to stop. Not a failure: UIs return to idle quietly."""

    exit_code = 130

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


class ServerUnavailable(VidGenError):
    """A server could not be reached at all (not running, wrong URL, firewall)."""

    exit_code = 3


class ServerError(VidGenError):
    """The server answered, but with an error we cannot fix by retrying blindly."""

    exit_code = 4


class ModelNotFound(ServerError):
    exit_code = 5


class InvalidOutput(VidGenError):
    """A model's reply could not be turned into what we need (e.g. scene JSON)."""

    exit_code = 6


class InvalidInput(VidGenError):
    """User-provided input (file, template, setting) is unusable."""

    exit_code = 2


class StorageError(VidGenError):
    """Disk trouble: full disk, no permission, path outside the project."""

    exit_code = 7
