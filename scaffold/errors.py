"""Exceptions, one hierarchy. The core raises these; ``cli.py`` maps them to output and exit codes.

Each error carries its exit code (:attr:`ScaffoldError.exit_code`), so the command line
turns any of them into one line on stderr and that code in one place (``_console.failure``).
"""

from __future__ import annotations


class ScaffoldError(Exception):
    """Root of every error scaffold raises on purpose."""

    exit_code = 1


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


class UsageError(UserError):
    """The command line itself is wrong (an unknown rule or format): exit 2, as click does."""

    exit_code = 2


class InvalidAnswerError(UserError, ValueError):
    """A value given by flag, data file or prompt breaks a VTEX naming rule."""


class MissingAnswerError(UserError):
    """A required value was not given and cannot be prompted for (no TTY)."""


class DestinationError(UserError):
    """The destination folder cannot be written as asked."""


class Cancelled(UserError):
    """The person answered no to the final confirmation of ``scaffold new``."""


class ProjectError(UserError):
    """An existing app cannot be read or edited safely."""


class ConflictError(UserError):
    """The requested change contradicts what the app already has."""


class NotCertainError(UserError):
    """``check --fix`` would need a guess, so leaves the finding to the person."""


class UpdateError(UserError):
    """The app cannot be updated as asked (dirty tree, unknown version, no template)."""


class UnknownRuleError(UsageError, ValueError):
    """``--select`` or ``--ignore`` names a rule that does not exist."""
