"""extract_python and extract(): the SQL a legacy script sends, read with ast, never run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from converter.core.diagnostics import Diagnostics, Level, Origin
from converter.core.errors import InputError
from converter.extract import extract, extract_python, walker
from converter.ir.statements import CreateAllCall, Flag, Item, ManualCode, Statement

NOWHERE = Path("/nonexistent-project")


def run(
    source: str, dialect: str = "sqlite", root: Path = NOWHERE, path: str = "migrate.py"
) -> tuple[list[Item], Diagnostics]:
    diags = Diagnostics()
    return extract_python(textwrap.dedent(source), path, dialect, root, diags), diags


def items_of(source: str, dialect: str = "sqlite", root: Path = NOWHERE) -> list[Item]:
    return run(source, dialect, root)[0]


def kept(source: str, dialect: str = "sqlite", root: Path = NOWHERE) -> list[str]:
    """SQL of the statements not ignored, in order."""
    return [
        i.sql for i in items_of(source, dialect, root) if isinstance(i, Statement) and not i.ignored
    ]


def only(items: list[Item]) -> Item:
    assert len(items) == 1, items
    return items[0]


# --- database calls ----------------------------------------------------------------------------


def test_sqlite_cursor_execute_literal() -> None:
    items = items_of(
        """
        import sqlite3
        conn = sqlite3.connect("app.db")
        cursor = conn.cursor()
        cursor.execute("ALTER TABLE users ADD COLUMN age INTEGER")
        conn.commit()
        conn.close()
        """
    )
    assert items == [Statement("ALTER TABLE users ADD COLUMN age INTEGER", Origin("migrate.py", 5))]


def test_executescript_is_split_with_lines_of_each_statement() -> None:
    items = items_of(
        '''
        conn.executescript("""
            CREATE TABLE a (id INTEGER);
            -- the second one
            CREATE TABLE b (id INTEGER);
        """)
        '''
    )
    assert [(i.sql, i.origin.line) for i in items] == [
        ("CREATE TABLE a (id INTEGER)", 3),
        ("CREATE TABLE b (id INTEGER)", 5),
    ]


def test_executemany_with_literal_rows_inlines_each_row() -> None:
    items = items_of(
        """
        cur.executemany("INSERT INTO tags (id, name) VALUES (?, ?)", [(1, "bug"), (2, "it's")])
        """
    )
    assert [(i.sql, i.flags) for i in items] == [
        ("INSERT INTO tags (id, name) VALUES (1, 'bug')", frozenset({Flag.IN_LOOP})),
        ("INSERT INTO tags (id, name) VALUES (2, 'it''s')", frozenset({Flag.IN_LOOP})),
    ]


def test_executemany_with_runtime_rows_is_manual_code() -> None:
    item = only(items_of("cur.executemany('INSERT INTO t VALUES (?)', load_rows())\n"))
    assert isinstance(item, ManualCode)
    assert item.code == "cur.executemany('INSERT INTO t VALUES (?)', load_rows())"


def test_psycopg2_params_are_inlined() -> None:
    sql = kept(
        """
        cur.execute("UPDATE customers SET tier = %s, note = '100%%' WHERE id = %s", ("gold", 7))
        """,
        "postgres",
    )
    assert sql == ["UPDATE customers SET tier = 'gold', note = '100%' WHERE id = 7"]


def test_percent_is_left_alone_without_params() -> None:
    assert kept("cur.execute(\"UPDATE t SET note = '100%%'\")\n", "postgres") == [
        "UPDATE t SET note = '100%%'"
    ]


def test_sqlalchemy_text_with_dict_params() -> None:
    sql = kept(
        """
        from sqlalchemy import text
        with engine.begin() as conn:
            conn.execute(text("UPDATE projects SET archived = :a WHERE name = :n"),
                         {"a": True, "n": "Q1"})
        """
    )
    assert sql == ["UPDATE projects SET archived = 1 WHERE name = 'Q1'"]


@pytest.mark.parametrize(
    "call",
    [
        'db.session.execute(text("DROP TABLE old"))',
        'engine.execute("DROP TABLE old")',
        'conn.exec_driver_sql("DROP TABLE old")',
        'connection.execute(sa.text("DROP TABLE old"))',
        'op.execute("DROP TABLE old")',
    ],
)
def test_execute_call_shapes(call: str) -> None:
    assert kept(f"import sqlalchemy as sa\nfrom sqlalchemy import text\n{call}\n") == [
        "DROP TABLE old"
    ]


def test_text_escaped_colon_is_sent_as_colon() -> None:
    assert kept("conn.execute(text(\"UPDATE t SET at = '12\\\\:30'\"))\n") == [
        "UPDATE t SET at = '12:30'"
    ]


def test_runtime_params_give_manual_code() -> None:
    item = only(items_of("cur.execute('UPDATE t SET a = ? WHERE id = ?', (compute(), 3))\n"))
    assert isinstance(item, ManualCode)
    assert item.origin == Origin("migrate.py", 1)
    assert "parameters known only at run time" in item.reason


def test_multi_statement_string_through_psycopg2_is_split() -> None:
    items = items_of(
        '''
        cur.execute("""
        CREATE TYPE mood AS ENUM ('ok', 'sad');
        ALTER TABLE people ADD COLUMN mood mood;
        """)
        ''',
        "postgres",
    )
    assert [(i.sql, i.origin.line) for i in items] == [
        ("CREATE TYPE mood AS ENUM ('ok', 'sad')", 3),
        ("ALTER TABLE people ADD COLUMN mood mood", 4),
    ]


def test_transaction_control_from_python_is_ignored() -> None:
    items = items_of(
        'cur.execute("BEGIN")\ncur.execute("CREATE TABLE t (a)")\ncur.execute("COMMIT")\n'
    )
    assert [i.ignored for i in items] == ["transaction control", None, "transaction control"]


def test_autocommit_connection_flags_statements() -> None:
    item = only(
        items_of(
            """
            conn.autocommit = True
            cur.execute("CREATE INDEX CONCURRENTLY ix ON t (a)")
            """,
            "postgres",
        )
    )
    assert item.flags == frozenset({Flag.AUTOCOMMIT})


def test_sqlalchemy_list_of_parameter_dicts_runs_per_row() -> None:
    items = items_of(
        """
        from sqlalchemy import text
        stmt = text("UPDATE t SET a = :a").execution_options(autocommit=True)
        conn.execute(stmt, [{"a": 1}, {"a": 2}])
        """
    )
    assert [(i.sql, i.flags) for i in items] == [
        ("UPDATE t SET a = 1", frozenset({Flag.IN_LOOP})),
        ("UPDATE t SET a = 2", frozenset({Flag.IN_LOOP})),
    ]


def test_psycopg2_sql_composition() -> None:
    assert kept(
        """
        from psycopg2 import sql
        cur.execute(
            sql.SQL("ALTER TABLE {} ADD COLUMN note TEXT DEFAULT {}").format(
                sql.Identifier("order"), sql.Literal("it's")
            )
        )
        """,
        "postgres",
    ) == ["""ALTER TABLE "order" ADD COLUMN note TEXT DEFAULT 'it''s'"""]


# --- helpers -----------------------------------------------------------------------------------


def test_local_execute_helper_is_followed() -> None:
    items = items_of(
        """
        def run(sql):
            print("running", sql)
            cursor.execute(sql)

        run("ALTER TABLE a ADD COLUMN b TEXT")
        run("DROP TABLE c")
        """
    )
    assert [(i.sql, i.origin.line) for i in items] == [
        ("ALTER TABLE a ADD COLUMN b TEXT", 6),
        ("DROP TABLE c", 7),
    ]


def test_helper_building_sql_reports_call_site() -> None:
    items = items_of(
        """
        def add_column(table, column, kind):
            sql = f"ALTER TABLE {table} ADD COLUMN {column} {kind}"
            cur.execute(sql)

        add_column("users", "age", "INTEGER")
        """
    )
    assert items == [Statement("ALTER TABLE users ADD COLUMN age INTEGER", Origin("migrate.py", 6))]


def test_helper_return_value_is_folded() -> None:
    assert kept(
        """
        def ddl(table):
            return "DROP TABLE " + table
        cur.execute(ddl("old"))
        """
    ) == ["DROP TABLE old"]


def test_self_method_helper_is_followed() -> None:
    assert kept(
        """
        class Migration:
            def run(self, sql):
                self.cur.execute(sql)
            def upgrade(self):
                self.run("DROP TABLE x")
        Migration().upgrade()
        """
    ) == ["DROP TABLE x"]


# --- folding -----------------------------------------------------------------------------------


def test_module_and_function_constants() -> None:
    assert kept(
        """
        TABLE = "users"
        SQL = "CREATE INDEX ix_users_email ON " + TABLE + " (email)"
        def main():
            other = 'DROP TABLE ' 'legacy'
            cur.execute(SQL)
            cur.execute(other)
        main()
        """
    ) == ["CREATE INDEX ix_users_email ON users (email)", "DROP TABLE legacy"]


def test_format_and_percent_formatting() -> None:
    assert kept(
        """
        T, C = "users", "email"
        cur.execute("CREATE INDEX ix_{t}_{c} ON {t} ({c})".format(t=T, c=C))
        cur.execute("DROP INDEX %s" % ("ix_old",))
        cur.execute(f"ALTER TABLE {T} ADD COLUMN {C!s} TEXT")
        """
    ) == [
        "CREATE INDEX ix_users_email ON users (email)",
        "DROP INDEX ix_old",
        "ALTER TABLE users ADD COLUMN email TEXT",
    ]


def test_dedent_and_strip_keep_the_line_of_the_text() -> None:
    items = items_of(
        '''
        import textwrap
        SQL = textwrap.dedent("""

            CREATE TABLE t (
                id INTEGER
            );
        """).strip()
        cur.execute(SQL)
        '''
    )
    assert [(i.sql, i.origin.line) for i in items] == [("CREATE TABLE t (\n    id INTEGER\n)", 5)]


def test_loop_over_literal_list_of_statements() -> None:
    items = items_of(
        """
        STATEMENTS = [
            "CREATE TABLE a (id INTEGER)",
            "CREATE TABLE b (id INTEGER)",
        ]
        for sql in STATEMENTS:
            cur.execute(sql)
        """
    )
    assert [(i.sql, i.origin.line, i.flags) for i in items] == [
        ("CREATE TABLE a (id INTEGER)", 3, frozenset({Flag.IN_LOOP})),
        ("CREATE TABLE b (id INTEGER)", 4, frozenset({Flag.IN_LOOP})),
    ]


def test_loop_with_tuple_unpacking_and_fstring_uses_execute_line() -> None:
    items = items_of(
        """
        NEW = [("users", "age", "INTEGER"), ("users", "bio", "TEXT")]
        for table, col, typ in NEW:
            cur.execute(f"ALTER TABLE {table} ADD COLUMN {col} {typ}")
        """
    )
    assert [(i.sql, i.origin.line) for i in items] == [
        ("ALTER TABLE users ADD COLUMN age INTEGER", 4),
        ("ALTER TABLE users ADD COLUMN bio TEXT", 4),
    ]


def test_loop_over_dict_items() -> None:
    assert kept(
        """
        COLUMNS = {"age": "INTEGER", "bio": "TEXT"}
        for name, ddl in COLUMNS.items():
            cur.execute(f"ALTER TABLE users ADD COLUMN {name} {ddl}")
        """
    ) == ["ALTER TABLE users ADD COLUMN age INTEGER", "ALTER TABLE users ADD COLUMN bio TEXT"]


def test_list_built_with_append_then_looped() -> None:
    assert kept(
        """
        stmts = []
        for t in ("a", "b"):
            stmts.append(f"DROP TABLE {t}")
        for s in stmts:
            cur.execute(s)
        """
    ) == ["DROP TABLE a", "DROP TABLE b"]


def test_comprehension_is_folded() -> None:
    assert kept(
        """
        for s in [f"DROP TABLE {t}" for t in ["x", "y"] if t != "y"]:
            cur.execute(s)
        """
    ) == ["DROP TABLE x"]


def test_sql_run_in_a_lambda_is_manual_code() -> None:
    item = only(items_of("list(map(lambda s: cur.execute(s), STATEMENTS))\n"))
    assert isinstance(item, ManualCode) and item.reason == "SQL run inside a lambda"


def test_nested_callback_function_is_scanned() -> None:
    assert kept(
        """
        def outer():
            def step(c):
                c.execute("DROP TABLE inner_t")
            run_in_transaction(step)
        outer()
        """
    ) == ["DROP TABLE inner_t"]


# --- files -------------------------------------------------------------------------------------


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def test_sql_file_read_next_to_the_script(tmp_path: Path) -> None:
    write(tmp_path, "scripts/sql/003.sql", "-- due dates\nALTER TABLE t ADD COLUMN due DATE;\n")
    items, _ = run(
        """
        import os
        SQL_FILE = os.path.join(os.path.dirname(__file__), "sql", "003.sql")
        with open(SQL_FILE) as f:
            conn.executescript(f.read())
        """,
        root=tmp_path,
        path="scripts/migrate_003.py",
    )
    assert items == [
        Statement("ALTER TABLE t ADD COLUMN due DATE", Origin("scripts/sql/003.sql", 2))
    ]


def test_sql_file_via_pathlib_relative_to_project_root(tmp_path: Path) -> None:
    write(tmp_path, "sql/a.sql", "DROP TABLE a;\nDROP TABLE b;\n")
    items, _ = run(
        """
        from pathlib import Path
        cur.execute(Path("sql/a.sql").read_text())
        """,
        root=tmp_path,
        path="scripts/m.py",
    )
    assert [(i.sql, i.origin) for i in items] == [
        ("DROP TABLE a", Origin("sql/a.sql", 1)),
        ("DROP TABLE b", Origin("sql/a.sql", 2)),
    ]


def test_sql_file_split_by_the_script_keeps_file_lines(tmp_path: Path) -> None:
    write(tmp_path, "s.sql", "-- x\nCREATE TABLE a (id int);\n\nCREATE TABLE b (id int);\n")
    items, _ = run(
        """
        text = open("s.sql").read()
        for piece in text.split(";"):
            if piece.strip():
                cur.execute(piece)
        """,
        root=tmp_path,
    )
    assert [(i.sql, i.origin) for i in items] == [
        ("CREATE TABLE a (id int)", Origin("s.sql", 2)),
        ("CREATE TABLE b (id int)", Origin("s.sql", 4)),
    ]


def test_missing_sql_file_is_manual_code(tmp_path: Path) -> None:
    items, diags = run("conn.executescript(open('gone.sql').read())\n", root=tmp_path)
    item = only(items)
    assert isinstance(item, ManualCode) and "gone.sql" in item.reason
    assert [d.level for d in diags.items] == [Level.TODO]


def test_file_outside_the_project_is_not_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(tmp_path, "secret.sql", "DROP TABLE everything;")
    project.mkdir()
    with pytest.raises(InputError, match="resolves outside the project: refused") as raised:
        run("conn.executescript(open('../secret.sql').read())\n", root=project)
    assert "DROP TABLE" not in str(raised.value)


# --- dialect branches --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "test",
    [
        'engine.dialect.name == "postgresql"',
        "'postgres' in str(engine.url)",
        'DATABASE_URL.startswith("postgres")',
        "db.engine.name != 'sqlite'",
        'os.environ.get("DATABASE_URL", "sqlite:///x.db").startswith(("postgresql", "postgres"))',
    ],
)
def test_dialect_branch_is_chosen_for_the_target(test: str) -> None:
    source = f"""
        import os
        DATABASE_URL = os.environ["DATABASE_URL"]
        if {test}:
            cur.execute("ALTER TABLE t ADD COLUMN a JSONB")
        else:
            cur.execute("ALTER TABLE t ADD COLUMN a TEXT")
        """
    assert kept(source, "postgres") == ["ALTER TABLE t ADD COLUMN a JSONB"]
    assert kept(source, "sqlite") == ["ALTER TABLE t ADD COLUMN a TEXT"]


def test_elif_chain_on_dialect() -> None:
    source = """
        name = engine.dialect.name
        if name == "sqlite":
            cur.execute("DROP TABLE s")
        elif name == "mysql":
            cur.execute("DROP TABLE m")
        else:
            cur.execute("DROP TABLE p")
        """
    assert kept(source, "mysql") == ["DROP TABLE m"]
    assert kept(source, "postgres") == ["DROP TABLE p"]


def test_database_url_presence_checks_are_true() -> None:
    items, diags = run(
        """
        import os, sys
        url = os.environ.get("DATABASE_URL")
        if url is None or not url:
            sys.exit("set DATABASE_URL")
        cur.execute("DROP TABLE a")
        """
    )
    assert [i.sql for i in items] == ["DROP TABLE a"] and diags.items == []


def test_undecidable_dialect_test_keeps_both_and_warns() -> None:
    items, diags = run(
        """
        if engine.dialect.name == flavour:
            cur.execute("DROP TABLE a")
        else:
            cur.execute("DROP TABLE b")
        """
    )
    assert [i.sql for i in items] == ["DROP TABLE a", "DROP TABLE b"]
    assert [d.level for d in diags.items] == [Level.WARNING]


def test_function_for_the_other_dialect_is_not_scanned() -> None:
    source = """
        def upgrade_pg():
            cur.execute("DROP TABLE pg")
        def upgrade_sqlite():
            cur.execute("DROP TABLE lite")
        if engine.dialect.name == "postgresql":
            upgrade_pg()
        else:
            upgrade_sqlite()
        """
    assert kept(source, "sqlite") == ["DROP TABLE lite"]


def test_try_one_dialect_then_the_other() -> None:
    source = """
        try:
            cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)")
        except Exception:
            cur.execute("CREATE TABLE t (id SERIAL PRIMARY KEY)")
        """
    assert kept(source, "sqlite") == ["CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)"]
    assert kept(source, "postgres") == ["CREATE TABLE t (id SERIAL PRIMARY KEY)"]


def test_try_alternative_without_hints_keeps_both_and_warns() -> None:
    items, diags = run(
        """
        try:
            cur.execute("ALTER TABLE t ADD COLUMN a BOOLEAN DEFAULT 0")
        except Exception:
            cur.execute("ALTER TABLE t ADD COLUMN a BOOLEAN DEFAULT FALSE")
        """
    )
    assert len(items) == 2
    assert [d.level for d in diags.items] == [Level.WARNING]


# --- guards ------------------------------------------------------------------------------------


def test_pragma_table_info_guard() -> None:
    items = items_of(
        """
        cursor.execute("PRAGMA table_info(tasks)")
        columns = [row[1] for row in cursor.fetchall()]
        if 'priority' not in columns:
            cursor.execute("ALTER TABLE tasks ADD COLUMN priority INTEGER")
        cursor.execute("UPDATE tasks SET priority = 2 WHERE priority IS NULL")
        """
    )
    assert [(i.sql, i.ignored, i.flags) for i in items] == [
        ("PRAGMA table_info(tasks)", "PRAGMA", frozenset()),
        ("ALTER TABLE tasks ADD COLUMN priority INTEGER", None, frozenset({Flag.GUARDED})),
        ("UPDATE tasks SET priority = 2 WHERE priority IS NULL", None, frozenset()),
    ]


def test_inspector_guard_through_helper() -> None:
    items = items_of(
        """
        from sqlalchemy import inspect
        def column_exists(table, column):
            return column in [c["name"] for c in inspect(engine).get_columns(table)]
        if not column_exists("projects", "archived"):
            conn.execute(text("ALTER TABLE projects ADD COLUMN archived BOOLEAN"))
        """
    )
    assert only(items).flags == frozenset({Flag.GUARDED})


def test_information_schema_probe_is_ignored_and_guards() -> None:
    items = items_of(
        """
        def column_exists(cur, table, column):
            cur.execute(
                "SELECT 1 FROM information_schema.columns"
                " WHERE table_name = %s AND column_name = %s",
                (table, column),
            )
            return cur.fetchone() is not None
        if not column_exists(cur, "customers", "tier"):
            cur.execute("ALTER TABLE customers ADD COLUMN tier VARCHAR(20)")
        """,
        "postgres",
    )
    probe, alter = items
    assert probe.sql == (
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'customers' "
        "AND column_name = 'tier'"
    )
    assert probe.ignored == "verification SELECT"
    assert alter.flags == frozenset({Flag.GUARDED})


def test_try_except_pass_guards() -> None:
    item = only(
        items_of(
            """
            import sqlite3
            try:
                cur.execute("ALTER TABLE t ADD COLUMN a INTEGER")
            except sqlite3.OperationalError:
                pass
            """
        )
    )
    assert item.flags == frozenset({Flag.GUARDED})


def test_try_except_duplicate_column_message_guards() -> None:
    item = only(
        items_of(
            """
            try:
                cur.execute("ALTER TABLE t ADD COLUMN a INTEGER")
            except Exception as e:
                if "duplicate column" in str(e):
                    print("exists")
                else:
                    raise
            """
        )
    )
    assert item.flags == frozenset({Flag.GUARDED})


def test_try_except_that_reraises_does_not_guard() -> None:
    item = only(items_of("try:\n    cur.execute('DROP TABLE a')\nexcept Exception:\n    raise\n"))
    assert item.flags == frozenset()


def test_try_except_that_exits_does_not_guard() -> None:
    source = (
        "import sys\ntry:\n    cur.execute('DROP TABLE a')\nexcept Exception:\n    sys.exit(1)\n"
    )
    assert only(items_of(source)).flags == frozenset()


def test_swallowing_wrapper_around_many_statements_warns_instead_of_guarding() -> None:
    items, diags = run(
        """
        try:
            cur.execute("CREATE TABLE a (id INTEGER)")
            cur.execute("INSERT INTO a VALUES (1)")
        except Exception as e:
            print("migration failed", e)
        """
    )
    assert [i.flags for i in items] == [frozenset(), frozenset()]
    assert [(d.level, d.origin.line) for d in diags.items] == [(Level.WARNING, 2)]


def test_early_return_on_probe_guards_the_rest() -> None:
    items = items_of(
        """
        def main():
            cur.execute("PRAGMA table_info(tasks)")
            if "due_date" in [r[1] for r in cur.fetchall()]:
                print("already applied")
                return 0
            cur.execute("ALTER TABLE tasks ADD COLUMN due_date DATE")
            cur.execute("CREATE INDEX ix_due ON tasks (due_date)")
        if __name__ == "__main__":
            main()
        """
    )
    assert [i.flags for i in items[1:]] == [frozenset({Flag.GUARDED})] * 2


# --- what cannot be folded ---------------------------------------------------------------------


def test_unfoldable_sql_is_manual_code_with_the_enclosing_statement() -> None:
    items, diags = run(
        """
        table = input("table? ")
        cur.execute("DROP TABLE " +
                    table)
        """
    )
    assert items == [
        ManualCode(
            Origin("migrate.py", 3),
            'cur.execute("DROP TABLE " +\n            table)',
            "SQL built from values known only at run time (name 'input' is not known statically)",
        )
    ]
    assert [(d.level, d.origin) for d in diags.items] == [(Level.TODO, Origin("migrate.py", 3))]


def test_command_line_defaults_are_shown_in_the_reason() -> None:
    item = only(
        items_of(
            """
            import sys
            table = sys.argv[1] if len(sys.argv) > 1 else "users"
            sql = "ALTER TABLE %s ADD COLUMN nickname TEXT" % table
            cur.execute(sql)
            """
        )
    )
    assert isinstance(item, ManualCode)
    assert item.reason.endswith(
        "with the script's defaults it runs: ALTER TABLE users ADD COLUMN nickname TEXT"
    )


def test_row_by_row_data_fix_is_one_manual_code_with_the_loop() -> None:
    source = textwrap.dedent(
        """
        cursor.execute("SELECT id, email FROM users")
        rows = cursor.fetchall()
        for user_id, email in rows:
            clean = email.strip().lower()
            if clean != email:
                cursor.execute("UPDATE users SET email = ? WHERE id = ?", (clean, user_id))
        conn.commit()
        """
    )
    select, manual = items_of(source)
    assert (select.sql, select.ignored) == ("SELECT id, email FROM users", "verification SELECT")
    assert isinstance(manual, ManualCode)
    assert manual.origin == Origin("migrate.py", 4)
    assert manual.code == source[source.index("for user_id") : source.index("\nconn.commit")]


def test_while_loop_running_sql_is_manual_code() -> None:
    item = only(items_of("while cur.fetchone():\n    cur.execute('DELETE FROM q WHERE id = 1')\n"))
    assert isinstance(item, ManualCode) and item.code.startswith("while cur.fetchone():")


def test_read_query_built_at_run_time_is_ignored() -> None:
    item = only(items_of("def cols(t):\n    cur.execute(f'PRAGMA table_info({t})')\n"))
    assert isinstance(item, Statement)
    assert item.ignored == "PRAGMA built at run time"


def test_malformed_sql_in_a_script_is_manual_code() -> None:
    item = only(items_of('cur.execute("UPDATE t SET a = \'open")\n'))
    assert isinstance(item, ManualCode)
    assert item.reason == "the SQL text is malformed (unterminated string literal)"


def test_drop_all_is_manual_code() -> None:
    item = only(items_of("db.drop_all()\n"))
    assert isinstance(item, ManualCode) and item.code == "db.drop_all()"


# --- create_all --------------------------------------------------------------------------------


def test_bare_create_all_lists_imported_models() -> None:
    item = only(
        items_of(
            """
            from app import app
            from models import db, Cache, Snapshot
            with app.app_context():
                db.create_all()
            """
        )
    )
    assert item == CreateAllCall(
        Origin("migrate.py", 5), "db.create_all()", (), ("Cache", "Snapshot")
    )


def test_create_all_with_models_defined_in_the_script() -> None:
    item = only(
        items_of(
            """
            class AuditLog(db.Model):
                id = db.Column(db.Integer, primary_key=True)
            class Tag(Base):
                __tablename__ = "tags"
            Base.metadata.create_all(engine)
            """
        )
    )
    assert isinstance(item, CreateAllCall)
    assert (item.tables, item.models) == (("audit_log", "tags"), ("AuditLog", "Tag"))


def test_create_all_with_explicit_tables() -> None:
    item = only(
        items_of(
            """
            from models import Invoice, Customer
            tables = [Invoice.__table__, Base.metadata.tables["tags"]]
            Base.metadata.create_all(bind=engine, tables=tables)
            """
        )
    )
    assert isinstance(item, CreateAllCall)
    assert (item.tables, item.models) == (("tags",), ("Invoice",))


@pytest.mark.parametrize(
    "call",
    [
        "Notification.__table__.create(bind=engine)",
        "Notification.__table__.create(engine, checkfirst=True)",
    ],
)
def test_table_create(call: str) -> None:
    item = only(items_of(f"from models import db, Notification\n{call}\n"))
    assert item == CreateAllCall(Origin("migrate.py", 2), call, (), ("Notification",))


def test_table_create_of_a_class_defined_in_the_script() -> None:
    item = only(
        items_of("class Tag(Base):\n    __tablename__ = 'tags'\nTag.__table__.create(engine)\n")
    )
    assert isinstance(item, CreateAllCall)
    assert (item.tables, item.models) == (("tags",), ("Tag",))


# --- structure and order -----------------------------------------------------------------------


def test_main_guard_and_execution_order() -> None:
    assert kept(
        """
        def second():
            cur.execute("DROP TABLE b")
        def migrate():
            cur.execute("DROP TABLE a")
            second()
        if __name__ == "__main__":
            migrate()
            cur.execute("DROP TABLE c")
        """
    ) == ["DROP TABLE a", "DROP TABLE b", "DROP TABLE c"]


def test_uncalled_entry_point_is_scanned_once() -> None:
    items, diags = run(
        """
        def helper():
            cur.execute("DROP TABLE helper")
        def upgrade(cur):
            cur.execute("DROP TABLE a")
            helper()
        """
    )
    assert [i.sql for i in items] == ["DROP TABLE a", "DROP TABLE helper"]
    assert [(d.level, d.origin.line) for d in diags.items] == [(Level.INFO, 4)]


def test_reads_and_housekeeping_produce_nothing_to_convert() -> None:
    items = items_of(
        """
        import argparse
        parser = argparse.ArgumentParser()
        args = parser.parse_args()
        n = cur.execute("SELECT count(*) FROM users").fetchone()[0]
        print(f"{n} users")
        conn.commit()
        cur.close()
        """
    )
    assert [(i.sql, i.ignored) for i in items] == [
        ("SELECT count(*) FROM users", "verification SELECT")
    ]


def test_sys_exit_main_is_followed() -> None:
    assert kept(
        "import sys\ndef main():\n    cur.execute('DROP TABLE a')\n    return 0\nsys.exit(main())\n"
    ) == ["DROP TABLE a"]


def test_legacy_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    items_of(
        f"""
        import os
        open({str(marker)!r}, "w").write("x")
        os.system("touch {marker}")
        cur.execute("DROP TABLE a")
        """
    )
    assert not marker.exists()


# --- errors and dispatch -----------------------------------------------------------------------


def test_syntax_error_is_an_input_error_with_origin() -> None:
    with pytest.raises(InputError) as info:
        run("def broken(:\n    pass\n", path="migrate_bad.py")
    assert str(info.value).startswith("migrate_bad.py:1: Python syntax error:")


def test_extract_rejects_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "m.sql").write_bytes(b"SELECT 1;\n\nUPDATE t SET a = '\xe9';\n")
    with pytest.raises(InputError) as info:
        extract(tmp_path / "m.sql", "m.sql", "sqlite", tmp_path, Diagnostics())
    assert str(info.value) == "m.sql:3: not valid UTF-8 (byte offset 29)"


def test_extract_dispatches_on_suffix_and_strips_bom(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("\ufeffDROP TABLE a;", encoding="utf-8")
    (tmp_path / "b.py").write_text("\ufeffcur.execute('DROP TABLE b')\n", encoding="utf-8")
    diags = Diagnostics()
    assert extract(tmp_path / "a.sql", "a.sql", "sqlite", tmp_path, diags) == [
        Statement("DROP TABLE a", Origin("a.sql", 1))
    ]
    assert extract(tmp_path / "b.py", "b.py", "sqlite", tmp_path, diags) == [
        Statement("DROP TABLE b", Origin("b.py", 1))
    ]


def test_extract_rejects_other_suffixes(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("DROP TABLE a;")
    with pytest.raises(InputError):
        extract(tmp_path / "notes.txt", "notes.txt", "sqlite", tmp_path, Diagnostics())


def test_exponential_call_tree_stops_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(walker, "MAX_STEPS", 2_000)
    source = (
        "def f0():\n    cur.execute('DROP TABLE t')\n"
        + "".join(f"def f{n}():\n    f{n - 1}()\n    f{n - 1}()\n" for n in range(1, 40))
        + "f39()\n"
    )
    items, diags = run(source)
    assert items and all(i == items[0] for i in items)
    assert [d.level for d in diags.items] == [Level.WARNING]
    assert "too complex" in diags.items[0].message


@pytest.mark.parametrize(
    "expression",
    [
        '"DROP TABLE " + "a".zfill(10**9)',
        "f\"DROP TABLE {'a':>999999999}\"",
        '"DROP TABLE %9999999s" % "a"',
        '"DROP TABLE " + str(os.path)',
    ],
)
def test_runaway_or_opaque_values_are_not_folded(expression: str) -> None:
    item = only(items_of(f"import os\ncur.execute({expression})\n"))
    assert isinstance(item, ManualCode)


def test_doubling_string_in_a_loop_stops_at_the_size_limit() -> None:
    item = only(
        items_of("s = 'x'\nfor i in range(60):\n    s = s + s\ncur.execute('DROP TABLE ' + s)\n")
    )
    assert isinstance(item, ManualCode)


def test_uncalled_function_without_sql_is_not_reported() -> None:
    items, diags = run(
        """
        def get_db():
            return connect("app.db")
        def upgrade(cur):
            cur.execute("DROP TABLE a")
        """
    )
    assert [i.sql for i in items] == ["DROP TABLE a"]
    assert [(d.level, d.origin.line) for d in diags.items] == [(Level.INFO, 4)]


@pytest.mark.parametrize(
    "dialect, kept_sql",
    [
        ("sqlite", ["ALTER TABLE d ADD COLUMN c INTEGER"]),
        ("postgres", ["ALTER TABLE s.d ADD COLUMN c INTEGER"]),
        ("mysql", []),
    ],
)
def test_uncalled_functions_named_for_another_dialect_are_left_out(
    dialect: str, kept_sql: list[str]
) -> None:
    items, diags = run(
        """
        class Migration:
            def _migrate_sqlite(self, connection):
                connection.execute("ALTER TABLE d ADD COLUMN c INTEGER")
            def _migrate_postgresql(self, connection):
                connection.execute("ALTER TABLE s.d ADD COLUMN c INTEGER")
        """,
        dialect,
    )
    assert [i.sql for i in items] == kept_sql
    assert sum("left out" in d.message for d in diags.items) == 2 - len(kept_sql)


def test_rows_read_before_a_schema_change_and_written_after_are_pointed_out() -> None:
    items, diags = run(
        """
        rows = conn.execute(text("SELECT id, name FROM groups")).fetchall()
        conn.execute(text("ALTER TABLE groups DROP COLUMN name"))
        conn.execute(text("ALTER TABLE groups ADD COLUMN name JSON"))
        for id, name in rows:
            conn.execute(text("UPDATE groups SET name = :n WHERE id = :id"), {"n": name, "id": id})
        """,
        "postgres",
    )
    todo = only([i for i in items if isinstance(i, ManualCode)])
    assert "read at line 2" in todo.reason and todo.origin.line == 5
    [warning] = diags.of_level(Level.WARNING)
    assert warning.origin == Origin("migrate.py", 5)
    assert "read at line 2, before the schema changes at line(s) 3, 4" in warning.message


def test_early_return_branch_is_kept_when_the_rest_runs_no_sql() -> None:
    items, diags = run(
        """
        def main():
            cols = [r[1] for r in cur.execute("PRAGMA table_info(t)").fetchall()]
            if "a" not in cols:
                cur.execute("ALTER TABLE t ADD COLUMN a INT")
                return
            print("already there")
        main()
        """
    )
    assert [i.sql for i in items if isinstance(i, Statement) and not i.ignored] == [
        "ALTER TABLE t ADD COLUMN a INT"
    ]
    assert diags.of_level(Level.WARNING) == []


def test_rows_read_through_a_comprehension_are_followed() -> None:
    items, diags = run(
        """
        names = {r[0]: r[1] for r in conn.execute(text("SELECT id, name FROM groups"))}
        conn.execute(text("ALTER TABLE groups DROP COLUMN name"))
        for id, name in names.items():
            conn.execute(text("UPDATE groups SET title = :n WHERE id = :id"), {"n": name, "id": id})
        """,
        "postgres",
    )
    [warning] = diags.of_level(Level.WARNING)
    assert "read at line 2, before the schema changes at line(s) 3" in warning.message
