"""The one place legacy2alembic drives Alembic, through its public API.

verify and stamp read a migrations folder's revisions, apply its chain on a connection of
ours (env.py finds it in `config.attributes["connection"]`: Alembic's cookbook recipe for
sharing a connection) and write a version row. Their failures are mapped here, once:

- a revision that fails while it runs (a database error, or an error it raises itself) becomes
  MigrationFailed, located at the last line of the migrations folder the error passed through
  and naming the revision: "upgrade failed in revision <id>: <first line of the error>";
- Alembic refusing the chain or the target (CommandError, RevisionError) becomes
  MigrationFailed too;
- a lost connection is re-raised as is: the caller's `database_errors` knows which database;
- NameError, SyntaxError, TypeError or AttributeError, raised while importing or running a
  revision, are bugs in code we generated, not the user's input: they are re-raised as they are,
  and the CLI reports an internal error (exit 3) instead of blaming the input (exit 2).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from converter.core.diagnostics import Origin
from converter.core.errors import MigrationFailed
from converter.database.urls import describe_error

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script
    from sqlalchemy.engine import Connection

# Raised by our own generated code when it is wrong, never by a database or a revision's intent.
CODE_BUGS: tuple[type[BaseException], ...] = (NameError, SyntaxError, TypeError, AttributeError)


def alembic_config(migrations: Path, connection: Connection | None = None) -> Config:
    """The folder's Config, pointed at the folder, sharing `connection` with env.py."""
    from alembic.config import Config

    cfg = Config(str(Path(migrations) / "alembic.ini"))
    cfg.set_main_option("script_location", str(migrations).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(migrations: Path, connection: Connection, target: str = "head") -> None:
    """`alembic upgrade <target>` on `connection` (one revision at a time: pass its id)."""
    from alembic import command

    cfg = alembic_config(migrations, connection)
    with _applying(cfg, Path(migrations), "upgrade"):
        command.upgrade(cfg, target)


def downgrade(migrations: Path, connection: Connection, target: str = "base") -> None:
    """`alembic downgrade <target>` on `connection`."""
    from alembic import command

    cfg = alembic_config(migrations, connection)
    with _applying(cfg, Path(migrations), "downgrade"):
        command.downgrade(cfg, target)


class Stepper:
    """Upgrades one connection revision by revision with one loaded ScriptDirectory.

    `command.upgrade` loads every revision file again on each call: replaying a chain of N
    revisions one at a time that way loads N * N files (ten times slower at 100 revisions).
    Here the documented objects do what it does, once: an EnvironmentContext on the shared
    ScriptDirectory runs env.py, with the steps from `ScriptDirectory.iterate_revisions` as
    `MigrationStep`s (the step type EnvironmentContext's `fn` returns; no private method).
    """

    def __init__(self, migrations: Path, connection: Connection) -> None:
        from alembic.script import ScriptDirectory

        self.migrations = Path(migrations)
        self.config = alembic_config(migrations, connection)
        self.script = ScriptDirectory.from_config(self.config)

    def upgrade(self, revision: str) -> None:
        """`alembic upgrade <revision>`, failures mapped as the module docstring says."""
        from alembic.runtime.environment import EnvironmentContext

        with (
            _applying(self.config, self.migrations, "upgrade"),
            EnvironmentContext(
                self.config, self.script, fn=self._steps_to(revision), destination_rev=revision
            ),
        ):
            self.script.run_env()

    def _steps_to(self, revision: str) -> Callable[[Any, Any], list[Any]]:
        from alembic.runtime.migration import MigrationStep

        def steps(heads: Any, _context: Any) -> list[Any]:
            scripts = list(self.script.iterate_revisions(revision, heads, implicit_base=True))
            revision_map = self.script.revision_map
            return [MigrationStep.upgrade_from_script(revision_map, s) for s in reversed(scripts)]

        return steps


def load_revisions(migrations: Path) -> tuple[list[Script], tuple[str, ...]]:
    """The folder's revisions from base to head, and its heads."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        scripts = ScriptDirectory.from_config(alembic_config(migrations))
        heads = tuple(scripts.get_heads())
        revisions = list(reversed(list(scripts.walk_revisions())))
    except CommandError as exc:
        raise MigrationFailed(f"{migrations}: cannot read the revision chain: {exc}") from None
    except CODE_BUGS:
        raise
    except Exception as exc:  # noqa: BLE001 - importing a revision file may raise anything
        raise MigrationFailed(
            f"{migrations}: cannot read the revision chain: {type(exc).__name__}: {exc}"
        ) from None
    return revisions, heads


def current_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions in the connection's version table, sorted (empty without one)."""
    from alembic.runtime.migration import MigrationContext

    return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def stamp(connection: Connection, migrations: Path, revision: str, *, replace: bool) -> None:
    """Write `revision` into the version table with Alembic's own `MigrationContext.stamp`;
    `replace`: delete the rows found first (also of revisions this chain does not know)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import table

    context = MigrationContext.configure(connection)
    if replace:
        version = table(context.version_table, schema=context.version_table_schema)
        connection.execute(version.delete())
    context.stamp(ScriptDirectory.from_config(alembic_config(migrations)), revision)


@contextmanager
def _applying(cfg: Config, migrations: Path, command: str) -> Iterator[None]:
    """Map what running `command` raised (see the module docstring)."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except (CommandError, RevisionError) as exc:
        raise MigrationFailed(f"alembic {command}: {exc}") from None
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise
        raise _revision_failure(cfg, migrations, command, exc) from None
    except CODE_BUGS:
        raise
    except Exception as exc:  # noqa: BLE001 - a revision may raise anything
        raise _revision_failure(cfg, migrations, command, exc) from None


def _revision_failure(
    cfg: Config, migrations: Path, command: str, exc: BaseException
) -> MigrationFailed:
    """MigrationFailed located at the last line of the migrations folder the error passed
    through, naming the revision defined there."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if _within(Path(f.filename), migrations)
    ]
    error = describe_error(exc) if hasattr(exc, "orig") else _first_line(exc)
    if not frames:
        return MigrationFailed(f"alembic {command} failed: {error}")
    frame = frames[-1]
    path = Path(frame.filename)
    revision = _revision_of(cfg, path)
    where = Origin(_display_path(path, migrations), frame.lineno or 0)
    subject = f"revision {revision}" if revision else path.name
    return MigrationFailed(f"{command} failed in {subject}: {error}", where)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


def _within(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


def _display_path(path: Path, migrations: Path) -> str:
    base = migrations.resolve().parent
    return path.resolve().relative_to(base).as_posix()


def _revision_of(cfg: Config, path: Path) -> str | None:
    """The id of the revision defined in `path`, if it is one."""
    from alembic.script import ScriptDirectory

    try:
        scripts = ScriptDirectory.from_config(cfg)
        for script in scripts.walk_revisions():
            if Path(script.path).resolve() == path.resolve():
                return script.revision
    except Exception:  # noqa: BLE001 - the chain itself is broken; the file name will do
        return None
    return None
