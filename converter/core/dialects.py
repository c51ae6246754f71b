"""The SQL dialects the tool converts for, and every spelling of them it accepts.

The pipeline names a dialect as sqlglot does ("sqlite", "postgres", "mysql"); SQLAlchemy calls
PostgreSQL "postgresql", users write "pg" or "mariadb", URLs name a backend and scripts a driver
module. Each of those spellings is mapped here, once.
"""

from __future__ import annotations

from enum import Enum


class Dialect(str, Enum):
    """A target dialect. Its value is sqlglot's name, so it compares equal to that string."""

    SQLITE = "sqlite"
    POSTGRES = "postgres"
    MYSQL = "mysql"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return self.value.__format__(spec)

    @classmethod
    def _missing_(cls, value: object) -> Dialect | None:
        return find_dialect(value) if isinstance(value, str) else None

    @property
    def sqlglot(self) -> str:
        return self.value

    @property
    def sqlalchemy(self) -> str:
        """SQLAlchemy's dialect name (also its `sqlalchemy.dialects` module)."""
        return "postgresql" if self is Dialect.POSTGRES else self.value


# What users write (--dialect, pyproject.toml, file-name suffixes such as `_mysql.sql`), and what
# SQLAlchemy reports as a backend name.
_NAMES = {
    "sqlite": Dialect.SQLITE,
    "postgres": Dialect.POSTGRES, "postgresql": Dialect.POSTGRES, "pg": Dialect.POSTGRES,
    "mysql": Dialect.MYSQL, "mariadb": Dialect.MYSQL,
}  # fmt: skip

# DBAPI and driver module names seen in scripts, on top of the names above.
_DRIVERS = {
    "pysqlite": Dialect.SQLITE, "aiosqlite": Dialect.SQLITE,
    "psycopg": Dialect.POSTGRES, "psycopg2": Dialect.POSTGRES, "pg8000": Dialect.POSTGRES,
    "asyncpg": Dialect.POSTGRES,
    "pymysql": Dialect.MYSQL, "mysqldb": Dialect.MYSQL,
}  # fmt: skip

CHOICES = "sqlite, postgresql or mysql"


def find_dialect(name: str) -> Dialect | None:
    """The dialect a user-facing name or backend name means, or None when it names none."""
    return _NAMES.get(name.lower())


def parse_dialect(name: str) -> Dialect:
    """The dialect `name` means; ValueError naming the choices when it means none."""
    found = find_dialect(name)
    if found is None:
        raise ValueError(f"{name!r}; choose {CHOICES}")
    return found


def dialect_family(name: str) -> Dialect | None:
    """The dialect of a name or a driver module (`psycopg2`, `pymysql`), or None."""
    lowered = name.lower()
    return _NAMES.get(lowered) or _DRIVERS.get(lowered)
