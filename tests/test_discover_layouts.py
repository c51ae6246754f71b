"""Default discovery on layouts real projects use: every .sql file and every script named like a
migration is read, and each decision is listed with its reason (issue 10, items 1, 2 and 7)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from test_discover import git

from converter.commands.pipeline import analyse
from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Level
from converter.core.dialects import Dialect
from converter.discover.discovery import Discovery, discover

ENGINE = "import sqlite3\nconn = sqlite3.connect('app.db')\n"


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def found(root: Path, config: Config | None = None, dialect: str | None = "sqlite"):
    diags = Diagnostics()
    return discover(root, config or Config(), diags, dialect=dialect), diags


def skipped(discovery: Discovery) -> dict[str, str]:
    return dict(discovery.skipped)


def sources(discovery: Discovery) -> list[str]:
    return [s.path for s in discovery.sources]


def test_sql_files_anywhere_are_classified(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "add_phone_column.sql": "ALTER TABLE users ADD COLUMN phone TEXT;\n",
            "sql/create_audit_table.sql": "CREATE TABLE audit (id INTEGER PRIMARY KEY);\n",
            "db/backfill_names.sql": "UPDATE users SET name = trim(name);\n",
            "database_schema.sql": "CREATE TABLE u (id INTEGER);\nCREATE INDEX i ON users (a);",
            "dump.sql": "-- PostgreSQL database dump\nSET x = 1;\nALTER TABLE ONLY t ADD x;\n",
            "scripts/seed_demo.sql": "INSERT INTO users (name) VALUES ('demo');\n",
            "reports/overdue.sql": "-- report\nSELECT count(*) FROM tasks;\n",
            "notes/empty.sql": "-- nothing here yet\n",
            "venv/lib/x.sql": "CREATE TABLE nope (id INT);\n",
            "node_modules/pkg/x.sql": "CREATE TABLE nope (id INT);\n",
            "tests/fixture.sql": "CREATE TABLE nope (id INT);\n",
        },
    )
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    discovery, _ = found(tmp_path)
    assert sorted(sources(discovery)) == [
        "add_phone_column.sql",
        "db/backfill_names.sql",
        "sql/create_audit_table.sql",
    ]
    why = skipped(discovery)
    assert why["database_schema.sql"].startswith("full schema dump")
    assert why["dump.sql"].startswith("full schema dump")
    assert why["scripts/seed_demo.sql"].startswith("seed or data file")
    assert why["reports/overdue.sql"].startswith("queries only")
    assert why["notes/empty.sql"] == "no SQL statement in it"
    assert not any(p.startswith(("venv/", "node_modules/", "tests/")) for p in why)


def test_a_schema_file_that_alters_is_a_migration(tmp_path: Path) -> None:
    make(tmp_path, {"day5_schema_fix.sql": "ALTER TABLE t ADD COLUMN a INT;\n"})
    assert sources(found(tmp_path)[0]) == ["day5_schema_fix.sql"]


def test_configured_sql_globs_replace_the_sweep(tmp_path: Path) -> None:
    make(tmp_path, {"root.sql": "ALTER TABLE t ADD a INT;", "up/001_a.sql": "SELECT 1;"})
    discovery, _ = found(tmp_path, Config(sql_globs=("up/*.sql",)))
    assert sources(discovery) == ["up/001_a.sql"] and discovery.other_sql_dirs == (".",)


def test_mysql_only_syntax_is_a_twin_for_mysql(tmp_path: Path) -> None:
    mysql = "ALTER TABLE books MODIFY COLUMN title VARCHAR(300) NOT NULL;\n"
    make(
        tmp_path,
        {
            "migrations/003_widen.sql": mysql,
            "migrations/004_engine.sql": "CREATE TABLE x (id INT) ENGINE=InnoDB;\n",
            "migrations/005_tags.sql": "CREATE TABLE `tags` (id INTEGER);\n",
        },
    )
    discovery, diags = found(tmp_path)
    assert sources(discovery) == ["migrations/005_tags.sql"]  # backquotes: SQLite takes them too
    assert "mysql-only syntax" in skipped(discovery)["migrations/003_widen.sql"]
    assert any("written for mysql" in d.message for d in diags.of_level(Level.WARNING))
    assert len(sources(found(tmp_path, dialect="mysql")[0])) == 3


def test_a_same_stem_file_for_the_target_wins_over_a_mysql_one(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "sql/add_color.sql": "ALTER TABLE t ADD COLUMN color VARCHAR(7) AFTER name;\n"
            "ALTER TABLE t MODIFY COLUMN name VARCHAR(80);\n",
            "sql/add_color_sqlite.sql": "ALTER TABLE t ADD COLUMN color VARCHAR(7);\n",
        },
    )
    discovery, _ = found(tmp_path)
    assert sources(discovery) == ["sql/add_color_sqlite.sql"]
    assert skipped(discovery)["sql/add_color.sql"].startswith("twin for mysql")


def test_alembic_ini_naming_a_folder_without_revisions_hides_nothing(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/AlterQueries.sql": "ALTER TABLE t ADD COLUMN a INT;\n",
        },
    )
    discovery, _ = found(tmp_path)
    assert discovery.migrations_dirs == () and sources(discovery) == ["migrations/AlterQueries.sql"]
    make(tmp_path, {"migrations/versions/abc_initial_migration.py": "revision = 'abc'\n"})
    discovery, _ = found(tmp_path)
    assert discovery.migrations_dirs == ("migrations",)
    assert sources(discovery) == ["migrations/AlterQueries.sql"]


def test_hand_written_scripts_beside_flask_migrate_are_read(tmp_path: Path) -> None:
    ddl = ENGINE + "conn.execute('ALTER TABLE t ADD COLUMN a INT')\n"
    make(
        tmp_path,
        {
            "migrations/env.py": "from alembic import context\n",
            "migrations/script.py.mako": "",
            "migrations/versions/1_add_x.py": "from alembic import op\nrevision = '1'\n",
            "migrations/backfill_files.py": ddl,
            "migrations/add_bank_account_fields.sql": "ALTER TABLE t ADD COLUMN b INT;\n",
        },
    )
    discovery, _ = found(tmp_path)
    assert sources(discovery) == [
        "migrations/add_bank_account_fields.sql",
        "migrations/backfill_files.py",
    ]
    assert discovery.skipped == ()  # Alembic's own files are not decisions


def test_scripts_named_like_migrations_are_sources_only_with_ddl(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "migrate.py": ENGINE + "conn.execute('CREATE INDEX ix_a ON t (a)')\n",
            "FINAL_COMPLETE_MIGRATION.py": ENGINE + "conn.execute('ALTER TABLE t ADD b INT')\n",
            "tools/RUN_SCHEMA_REPAIR.py": ENGINE + "conn.execute('DROP TABLE old')\n",
            "scripts/fix_file_sizes.py": '"""Run after CREATE TABLE files."""\n'
            + ENGINE
            + "conn.execute('UPDATE files SET size = 0')\n",
            "add_admin_user.py": "print('no database here')\n",
            "manual_db_setup.py": ENGINE + "for t in rows(): conn.execute(t)\n"
            "# ALTER TABLE in a comment only\n",
        },
    )
    diags = Diagnostics()
    analysis = analyse(tmp_path, Config(), Dialect.SQLITE, diags, jobs=1)
    assert sorted(s.source.path for s in analysis.sources) == [
        "FINAL_COMPLETE_MIGRATION.py",
        "migrate.py",
        "tools/RUN_SCHEMA_REPAIR.py",
    ]
    why = dict(analysis.discovery.skipped)
    assert why["scripts/fix_file_sizes.py"] == (
        "named like a migration script, but runs no DDL (data or run-time SQL only)"
    )
    assert why["add_admin_user.py"] == "named like a migration script, but runs no DDL"
    assert why["manual_db_setup.py"] == "named like a migration script, but runs no DDL"


def test_one_shot_scripts_are_sources_whatever_their_name(tmp_path: Path) -> None:
    """A script run by hand (a `__main__` block, or SQL at module level) that runs DDL is a
    legacy source whatever its name; application modules and scripts without DDL are left out
    silently, a module running DDL without being a script is listed with why."""
    make(
        tmp_path,
        {
            "create_permission_tables.py": ENGINE
            + "def main():\n    conn.execute('CREATE TABLE perms (id INTEGER PRIMARY KEY)')\n"
            "if __name__ == '__main__':\n    main()\n",
            "legacy/tools/CANONICALIZE_KEYS.py": ENGINE + "for t in ['a_cfg', 'b_cfg']:\n"
            "    conn.execute(f'ALTER TABLE {t} ADD COLUMN k TEXT')\n",
            "restore_columns.py": '"""Run after ALTER TABLE t ADD a."""\n'
            + ENGINE
            + "if __name__ == '__main__':\n    conn.execute('UPDATE t SET a = 1')\n",
            "report.py": ENGINE
            + "if __name__ == '__main__':\n    print(conn.execute('SELECT 1'))\n",
            "db/ensure_schema.py": ENGINE
            + "def ensure():\n    conn.execute('CREATE TABLE IF NOT EXISTS s (id INT)')\n",
            "app.py": ENGINE + "conn.execute('CREATE TABLE boot (id INT)')\n"
            "if __name__ == '__main__':\n    pass\n",
            "test_schema.py": ENGINE + "conn.execute('CREATE TABLE t1 (id INT)')\n",
            "notes.py": "DOC = 'CREATE TABLE x (id INT)'\n",
            "init_tables.py": "from app import db\n"
            "if __name__ == '__main__':\n    db.create_all()\n",
            "debug_table_creation.py": ENGINE + "conn.execute('CREATE TABLE dbg (id INT)')\n",
            "backup_and_fix_columns.py": ENGINE + "conn.execute('ALTER TABLE t ADD c INT')\n",
        },
    )
    analysis = analyse(tmp_path, Config(), Dialect.SQLITE, Diagnostics(), jobs=1)
    # app.py runs DDL at import: an application file's start-up DDL (test_startup.py).
    assert sorted((s.source.path, s.source.startup) for s in analysis.sources) == [
        ("app.py", True),
        ("backup_and_fix_columns.py", False),
        ("create_permission_tables.py", False),
        ("legacy/tools/CANONICALIZE_KEYS.py", False),
    ]
    why = dict(analysis.discovery.skipped)
    assert why["restore_columns.py"] == (
        "a one-shot script, but runs no DDL (data or run-time SQL only)"
    )
    assert why["db/ensure_schema.py"].startswith("runs DDL but is not run as a script")
    quiet = ("report.py", "app.py", "test_schema.py", "notes.py", "init_tables.py")
    for path in (*quiet, "debug_table_creation.py"):
        assert path not in why


def test_a_named_script_that_cannot_be_read_is_left_out_not_fatal(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "fix_schema.py": "ALTER = 'ALTER TABLE t ADD a INT'\ndef f(:\n",
            "migrations_manual_sql/001_a.sql": "CREATE TABLE t (id INT);\n",
        },
    )
    analysis = analyse(tmp_path, Config(), Dialect.SQLITE, Diagnostics(), jobs=1)
    assert [s.source.path for s in analysis.sources] == ["migrations_manual_sql/001_a.sql"]
    assert "cannot be read" in dict(analysis.discovery.skipped)["fix_schema.py"]


def test_a_non_utf8_sql_file_is_warned_about_and_the_rest_converted(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "exact_table_structures.sql": b"-- ok\nCREATE TABLE t (a TEXT); -- \xc7\xd1\xb1\xdb\n",
            "add_a.sql": "ALTER TABLE t ADD COLUMN a INT;\n",
        },
    )
    discovery, diags = found(tmp_path)
    assert sources(discovery) == ["add_a.sql"]
    [warning] = diags.of_level(Level.WARNING)
    assert str(warning.origin) == "exact_table_structures.sql:2" and warning.code == "L2A113"


def test_a_sql_file_and_a_script_repeating_it_are_one_source(tmp_path: Path) -> None:
    sql = "ALTER TABLE tasks ADD COLUMN due DATE;\nCREATE INDEX ix_due ON tasks (due);\n"
    script = (
        ENGINE + "conn.execute('ALTER TABLE tasks ADD COLUMN IF NOT EXISTS due DATE')\n"
        "conn.execute('''CREATE INDEX ix_due\n    ON tasks(due)''')\nconn.commit()\n"
    )
    make(tmp_path, {"migrations/002_due.sql": sql, "migrate_002_due.py": script})
    diags = Diagnostics()
    analysis = analyse(tmp_path, Config(), Dialect.SQLITE, diags, jobs=1)
    assert [s.source.path for s in analysis.sources] == ["migrations/002_due.sql"]
    assert dict(analysis.discovery.skipped)["migrate_002_due.py"] == (
        "twin of migrations/002_due.sql: runs the same statements, converted there"
    )
    assert [d.code for d in diags.items if "twin" in d.message] == ["L2A115"]


def test_a_script_doing_more_than_the_sql_file_is_not_its_twin(tmp_path: Path) -> None:
    script = (
        ENGINE + "conn.execute('ALTER TABLE t ADD COLUMN a INT')\nconn.execute('DROP TABLE x')\n"
    )
    make(tmp_path, {"add_a.sql": "ALTER TABLE t ADD COLUMN a INT;\n", "migrate_a.py": script})
    analysis = analyse(tmp_path, Config(), Dialect.SQLITE, Diagnostics(), jobs=1)
    assert len(analysis.sources) == 2


def test_git_log_without_blobs_falls_back_to_no_renames(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    make(tmp_path, {"sql/001_a.sql": "CREATE TABLE a (id INT);\n" * 50})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "a")
    old = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD:sql/001_a.sql"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    git(tmp_path, "mv", "sql/001_a.sql", "sql/001_first.sql")
    make(tmp_path, {"sql/001_first.sql": "CREATE TABLE a (id INT);\n" * 50 + "-- renamed\n"})
    make(tmp_path, {"sql/002_b.sql": "CREATE TABLE b (id INT);\n"})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "rename", date="2024-02-01T12:00:00+00:00")
    (tmp_path / ".git" / "objects" / old[:2] / old[2:]).unlink()  # a blob left out of a clone
    discovery, diags = found(tmp_path)
    assert sources(discovery) == ["sql/001_first.sql", "sql/002_b.sql"]
    assert discovery.sources[1].reason.startswith("git: first added")
    assert [d.code for d in diags.of_level(Level.WARNING)] == ["L2A114"]


def test_unnumbered_sources_without_git_are_warned_about(tmp_path: Path) -> None:
    make(
        tmp_path, {"add_b.sql": "ALTER TABLE t ADD b INT;", "add_a.sql": "ALTER TABLE t ADD a INT;"}
    )
    _, diags = found(tmp_path)
    [warning] = diags.of_level(Level.WARNING)
    assert warning.code == "L2A109" and "add_a.sql, add_b.sql" in warning.message


def test_a_numbered_seed_in_the_legacy_folder_is_a_data_step(tmp_path: Path) -> None:
    """`003_seed_admin.sql` between numbered migrations is a step of the history (a data
    migration), while an unnumbered `seed_demo.sql` is a seed file."""
    root = make(
        tmp_path / "p",
        {
            "migrations_manual_sql/001_users.sql": "CREATE TABLE users (id INTEGER);\n",
            "migrations_manual_sql/002_seed_admin.sql": "INSERT INTO users (id) VALUES (1);\n",
            "migrations_manual_sql/seed_demo.sql": "INSERT INTO users (id) VALUES (2);\n",
        },
    )
    discovery, _ = found(root)
    assert "migrations_manual_sql/002_seed_admin.sql" in sources(discovery)
    assert skipped(discovery)["migrations_manual_sql/seed_demo.sql"].startswith("seed or data")


def test_a_named_data_port_is_left_out_as_a_data_port(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "fix_boolean_migration.py": "import sqlite3, psycopg2\n"
            "src = sqlite3.connect('app.db')\n"
            "dst = psycopg2.connect('postgresql://localhost/app')\n"
            "cur = dst.cursor()\n"
            "for t in ['users', 'accounts']:\n"
            "    cur.execute(f'ALTER TABLE {t} DISABLE TRIGGER ALL')\n"
            "    for row in src.execute(f'SELECT * FROM {t}'):\n"
            "        cur.execute(f'INSERT INTO {t} VALUES (%s)', row)\n",
            "migrations_manual_sql/001_a.sql": "CREATE TABLE users (id INT);\n",
        },
    )
    analysis = analyse(tmp_path, Config(), Dialect.POSTGRES, Diagnostics(), jobs=1)
    assert [s.source.path for s in analysis.sources] == ["migrations_manual_sql/001_a.sql"]
    assert dict(analysis.discovery.skipped)["fix_boolean_migration.py"] == (
        "named like a migration script, but a data port (copies rows between databases): "
        "not a migration"
    )


def test_a_script_name_after_its_date_or_number_prefix_is_read(tmp_path: Path) -> None:
    """`migrations/2025_07_21_add_reset_token_columns.py` is named like a migration once its
    ordering prefix is set aside (aksjeny); the prefix still orders it."""
    up = "MIGRATIONS = ['ALTER TABLE users ADD COLUMN reset_token VARCHAR(255)']\n\n"
    up += "def up():\n    return MIGRATIONS\n"
    make(
        tmp_path,
        {
            "migrations_manual_sql/001_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
            "migrations/2025_07_21_add_reset_token_columns.py": up,
            "migrations/003_fix_emails.py": ENGINE
            + "conn.execute('CREATE INDEX ix ON users (id)')\n",
            "migrations/2025_07_22_notes.py": "NOTES = 'ALTER TABLE is done by hand'\n",
        },
    )
    analysis = analyse(tmp_path, Config(), Dialect.SQLITE, Diagnostics(), jobs=1)
    paths = [s.source.path for s in analysis.sources]
    assert "migrations/2025_07_21_add_reset_token_columns.py" in paths
    assert "migrations/003_fix_emails.py" in paths
    assert "migrations/2025_07_22_notes.py" not in paths
    dated = analysis.sources[paths.index("migrations/2025_07_21_add_reset_token_columns.py")]
    assert [r.kind for r in dated.records] == ["schema"]
