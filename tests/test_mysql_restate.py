"""MySQL MODIFY / CHANGE on MariaDB, one small legacy project per SQL form.

Each project creates `members` and `tags`, then runs one ALTER the legacy way. The converted
chain, on an empty database: upgrade head gives the columns the legacy database has (type,
nullability, default, comment, AUTO_INCREMENT, order), downgrade -1 the columns before the ALTER,
and upgrade +1 the same columns again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from legacy import run_legacy_source, sa_url, schema_summary
from test_end_to_end import alembic, run_cli

pytestmark = pytest.mark.mysql

CREATE = """
CREATE TABLE members (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    nick VARCHAR(50) NOT NULL DEFAULT '' COMMENT 'login name',
    seen_at DATETIME NULL,
    bio VARCHAR(200) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE tags (
    id INT NOT NULL PRIMARY KEY,
    label VARCHAR(20) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""

FORMS = {
    "modify-comment": "ALTER TABLE members MODIFY bio TEXT NULL COMMENT 'shown: on the profile'",
    "modify-on-update": "ALTER TABLE members MODIFY seen_at TIMESTAMP NULL DEFAULT NULL "
    "ON UPDATE CURRENT_TIMESTAMP",
    "modify-after": "ALTER TABLE members MODIFY COLUMN bio VARCHAR(300) NULL AFTER id",
    "modify-first": "ALTER TABLE members MODIFY seen_at DATETIME NOT NULL FIRST",
    "modify-charset": "ALTER TABLE members MODIFY bio VARCHAR(200) CHARACTER SET latin1 NULL",
    "change-rename-comment": "ALTER TABLE members CHANGE COLUMN nick handle VARCHAR(80) "
    "NOT NULL DEFAULT 'anon' COMMENT 'public handle' AFTER bio",
    "modify-drops-comment": "ALTER TABLE members MODIFY nick VARCHAR(60) NOT NULL DEFAULT ''",
    "modify-auto-increment": "ALTER TABLE tags MODIFY id INT NOT NULL AUTO_INCREMENT",
}


def columns(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's columns in order: name, type (with its character set), nullable, default,
    comment, AUTO_INCREMENT, and what else information_schema says (ON UPDATE ...)."""
    engine = sa.create_engine(sa_url(url))
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            extra = dict(
                ((str(t), str(c)), str(x))
                for t, c, x in conn.exec_driver_sql(
                    "SELECT table_name, column_name, extra FROM information_schema.columns "
                    "WHERE table_schema = DATABASE()"
                )
            )
            return {
                t: [
                    (
                        c["name"],
                        c["type"].compile(dialect=conn.dialect),
                        c["nullable"],
                        c.get("default"),
                        c.get("comment"),
                        c.get("autoincrement"),
                        extra[(t, c["name"])],
                    )
                    for c in insp.get_columns(t)
                ]
                for t in sorted(insp.get_table_names())
                if t != "alembic_version"
            }
    finally:
        engine.dispose()


def state(url: str) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, Any]]:
    return columns(url), schema_summary(url, names=True, defaults=True, column_order=True)


def project_with(tmp_path: Path, sql: str) -> Path:
    folder = tmp_path / "project" / "migrations_manual_sql"
    folder.mkdir(parents=True)
    (folder / "001_tables.sql").write_text(CREATE)
    (folder / "002_alter.sql").write_text(sql + ";\n")
    return folder.parent


@pytest.mark.parametrize("sql", list(FORMS.values()), ids=list(FORMS))
def test_modify_change_upgrade_downgrade_upgrade_match_the_legacy_database(
    sql: str, tmp_path: Path, mysql_url_factory
) -> None:
    project = project_with(tmp_path, sql)
    before, after = mysql_url_factory(), mysql_url_factory()
    run_legacy_source("migrations_manual_sql/001_tables.sql", before, project)
    for source in ("001_tables.sql", "002_alter.sql"):
        run_legacy_source(f"migrations_manual_sql/{source}", after, project)
    legacy_before, legacy_after = state(before), state(after)
    assert legacy_before != legacy_after  # the form changes something the test sees

    converted = run_cli("convert", str(project), "--dialect", "mysql")
    assert converted.returncode == 0, converted.stdout + converted.stderr
    assert "is unknown" not in converted.stdout
    migrations = project / "migrations"
    [revision] = (migrations / "versions").glob("*002_alter.py")
    assert "cannot downgrade" not in revision.read_text()

    chain = mysql_url_factory()
    alembic(migrations, chain, "upgrade", "head")
    assert state(chain) == legacy_after
    alembic(migrations, chain, "downgrade", "-1")
    assert state(chain) == legacy_before
    alembic(migrations, chain, "upgrade", "+1")
    assert state(chain) == legacy_after


def test_modify_of_a_column_the_model_does_not_know_runs_as_written_without_downgrade(
    tmp_path: Path,
) -> None:
    """The table came from create_all() (no --models): the statement runs as written, and the
    revision says why it has no downgrade."""
    folder = tmp_path / "project" / "migrations_manual_sql"
    folder.mkdir(parents=True)
    (folder / "001_alter.sql").write_text(FORMS["modify-comment"] + ";\n")
    converted = run_cli("convert", str(folder.parent), "--dialect", "mysql")
    assert converted.returncode == 0, converted.stdout + converted.stderr
    assert "members.bio before this MODIFY / CHANGE is unknown" in converted.stdout
    [revision] = (folder.parent / "migrations" / "versions").glob("*.py")
    text = revision.read_text()
    assert "cannot downgrade: the previous definition of members.bio is unknown" in text
    assert "MODIFY bio TEXT NULL COMMENT" in text
