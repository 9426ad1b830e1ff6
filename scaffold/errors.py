"""Exceptions. The core raises these; only ``cli.py`` turns them into output and exit codes."""

from __future__ import annotations


class ScaffoldError(Exception):
    """Root of every error scaffold raises on purpose."""


class UserError(ScaffoldError):
    """A mistake the user can fix; its message is shown as-is, on one line.

    Args:
        message: What is wrong, where, and how to fix it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidAnswerError(UserError, ValueError):
    """A value given by flag, data file or prompt breaks a VTEX naming rule."""


class MissingAnswerError(UserError):
    """A required value was not given and cannot be prompted for (no TTY)."""


class DestinationError(UserError):
    """The destination folder cannot be written as asked."""


class ProjectError(UserError):
    """An existing app cannot be read or edited safely."""


class ConflictError(UserError):
    """The requested change contradicts what the app already has."""
