"""One error root. Messages a user sees start with `path:line:` when there is an origin."""

from __future__ import annotations

from converter.core.diagnostics import Origin


class ConverterError(Exception):
    """Base of every error the CLI turns into a clean message (never a traceback)."""

    exit_code = 2

    def __init__(self, message: str, origin: Origin | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message


class InputError(ConverterError):
    """Bad input: unreadable or unparseable source, missing module, bad option value. Exit 2."""


class DatabaseError(ConverterError):
    """Connection failure, missing privilege, wrong dialect. Exit 2."""


class Unreachable(DatabaseError):
    """The database could not be connected to (refused, unknown host, no such database or
    file, authentication): nothing of it was read. Exit 2."""


class MigrationFailed(InputError):
    """A migrations folder's chain could not be read or applied: a revision failed on the
    database, or Alembic refused the chain. Exit 2 (verify reports it as a failed step).
    A bug in code we generated is not this: it surfaces as an internal error."""


class CheckFailed(ConverterError):
    """A check ran and failed (verify mismatch, stamp drift). Exit 1."""

    exit_code = 1
