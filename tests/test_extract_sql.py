"""split_sql, classify_lexical, inline_params: one behaviour per test, exact output."""

from __future__ import annotations

import time

import pytest

from converter.core.diagnostics import Origin
from converter.core.errors import InputError
from converter.extract.sql import (
    NotLiteral,
    classify_lexical,
    decode_source,
    inline_params,
    split_sql,
    sql_literal,
)


def sqls(text: str, dialect: str = "sqlite") -> list[str]:
    return [s.sql for s in split_sql(text, "a.sql", dialect)]


def lines(text: str, dialect: str = "sqlite") -> list[int]:
    return [s.origin.line for s in split_sql(text, "a.sql", dialect)]


def ignored(text: str, dialect: str = "sqlite") -> list[str | None]:
    return [s.ignored for s in split_sql(text, "a.sql", dialect)]


# --- splitting ---------------------------------------------------------------------------------


def test_splits_on_semicolons_and_strips_whitespace() -> None:
    assert sqls("CREATE TABLE a (id int);\n\n  DROP TABLE b ;\n") == [
        "CREATE TABLE a (id int)",
        "DROP TABLE b",
    ]


def test_last_statement_needs_no_semicolon() -> None:
    assert sqls("DROP TABLE a;\nDROP TABLE b\n") == ["DROP TABLE a", "DROP TABLE b"]


def test_trailing_comment_after_last_unterminated_statement_is_dropped() -> None:
    assert sqls("DROP TABLE b -- done\n-- end of file\n") == ["DROP TABLE b"]


def test_origin_is_path_and_line_of_first_token() -> None:
    stmts = split_sql(
        "-- intro\n\nCREATE TABLE a (\n id int\n);\nDROP TABLE a;", "m/x.sql", "sqlite"
    )
    assert [s.origin for s in stmts] == [Origin("m/x.sql", 3), Origin("m/x.sql", 6)]


def test_first_line_offsets_origins() -> None:
    assert lines("\nDROP TABLE a;\nDROP TABLE b;", "sqlite") == [2, 3]
    stmts = split_sql("\nDROP TABLE a;", "s.py", "sqlite", first_line=40)
    assert stmts[0].origin == Origin("s.py", 41)


def test_semicolon_in_single_quoted_string() -> None:
    assert sqls("INSERT INTO t VALUES ('a;b', 'it''s;');SELECT 1") == [
        "INSERT INTO t VALUES ('a;b', 'it''s;')",
        "SELECT 1",
    ]


def test_semicolon_in_double_quoted_and_backtick_identifiers() -> None:
    assert sqls('CREATE TABLE "a;b" (`c;d` int);DROP TABLE x') == [
        'CREATE TABLE "a;b" (`c;d` int)',
        "DROP TABLE x",
    ]


def test_sqlite_bracket_identifier() -> None:
    assert sqls("CREATE TABLE [a;b] (x int);DROP TABLE x") == [
        "CREATE TABLE [a;b] (x int)",
        "DROP TABLE x",
    ]


def test_sql_inside_line_comments_is_not_a_statement() -> None:
    assert sqls("-- DROP TABLE users;\nCREATE TABLE a (id int); -- ; DROP TABLE b;\n") == [
        "CREATE TABLE a (id int)"
    ]


def test_sql_inside_block_comments_is_not_a_statement() -> None:
    assert sqls("/* DROP TABLE users; */ CREATE TABLE a (id int);\n/* x;\n y; */") == [
        "CREATE TABLE a (id int)"
    ]


def test_comment_inside_statement_is_kept() -> None:
    assert sqls("CREATE TABLE a (\n  id int -- key; really\n);") == [
        "CREATE TABLE a (\n  id int -- key; really\n)"
    ]


def test_lines_of_dashes_are_comments() -> None:
    assert sqls("-----------\n-- Users --\n-----------\nDROP TABLE a;") == ["DROP TABLE a"]


def test_postgres_nested_block_comments() -> None:
    assert sqls("/* a /* b; */ c; */ DROP TABLE x;", "postgres") == ["DROP TABLE x"]


def test_postgres_dollar_quoted_function_body() -> None:
    text = (
        "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n"
        "$$ LANGUAGE plpgsql;\nDROP TABLE y;"
    )
    assert sqls(text, "postgres") == [text.split(";\nDROP")[0], "DROP TABLE y"]


def test_postgres_tagged_dollar_quote_contains_plain_dollars() -> None:
    text = "DO $body$ BEGIN EXECUTE $$ALTER TABLE t ADD c int;$$; END $body$;SELECT 2"
    assert sqls(text, "postgres") == [
        "DO $body$ BEGIN EXECUTE $$ALTER TABLE t ADD c int;$$; END $body$",
        "SELECT 2",
    ]


def test_postgres_positional_parameter_is_not_a_dollar_quote() -> None:
    assert sqls("PREPARE p AS SELECT $1;SELECT 2", "postgres") == [
        "PREPARE p AS SELECT $1",
        "SELECT 2",
    ]


def test_postgres_escape_string_with_backslash_quote() -> None:
    assert sqls(r"INSERT INTO t VALUES (E'a\';b');SELECT 2", "postgres") == [
        r"INSERT INTO t VALUES (E'a\';b')",
        "SELECT 2",
    ]


def test_backslash_is_literal_in_standard_strings() -> None:
    assert sqls(r"INSERT INTO t VALUES ('C:\');SELECT 2", "postgres") == [
        r"INSERT INTO t VALUES ('C:\')",
        "SELECT 2",
    ]


def test_mysql_backslash_escapes_in_strings() -> None:
    assert sqls(r"INSERT INTO t VALUES ('a\';b', " + '"c\\";d");SELECT 2', "mysql") == [
        r"INSERT INTO t VALUES ('a\';b', " + '"c\\";d")',
        "SELECT 2",
    ]


def test_mysql_hash_comment() -> None:
    assert sqls("# DROP TABLE a;\nDROP TABLE b; # x; y\n", "mysql") == ["DROP TABLE b"]


def test_exact_text_is_kept_byte_for_byte() -> None:
    text = "UPDATE t SET data = '{\"a\": [1, 2]}'::jsonb,\n\tat = '12:30'  WHERE k = :k"
    assert sqls(text + ";", "postgres") == [text]


def test_sqlite_trigger_body_semicolons_do_not_end_statement() -> None:
    trigger = (
        "CREATE TRIGGER trg AFTER UPDATE ON t\nBEGIN\n"
        "  UPDATE t SET n = CASE WHEN new.a THEN 1 ELSE 0 END;\n"
        "  INSERT INTO log VALUES (new.id);\nEND"
    )
    assert sqls(trigger + ";\nDROP TABLE x;") == [trigger, "DROP TABLE x"]


def test_begin_inside_trigger_body_is_not_transaction_control() -> None:
    text = "CREATE TEMP TRIGGER IF NOT EXISTS trg BEFORE DELETE ON t BEGIN SELECT 1; END;"
    assert ignored(text) == [None]


def test_mysql_delimiter_block() -> None:
    text = (
        "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  IF 1 THEN SELECT 2; END IF;\n"
        "END//\nDELIMITER ;\nDROP TABLE x;\n"
    )
    stmts = split_sql(text, "a.sql", "mysql")
    assert [s.sql for s in stmts] == [
        "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  IF 1 THEN SELECT 2; END IF;\nEND",
        "DROP TABLE x",
    ]
    assert [s.origin.line for s in stmts] == [2, 8]


def test_mysql_executable_comment_is_code() -> None:
    stmts = split_sql("/*!40101 SET NAMES utf8mb4 */;", "a.sql", "mysql")
    assert [(s.sql, s.ignored) for s in stmts] == [
        ("/*!40101 SET NAMES utf8mb4 */", "session setting")
    ]


def test_empty_statements_are_skipped() -> None:
    assert sqls(";;\n ; DROP TABLE a;;") == ["DROP TABLE a"]


@pytest.mark.parametrize(
    ("text", "dialect", "message"),
    [
        (
            "DROP TABLE a;\nUPDATE t SET a = 'open;\n",
            "sqlite",
            "a.sql:2: unterminated string literal",
        ),
        ("UPDATE t SET a = 'x''", "sqlite", "a.sql:1: unterminated string literal"),
        ('SELECT 1;\n\nSELECT "ab', "postgres", "a.sql:3: unterminated quoted identifier"),
        (r"INSERT INTO t VALUES ('a\')", "mysql", "a.sql:1: unterminated string literal"),
        ("DROP TABLE a;\n/* DROP TABLE b;", "sqlite", "a.sql:2: unterminated /* comment"),
        ("/* a /* b */ still open", "postgres", "a.sql:1: unterminated /* comment"),
        ("DO $$ BEGIN\nEND;", "postgres", "a.sql:1: unterminated dollar-quoted string"),
    ],
)
def test_unterminated_token_is_an_input_error(text: str, dialect: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        split_sql(text, "a.sql", dialect)
    assert str(info.value) == message


def test_string_closing_at_end_of_text_is_fine() -> None:
    assert sqls("UPDATE t SET a = 'x'''", "sqlite") == ["UPDATE t SET a = 'x'''"]
    assert sqls(r"UPDATE t SET a = 'x\''", "mysql") == [r"UPDATE t SET a = 'x\''"]


# --- client commands ---------------------------------------------------------------------------


def test_psql_meta_commands_are_ignored_statements() -> None:
    stmts = split_sql("\\c appdb\n\\set ON_ERROR_STOP on\nDROP TABLE a;\n", "a.sql", "postgres")
    assert [(s.sql, s.ignored, s.warning) for s in stmts] == [
        ("\\c appdb", "psql meta-command \\c", None),
        ("\\set ON_ERROR_STOP on", "psql meta-command \\set", None),
        ("DROP TABLE a", None, None),
    ]


def test_psql_include_warns() -> None:
    (stmt,) = split_sql("\\i schema/users.sql\n", "a.sql", "postgres")
    assert stmt.ignored == "psql meta-command \\i"
    assert stmt.warning is not None and "another SQL file" in stmt.warning


def test_psql_gexec_keeps_the_query_with_a_warning() -> None:
    text = "SELECT format('DROP TABLE %I', tablename) FROM pg_tables\n\\gexec\nDROP TABLE a;"
    query, meta, drop = split_sql(text, "a.sql", "postgres")
    assert (query.sql, query.ignored, query.origin.line) == (
        "SELECT format('DROP TABLE %I', tablename) FROM pg_tables",
        None,
        1,
    )
    assert query.warning is not None and "gexec" in query.warning
    assert (meta.sql, meta.ignored, meta.origin.line) == ("\\gexec", "psql meta-command \\gexec", 2)
    assert drop.sql == "DROP TABLE a"


def test_psql_gexec_after_semicolon_marks_previous_query() -> None:
    query, meta = split_sql("SELECT 'DROP TABLE a';\n\\gexec\n", "a.sql", "postgres")
    assert query.ignored is None and query.warning is not None
    assert meta.ignored == "psql meta-command \\gexec"


def test_psql_gexec_on_the_query_line() -> None:
    query, meta = split_sql("SELECT 'DROP TABLE a' \\gexec\n", "a.sql", "postgres")
    assert (query.sql, meta.sql) == ("SELECT 'DROP TABLE a'", "\\gexec")


def test_backslash_inside_dollar_quote_is_not_a_meta_command() -> None:
    assert sqls("DO $$ BEGIN RAISE NOTICE '\\c'; END $$;", "postgres") == [
        "DO $$ BEGIN RAISE NOTICE '\\c'; END $$"
    ]


def test_sqlite_dot_commands_are_ignored() -> None:
    stmts = split_sql(".headers on\n.read more.sql\nDROP TABLE a;", "a.sql", "sqlite")
    assert [(s.sql, s.ignored) for s in stmts] == [
        (".headers on", "sqlite3 dot-command .headers"),
        (".read more.sql", "sqlite3 dot-command .read"),
        ("DROP TABLE a", None),
    ]
    assert stmts[1].warning is not None


def test_copy_from_stdin_keeps_its_data_block() -> None:
    text = "COPY t (a, b) FROM stdin;\n1\tx;y\n2\t'z\n\\.\nDROP TABLE q;\n"
    copy, drop = split_sql(text, "a.sql", "postgres")
    assert copy.sql == "COPY t (a, b) FROM stdin;\n1\tx;y\n2\t'z\n\\."
    assert copy.ignored is None and copy.warning is not None
    assert (drop.sql, drop.origin.line) == ("DROP TABLE q", 5)


def test_unknown_dialect_is_an_input_error() -> None:
    with pytest.raises(InputError):
        split_sql("SELECT 1", "a.sql", "oracle")


# --- classification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "BEGIN",
        "BEGIN TRANSACTION",
        "begin immediate",
        "START TRANSACTION",
        "COMMIT",
        "END",
        "ROLLBACK",
        "SAVEPOINT a",
        "RELEASE SAVEPOINT a",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    ],
)
def test_transaction_control(sql: str) -> None:
    assert classify_lexical(sql) == "transaction control"


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("PRAGMA foreign_keys=OFF", "PRAGMA"),
        ("PRAGMA table_info(users)", "PRAGMA"),
        ("USE app", "USE database"),
        ("SHOW TABLES", "SHOW query"),
        ("SET search_path = public", "session setting"),
        ("SET client_encoding = 'UTF8'", "session setting"),
        ("SET FOREIGN_KEY_CHECKS = 0", "session setting"),
        ("SELECT pg_catalog.set_config('search_path', '', false)", "session setting"),
        ("VACUUM", "maintenance"),
        ("SELECT name FROM sqlite_master WHERE type = 'table'", "verification SELECT"),
        ("SELECT COUNT(*) FROM users WHERE email IN (SELECT 1)", "verification SELECT"),
        ("-- check\nSELECT 1", "verification SELECT"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "verification SELECT"),
        ("EXPLAIN SELECT 1", "verification query"),
    ],
)
def test_ignored_reasons(sql: str, reason: str) -> None:
    assert classify_lexical(sql) == reason


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE a (id int)",
        "SELECT setval('users_id_seq', (SELECT MAX(id) FROM users))",
        "SELECT nextval('s')",
        "SELECT * INTO archive FROM users",
        "SELECT create_hypertable('m', 'ts')",
        "WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved",
        "SET @cutoff = 5",
        "EXPLAIN ANALYZE UPDATE t SET a = 1",
        "INSERT INTO t SELECT * FROM u",
    ],
)
def test_statements_that_may_change_state_are_kept(sql: str) -> None:
    assert classify_lexical(sql) is None


def test_split_marks_ignored_statements() -> None:
    assert ignored("BEGIN;\nPRAGMA foreign_keys=ON;\nCREATE TABLE a (x);\nCOMMIT;") == [
        "transaction control",
        "PRAGMA",
        None,
        "transaction control",
    ]


def test_function_call_in_string_does_not_keep_select() -> None:
    assert classify_lexical("SELECT 'setval(x)' AS s") == "verification SELECT"


# --- parameters --------------------------------------------------------------------------------


def test_qmark_params_inlined_outside_literals() -> None:
    sql = "UPDATE t SET a = ?, b = 'x?' WHERE c = ?"
    assert (
        inline_params(sql, (1, "it's"), "sqlite")
        == "UPDATE t SET a = 1, b = 'x?' WHERE c = 'it''s'"
    )


def test_named_sqlite_params() -> None:
    assert inline_params("DELETE FROM t WHERE a = :a AND b = ':a'", {"a": None}, "sqlite") == (
        "DELETE FROM t WHERE a = NULL AND b = ':a'"
    )


def test_format_params_unescape_percent() -> None:
    sql = "UPDATE t SET pct = '10%%' WHERE a = %s"
    assert inline_params(sql, [True], "postgres") == "UPDATE t SET pct = '10%' WHERE a = true"


def test_pyformat_params() -> None:
    assert inline_params("UPDATE t SET a = %(v)s", {"v": 2.5}, "postgres") == "UPDATE t SET a = 2.5"


def test_sqlalchemy_text_params_like_sqlalchemy() -> None:
    sql = "UPDATE t SET d = CAST(:d AS jsonb), e = x::text, s = 'a\\:b'"
    assert inline_params(sql, {"d": "{}"}, "postgres", sqlalchemy_text=True) == (
        "UPDATE t SET d = CAST('{}' AS jsonb), e = x::text, s = 'a:b'"
    )


def test_param_count_mismatch_raises() -> None:
    with pytest.raises(NotLiteral):
        inline_params("UPDATE t SET a = ?", (1, 2), "sqlite")


def test_literal_rendering_per_dialect() -> None:
    assert sql_literal(b"\x01\xff", "sqlite") == "X'01ff'"
    assert sql_literal(b"\x01", "postgres") == "'\\x01'::bytea"
    assert sql_literal("a\\b", "mysql") == "'a\\\\b'"
    assert sql_literal(False, "sqlite") == "0"
    with pytest.raises(NotLiteral):
        sql_literal(float("nan"), "sqlite")


def test_sequence_parameters_per_driver() -> None:
    """psycopg2: list -> ARRAY, tuple -> (..); PyMySQL: both (..); sqlite3 refuses them."""
    assert sql_literal(["a", 1], "postgres") == "ARRAY['a', 1]"
    assert sql_literal([], "postgres") == "'{}'"
    assert sql_literal([[1, 2], [3]], "postgres") == "ARRAY[ARRAY[1, 2], ARRAY[3]]"
    assert sql_literal(("a", None), "postgres") == "('a', NULL)"
    assert sql_literal(["a", 1], "mysql") == "('a', 1)"
    for value, dialect in (([1], "sqlite"), ((), "postgres"), ([], "mysql")):
        with pytest.raises(NotLiteral):
            sql_literal(value, dialect)


# --- decoding and speed ------------------------------------------------------------------------


def test_decode_strips_bom() -> None:
    assert decode_source("\ufeffSELECT 1".encode(), "a.sql") == "SELECT 1"


def test_decode_error_points_at_line_and_offset() -> None:
    with pytest.raises(InputError) as info:
        decode_source(b"SELECT 1;\nSELECT '\xff';", "db/a.sql")
    assert str(info.value) == "db/a.sql:2: not valid UTF-8 (byte offset 18)"


def test_large_script_splits_in_linear_time() -> None:
    row = "INSERT INTO t VALUES (1, 'a;''b', '{\"k\": 2}'); -- c\n"
    small, big = row * 2_000, row * 16_000

    def timed(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            assert len(split_sql(text, "a.sql", "postgres")) == text.count("\n")
            best = min(best, time.perf_counter() - start)
        return best

    # 8x the input; quadratic splitting would take ~64x as long.
    assert timed(big) < 20 * timed(small) + 0.05


def test_postgres_rule_with_several_actions() -> None:
    rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); DELETE FROM q)"
    assert sqls(rule + ";\nDROP TABLE x;", "postgres") == [rule, "DROP TABLE x"]


def test_mysqldump_keys_hint_is_maintenance() -> None:
    assert classify_lexical("/*!40000 ALTER TABLE `users` DISABLE KEYS */") == "maintenance"
    assert classify_lexical("ALTER TABLE users DISABLE KEYS") is None


def test_psql_variables_set_in_the_file_are_substituted_as_psql_does() -> None:
    from converter.extract.sql import psql_variables
    from converter.ir.statements import ManualCode

    text = (
        "\\set schema app\n\\set owner 'the owner'\n"
        "CREATE TABLE :schema.t (id int, note text DEFAULT :'owner');\n"
        "SELECT a::text, ':schema', $$ :schema $$ FROM x; -- :schema\n"
        "UPDATE :\"schema\".t SET note = 'x';\n"
        "\\unset schema\n"
        "DROP TABLE IF EXISTS :schema.t;\n"
    )
    items = psql_variables(split_sql(text, "a.sql", "postgres"))
    kept = [i for i in items if isinstance(i, ManualCode) or not i.sql.startswith("\\")]
    assert [getattr(i, "sql", None) for i in kept[:3]] == [
        "CREATE TABLE app.t (id int, note text DEFAULT 'the owner')",
        "SELECT a::text, ':schema', $$ :schema $$ FROM x",
        "UPDATE \"app\".t SET note = 'x'",
    ]
    assert kept[0].warning and "psql variables :owner, :schema" in kept[0].warning
    assert kept[1].warning is None
    todo = kept[3]
    assert isinstance(todo, ManualCode) and todo.origin.line == 7 and ":schema" in todo.reason


def _corpus() -> list[str]:
    """Statements and fragments of every fixture and test SQL file, plus awkward strings."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    texts: list[str] = []
    for path in sorted([*root.glob("fixtures/**/*.sql"), *root.glob("tests/fixtures_sql/**/*")]):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            texts += [text, *text.split(";"), *text.splitlines()]
    return texts + [
        "  CREATE TABLE a (id int)\n",
        "\n\nUPDATE t SET a = 'x'  ",
        "",
        " \t\n",
        "SELECT 'it''s'",
        'SELECT "a""b"',
        "SELECT `a`",
        "SELECT [a]",
        "SELECT 'open",
        ".tables",
        "  .read x.sql",
        "DELIMITER //",
        "delimiter ;",
        "SELECT 1 -- c",
        "SELECT /* c */ 1",
        "SELECT E'\\n'",
        "SELECT $$x$$",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET b = 1 END",
        "COPY t FROM stdin",
        "BEGIN",
        "PRAGMA foreign_keys=ON",
        "\u2028SELECT 1",
    ]


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql"])
def test_single_statement_fast_path_agrees_with_the_splitter(dialect: str) -> None:
    from converter.extract.sql import _single_statement, _Splitter

    checked = 0
    for text in _corpus():
        fast = _single_statement(text, "a.sql", dialect, 7)
        if fast is None:
            continue
        checked += 1
        assert fast == _Splitter(text, "a.sql", dialect, 7).run(), text
    assert checked > 100
