"""Database URLs: masking, dialect names, and connecting with errors a user can act on.

A password never leaves this module in text form: every message uses `mask_url`.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from converter.core.dialects import CHOICES, Dialect, find_dialect
from converter.core.errors import DatabaseError, InputError, Unreachable

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

# Default DBAPI per backend when the URL names none and SQLAlchemy's default is not installed
# (SQLAlchemy 2.1 defaults postgresql:// to psycopg 3; many projects only have psycopg2).
_FALLBACK_DRIVERS = {"postgresql": ("psycopg", "psycopg2"), "mysql": ("mysqldb", "pymysql")}

# (pattern in the DBAPI message, what to tell the user), first match wins.
_REASONS = (
    (
        re.compile(r"connection refused|could not connect|can't connect", re.IGNORECASE),
        "connection refused",
    ),
    (
        re.compile(r"could not translate host name|name or service not known", re.IGNORECASE),
        "unknown host",
    ),
    (
        re.compile(r"authentication failed|access denied|role .* does not exist", re.IGNORECASE),
        "authentication failed",
    ),
    (
        re.compile(r'database "?[^"]*"? does not exist|unknown database', re.IGNORECASE),
        "database does not exist",
    ),
    (re.compile(r"unable to open database file", re.IGNORECASE), "cannot open the database file"),
    (
        re.compile(r"permission denied|insufficient privilege|must be owner", re.IGNORECASE),
        "permission denied",
    ),
)

# Driver prefixes that repeat what the message already says (host and port are in the URL).
_NOISE = re.compile(
    r'^(connection to server at "[^"]*"(, port \d+)? failed: |\(\w+\) )?(FATAL: +)?'
)


def _parse(url: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise InputError(f"not a database URL: {mask_url(url)}") from exc


# `scheme://user:SECRET@`: the secret runs to the last `@` of the line (an unescaped `@` in a
# password must not leave its tail in view).
_USERINFO = re.compile(r"(://\s*[^:/?#@\s]*:)(.*)@")
# `user:SECRET@host` with no scheme in front.
_BARE_USERINFO = re.compile(r":[^:/@\s]+@")
# `password=SECRET` in a query string or a libpq keyword string, quoted or not.
_KEYWORD = re.compile(
    r"(?i)\b(password|passwd|pwd|sslpassword)(\s*=\s*)('(?:[^'\\]|\\.)*'|\"[^\"]*\"|[^\s&]+)"
)


def mask_url(text: str, *known: str | None) -> str:
    """`text` (a URL, a libpq keyword string, or a message holding them) with every password
    replaced by ***; also every secret of the `known` URLs, wherever a driver echoed it.
    The one masking function: safe to print or store."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    text = str(text)
    try:
        text = make_url(text).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        pass
    for secret in sorted({s for url in known for s in _secrets(url)}, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _USERINFO.sub(lambda m: m[1] + "***@", text)
    text = _BARE_USERINFO.sub(":***@", text)
    return _KEYWORD.sub(lambda m: m[1] + m[2] + "***", text)


def _secrets(url: str | None) -> set[str]:
    """The password of `url` however it is read: as SQLAlchemy parses it, as written up to the
    last `@`, its `@`-separated pieces (a driver may echo one as a host), a `password=` value."""
    if not url:
        return set()
    found = {m[3].strip("'\"") for m in _KEYWORD.finditer(url)}
    written = _USERINFO.search(url)
    if written:
        found.add(written[2])
        found.update(p for p in written[2].split("@") if len(p) >= 3)
    with suppress(InputError):
        password = _parse(url).password
        found.add(str(password) if password else "")
    return {s for s in found if s and s != "***"}


def dialect_of(url: str) -> Dialect:
    """The dialect of a URL."""
    backend = _parse(url).get_backend_name()
    dialect = find_dialect(backend)
    if dialect is None:
        raise InputError(f"{mask_url(url)}: unsupported database {backend!r} (expected {CHOICES})")
    return dialect


def with_driver(url: str) -> URL:
    """The parsed URL, naming an installed DBAPI when the URL leaves the choice to SQLAlchemy."""
    parsed = _parse(url)
    candidates = _FALLBACK_DRIVERS.get(parsed.get_backend_name())
    if parsed.drivername != parsed.get_backend_name() or not candidates:
        return parsed
    for driver in candidates:
        if importlib.util.find_spec(driver) is not None:
            return parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")
    return parsed


def connect(url: str, *, autocommit: bool = False) -> Engine:
    """An Engine for `url`, checked by opening one connection; failures become DatabaseError.

    NullPool: this tool opens few connections, and a pooled idle connection would block
    DROP DATABASE of a scratch database.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    parsed = with_driver(url)
    _check_sqlite_file(parsed, url)
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    with database_errors(url, error=Unreachable):
        engine = create_engine(parsed, poolclass=NullPool, **options)
        engine.connect().close()
    return engine


def _check_sqlite_file(parsed: URL, url: str) -> None:
    """SQLite creates a missing file silently; a missing database is an error here."""
    if parsed.get_backend_name() != "sqlite":
        return
    path = parsed.database or ""
    if path and path != ":memory:" and not path.startswith("file:") and not os.path.exists(path):
        raise Unreachable(f"cannot connect to {mask_url(url)}: database file does not exist")


@contextmanager
def database_errors(
    url: str, doing: str = "cannot connect to", error: type[DatabaseError] = DatabaseError
) -> Iterator[None]:
    """Turn driver and SQLAlchemy connection errors inside the block into `error`s."""
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    try:
        yield
    except NoSuchModuleError as exc:
        raise error(f"{doing} {mask_url(url)}: {mask_url(str(exc), url)}") from None
    except DBAPIError as exc:
        raise error(f"{doing} {mask_url(url)}: {describe_error(exc, url)}") from None
    except ModuleNotFoundError as exc:
        raise error(
            f"{doing} {mask_url(url)}: database driver {exc.name!r} is not installed"
        ) from None


def describe_error(exc: BaseException, url: str | None = None) -> str:
    """One line about a database error: a known reason, else the driver's first line.

    The URL's password is scrubbed in case a driver echoes it.
    """
    original = getattr(exc, "orig", None) or exc
    text = mask_url(str(original).strip(), url)
    first = _NOISE.sub("", text.splitlines()[0] if text else type(original).__name__).strip()
    for pattern, reason in _REASONS:
        if pattern.search(text):
            return first if pattern.search(first) else f"{reason}: {first}"
    return first
