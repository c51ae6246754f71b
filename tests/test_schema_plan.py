"""Schema model (apply / unapply / reverse), consolidation passes and planning."""

from __future__ import annotations

from dataclasses import replace

from converter.core.diagnostics import Diagnostics, Origin
from converter.core.dialects import Dialect
from converter.ir import ops as o
from converter.plan.baseline import compute_baseline, fill_unknowns, unapplied
from converter.plan.chain import SourceOps, plan
from converter.plan.passes import recognise_rewrites
from converter.plan.schema import SchemaModel

INT = o.TypeSpec("Integer")
TEXT = o.TypeSpec("Text")
VC50 = o.TypeSpec("String", kwargs=(("length", 50),))
AT = Origin("migrate_x.py", 3)


def users() -> o.CreateTable:
    return o.CreateTable(
        "users",
        (o.ColumnDef("id", INT, nullable=False, primary_key=True), o.ColumnDef("email", VC50)),
        origin=AT,
    )


def model_with_users() -> SchemaModel:
    m = SchemaModel()
    m.apply(users())
    m.apply(o.CreateIndex("ix_users_email", "users", (o.IndexElement("email"),)))
    return m


def test_drop_column_reverses_to_add_with_type_and_its_index() -> None:
    m = model_with_users()
    undo = m.reverse(o.DropColumn("users", "email", origin=AT))
    assert undo == [
        o.AddColumn("users", o.ColumnDef("email", VC50), origin=AT),
        o.CreateIndex("ix_users_email", "users", (o.IndexElement("email"),), origin=AT),
    ]
    m.apply(o.DropColumn("users", "email"))
    assert "email" not in m.tables["users"].columns and not m.indexes


def test_drop_of_unknown_column_is_irreversible_not_guessed() -> None:
    undo = SchemaModel().reverse(o.DropColumn("users", "ghost", origin=AT))
    assert len(undo) == 1 and isinstance(undo[0], o.Irreversible)
    assert "ghost" in undo[0].reason


def test_alter_column_reverses_to_previous_type_and_nullability() -> None:
    m = model_with_users()
    op = o.AlterColumn("users", "email", type=TEXT, nullable=False)
    [undo] = m.reverse(op)
    assert isinstance(undo, o.AlterColumn)
    assert (undo.type, undo.nullable) == (VC50, True)
    assert undo.existing == o.ColumnDef("email", TEXT, nullable=False)


def test_rename_column_follows_indexes_and_foreign_keys() -> None:
    m = model_with_users()
    m.apply(
        o.CreateTable(
            "posts",
            (o.ColumnDef("id", INT, primary_key=True), o.ColumnDef("author", INT)),
            (o.ForeignKey(("author",), "users", ("id",)),),
        )
    )
    m.apply(o.RenameColumn("users", "id", "user_id"))
    assert list(m.tables["users"].columns) == ["user_id", "email"]
    fk = m.tables["posts"].constraints[-1]
    assert isinstance(fk, o.ForeignKey) and fk.ref_columns == ("user_id",)


def test_data_statement_downgrade_is_an_explained_no_op() -> None:
    [undo] = SchemaModel().reverse(o.ExecuteSQL("UPDATE t SET a = 1", kind="data"))
    assert isinstance(undo, o.Irreversible) and "data" in undo.reason


def test_execute_sql_with_derived_inverse() -> None:
    [undo] = SchemaModel().reverse(
        o.ExecuteSQL("CREATE VIEW v AS SELECT 1", reverse_sql="DROP VIEW v")
    )
    assert isinstance(undo, o.ExecuteSQL) and undo.sql == "DROP VIEW v"


def rebuild_ops() -> list[o.Op]:
    new = o.CreateTable(
        "users_new",
        (
            o.ColumnDef("id", INT, nullable=False, primary_key=True),
            o.ColumnDef("email", VC50, nullable=False),
        ),
    )
    return [
        new,
        o.ExecuteSQL(
            "INSERT INTO users_new (id, email) SELECT id, COALESCE(email, '') FROM users",
            kind="data",
        ),
        o.DropTable("users"),
        o.RenameTable("users_new", "users"),
    ]


def test_sqlite_rebuild_sequence_becomes_one_rewrite() -> None:
    [rewrite] = recognise_rewrites(rebuild_ops())
    assert isinstance(rewrite, o.RewriteTable)
    assert rewrite.table == "users" and rewrite.temp_table == "users_new"
    assert rewrite.steps == tuple(rebuild_ops())
    assert rewrite.new_table.table == "users"


def test_rebuild_not_recognised_when_schema_statement_interrupts() -> None:
    ops = rebuild_ops()
    ops.insert(1, o.CreateIndex("ix", "other", (o.IndexElement("a"),)))
    assert not any(isinstance(op, o.RewriteTable) for op in recognise_rewrites(ops))


def test_rewrite_applies_and_reverses_to_the_old_table() -> None:
    m = model_with_users()
    [rewrite] = recognise_rewrites(rebuild_ops())
    undo = m.reverse(rewrite)
    m.apply(rewrite)
    assert m.tables["users"].columns["email"].nullable is False
    assert isinstance(undo[0], o.RewriteTable)
    copy_step = undo[0].steps[1]
    assert isinstance(copy_step, o.ExecuteSQL)
    assert copy_step.sql == (
        'INSERT INTO "_l2a_users_old" ("id", "email") SELECT "id", "email" FROM "users"'
    )
    assert undo[1] == o.CreateIndex("ix_users_email", "users", (o.IndexElement("email"),))


def test_unapply_walks_back_to_the_baseline_and_marks_unknowns() -> None:
    reference = model_with_users()
    reference.apply(o.AddColumn("users", o.ColumnDef("phone", VC50)))
    reference.apply(o.AlterColumn("users", "email", type=TEXT))
    ops = [
        o.AlterColumn("users", "email", type=TEXT),
        o.AddColumn("users", o.ColumnDef("phone", VC50)),
    ]
    base = unapplied(reference, ops)
    assert list(base.tables["users"].columns) == ["id", "email"]
    assert base.tables["users"].columns["email"].type is None
    assert base.unknowns() == ["table users: type of column email unknown"]
    filled = fill_unknowns(base, model_with_users(), Diagnostics())
    assert filled.tables["users"].columns["email"].type == VC50


def test_plan_chain_ids_downgrades_and_determinism() -> None:
    reference = model_with_users()
    reference.apply(o.AddColumn("users", o.ColumnDef("phone", VC50)))
    src = SourceOps(
        "migrate_phone.py",
        "ab" * 32,
        (
            o.AddColumn("users", o.ColumnDef("phone", VC50), origin=AT),
            o.ExecuteSQL("UPDATE users SET phone = ''", kind="data", origin=AT),
        ),
    )
    diags = Diagnostics()
    baseline = compute_baseline(reference, src.ops, None, diags)
    first = plan([src], baseline, "sqlite", diags, reference=reference)
    again = plan([src], baseline, "sqlite", Diagnostics(), reference=reference)
    assert [r.id for r in first.revisions] == [r.id for r in again.revisions]
    base, legacy = first.revisions
    assert base.down_revision is None and legacy.down_revision == base.id
    assert isinstance(base.upgrade[0], o.CreateTable)
    assert [type(op) for op in legacy.downgrade] == [o.Irreversible, o.DropColumn]
    assert first.final.tables["users"].columns["phone"].type == VC50


def test_create_all_in_a_script_creates_only_the_tables_it_introduced() -> None:
    reference = model_with_users()
    reference.apply(o.CreateTable("notes", (o.ColumnDef("id", INT, primary_key=True),)))
    call = o.CreateTablesFromModels("db.create_all()", ("notes",), ("Note",), origin=AT)
    diags = Diagnostics()
    baseline = compute_baseline(reference, [call], None, diags)
    assert "notes" not in baseline.tables
    result = plan(
        [SourceOps("migrate_notes.py", "cd" * 32, (call,))],
        baseline,
        "sqlite",
        diags,
        reference=reference,
    )
    legacy = result.revisions[-1]
    assert [op.table for op in legacy.upgrade if isinstance(op, o.CreateTable)] == ["notes"]
    assert [type(op) for op in legacy.downgrade] == [o.DropTable]


def test_squash_gives_one_revision_with_everything() -> None:
    src = SourceOps("a.sql", "ef" * 32, (users(),))
    result = plan([src], SchemaModel(), "sqlite", Diagnostics(), squash=True)
    [only] = result.revisions
    assert only.upgrade == (users(),) and only.sources[0].path == "a.sql"


def test_rebuild_copy_statement_lets_the_baseline_infer_the_old_table() -> None:
    [rewrite] = recognise_rewrites(rebuild_ops())
    assert rewrite.copied == (("id", "id", True), ("email", "email", False))
    reference = SchemaModel()
    reference.apply(rewrite)
    diags = Diagnostics()
    before = compute_baseline(reference, [rewrite], None, diags)
    users_before = before.tables["users"]
    assert users_before.columns["id"] == o.ColumnDef("id", INT, nullable=False, primary_key=True)
    assert users_before.columns["email"] == o.ColumnDef("email", VC50, nullable=True)
    assert any("inferred" in d.message for d in diags.items)
    old = model_with_users()
    assert (
        fill_unknowns(before, old, Diagnostics()).tables["users"].columns
        == old.tables["users"].columns
    )


def test_old_models_win_over_changes_made_by_sql_the_model_could_not_follow() -> None:
    reference = model_with_users()
    reference.tables["users"].constraints.append(o.Unique(("email",), "uq_users_email"))
    do_block = o.ExecuteSQL(
        "DO $$ BEGIN ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email); END $$"
    )
    diags = Diagnostics()
    baseline = compute_baseline(reference, [do_block], model_with_users(), diags)
    assert o.Unique(("email",), "uq_users_email") not in baseline.tables["users"].constraints
    assert [
        "constraint uq_users_email(email) is not in the old models" in d.message
        for d in diags.items
    ] == [True]


def test_mysql_modify_without_null_keeps_a_key_column_not_null() -> None:
    """MODIFY restates the column; unstated NULL on a primary key column stays NOT NULL (MySQL
    refuses an explicit NULL there), so the op must not say nullable=True."""
    create = o.CreateTable(
        "t", (o.ColumnDef("id", o.TypeSpec("Integer"), nullable=False),), (o.PrimaryKey(("id",)),)
    )
    modify = o.AlterColumn(
        "t", "id", type=o.TypeSpec("BigInteger"), nullable=True, server_default=None
    )
    other = o.AlterColumn("t", "x", type=o.TypeSpec("BigInteger"), nullable=True)
    add_x = o.AddColumn("t", o.ColumnDef("x", o.TypeSpec("Integer"), nullable=False))
    result = plan(
        [SourceOps("a.sql", "0" * 64, (create, add_x, modify, other))],
        SchemaModel(),
        "mysql",
        Diagnostics(),
    )
    ops = [op for op in result.revisions[0].upgrade if isinstance(op, o.AlterColumn)]
    assert ops[0].nullable is o.UNSET and ops[0].type == o.TypeSpec("BigInteger")
    assert ops[1].nullable is True


def test_guarded_drops_conjure_nothing_in_the_baseline_and_are_left_out() -> None:
    """DROP ... IF EXISTS of what the models never had: the baseline does not invent it (an
    unknown table there would be a TODO, and the chain would not build), and with a reference
    the planner knows it is absent."""
    reference = model_with_users()
    ops = [
        o.DropTable("old_stuff", guard="sql"),
        o.DropColumn("users", "legacy", guard="sql"),
        o.DropIndex("ix_gone", guard="sql"),
    ]
    base = unapplied(reference, ops)
    assert set(base.tables) == {"users"} and "legacy" not in base.tables["users"].columns
    assert base.unknowns() == [] and "ix_gone" not in base.indexes
    diags = Diagnostics()
    result = plan(
        [SourceOps("a.sql", "0" * 64, tuple(ops))], base, "postgres", diags, reference=reference
    )
    [rev] = [r for r in result.revisions if r.sources]
    assert rev.upgrade == () and len([d for d in diags.items if "left out" in d.message]) == 3


def test_guarded_ops_the_model_cannot_decide_without_a_reference() -> None:
    create = o.CreateTable("t", (o.ColumnDef("id", INT),))
    ops = (
        create,
        o.DropIndex("ix_x", guard="sql", statement="DROP INDEX IF EXISTS ix_x"),
        o.AddColumn("t", o.ColumnDef("a", INT), guard="script"),
        o.AddColumn("t", o.ColumnDef("a", INT), guard="script"),
    )
    diags = Diagnostics()
    result = plan([SourceOps("a.sql", "0" * 64, ops)], SchemaModel(), "postgres", diags)
    upgrade = result.revisions[0].upgrade
    assert [type(op).__name__ for op in upgrade] == ["CreateTable", "DropIndex", "AddColumn"]
    assert upgrade[1].exact and upgrade[1].statement == "DROP INDEX IF EXISTS ix_x"
    assert not upgrade[2].exact


# --- MySQL: what InnoDB does on its own around foreign keys, and table character sets ------


def mysql_books() -> tuple[SchemaModel, o.CreateTable]:
    """authors, and books with an unnamed key to it, as CREATE TABLE makes them on MySQL."""
    m = SchemaModel(dialect="mysql")
    m.apply(o.CreateTable("authors", (o.ColumnDef("id", INT, False, primary_key=True),)))
    books = o.CreateTable(
        "books",
        (o.ColumnDef("id", INT, False, primary_key=True), o.ColumnDef("author_id", INT)),
        (o.ForeignKey(("author_id",), "authors", ("id",)),),
        dialect_kwargs=(("mysql_charset", "latin1"),),
    )
    m.apply(books)
    return m, books


def test_mysql_unnamed_key_gets_innodb_name_and_index_so_dropping_them_downgrades() -> None:
    """003_books_author_fk.sql: DROP FOREIGN KEY books_ibfk_1; DROP INDEX author_id; ADD a
    named key. Each step knows what it undoes; the named key's own index goes with it."""
    m, _ = mysql_books()
    assert [c.name for c in m.tables["books"].constraints][-1] == "books_ibfk_1"
    assert m.implicit == {("books", "author_id"): ("author_id",)}
    drop_fk = o.DropConstraint("books", "books_ibfk_1", "foreignkey", origin=AT)
    assert m.reverse(drop_fk) == [
        o.AddConstraint(
            "books", o.ForeignKey(("author_id",), "authors", ("id",), "books_ibfk_1"), origin=AT
        )
    ]
    m.apply(drop_fk)
    drop_ix = o.DropIndex("author_id", "books", origin=AT)
    assert m.reverse(drop_ix) == [
        o.CreateIndex("author_id", "books", (o.IndexElement("author_id"),), origin=AT)
    ]
    m.apply(drop_ix)
    named = o.AddConstraint(
        "books", o.ForeignKey(("author_id",), "authors", ("id",), "fk_books_author"), origin=AT
    )
    assert m.reverse(named) == [
        o.DropConstraint("books", "fk_books_author", "foreignkey", origin=AT),
        o.DropIndex("fk_books_author", "books", origin=AT),
    ]
    m.apply(named)
    unnamed = o.AddConstraint("books", o.ForeignKey(("id",), "authors", ("id",)), origin=AT)
    assert m.reverse(unnamed) == [
        o.DropConstraint("books", "books_ibfk_1", "foreignkey", origin=AT)
    ]


def test_mysql_index_replacing_the_implicit_one_downgrades_without_error_1553() -> None:
    m, _ = mysql_books()
    ix = o.CreateIndex("ix_books_author_id", "books", (o.IndexElement("author_id"),), origin=AT)
    assert m.reverse(ix) == [
        o.CreateIndex("author_id", "books", (o.IndexElement("author_id"),), origin=AT),
        o.DropIndex("ix_books_author_id", "books", origin=AT),
    ]
    m.apply(ix)
    assert m.implicit == {}
    m.apply(o.RenameTable("books", "volumes"))
    assert [c.name for c in m.tables["volumes"].constraints][-1] == "volumes_ibfk_1"


def test_mysql_downgrade_leaves_the_indexes_of_a_table_it_drops_to_the_table() -> None:
    _, books = mysql_books()
    ix = o.CreateIndex("ix_books_author_id", "books", (o.IndexElement("author_id"),))
    result = plan(
        [SourceOps("a.sql", "0" * 64, (books, ix))], SchemaModel(), "mysql", Diagnostics()
    )
    assert result.revisions[0].downgrade == (o.DropTable("books"),)


def test_mysql_convert_to_character_set_converts_back() -> None:
    m, _ = mysql_books()
    convert = o.ConvertCharset("books", "utf8mb4", origin=AT)
    assert m.reverse(convert) == [o.ConvertCharset("books", "latin1", origin=AT)]
    m.apply(convert)
    assert dict(m.tables["books"].options) == {"mysql_charset": "utf8mb4"}
    unknown = o.ConvertCharset("authors", "utf8mb4", origin=AT)
    assert isinstance(m.reverse(unknown)[0], o.Irreversible)


def test_attributes_the_sources_never_state_are_recorded_on_the_revision_that_sets_them() -> None:
    """SET DEFAULT / SET NOT NULL say nothing of the value before: the baseline's is a guess,
    listed on the revision that first sets it (a rename before it ends the old name's)."""
    reference = model_with_users()
    reference.apply(o.AlterColumn("users", "email", nullable=False, server_default="''"))
    rename = SourceOps("m1.py", "ab" * 32, (o.RenameColumn("users", "email", "mail", origin=AT),))
    alter = SourceOps(
        "m2.py", "cd" * 32, (o.AlterColumn("users", "mail", server_default="''", origin=AT),)
    )
    reference.apply(rename.ops[0])
    diags = Diagnostics()
    baseline = compute_baseline(reference, rename.ops + alter.ops, None, diags)
    assert baseline.guessed == {("users", "email", "default")}
    assert "so guessed: users.email default" in str(diags.items)
    _, first, second = plan([rename, alter], baseline, "sqlite", diags).revisions
    assert first.unknown_before == (("users", "email", "default"),)
    assert second.unknown_before == (("users", "mail", "default"),)


def test_old_models_replace_the_guesses() -> None:
    reference = model_with_users()
    op = o.AlterColumn("users", "email", server_default="''", origin=AT)
    reference.apply(op)
    derived = unapplied(reference, [op])
    assert derived.guessed == {("users", "email", "default")}
    assert fill_unknowns(derived, model_with_users(), Diagnostics()).guessed == set()


# ---- MySQL MODIFY / CHANGE run as written (RestateColumn) -------------------------------------

NICK = o.ColumnDef("nick", VC50, nullable=False, server_default="''", comment="shown")


def _mysql_members() -> o.CreateTable:
    columns = (o.ColumnDef("id", INT, nullable=False), NICK, o.ColumnDef("bio", TEXT))
    return o.CreateTable("members", columns, (o.PrimaryKey(("id",)),), origin=AT)


def _planned(*ops: o.Op) -> tuple[o.Op, list[o.Op], SchemaModel, Diagnostics]:
    """The last op as planned (upgrade), its downgrade, the final model and the diagnostics."""
    diags = Diagnostics()
    result = plan([SourceOps("a.sql", "0" * 64, ops)], SchemaModel(), "mysql", diags)
    [rev] = result.revisions
    last = rev.upgrade[-1]
    undo = [op for op in rev.downgrade if op.origin == last.origin]
    return last, undo, result.final, diags


def test_restated_column_is_learned_and_downgrades_to_the_previous_full_column() -> None:
    """CHANGE nick handle ... AFTER bio: the model has the new name, definition and place; the
    downgrade CHANGEs it back, with the old type, NOT NULL, DEFAULT, COMMENT and place."""
    sql = "ALTER TABLE members CHANGE nick handle TEXT NULL COMMENT 'x' AFTER bio"
    new = o.ColumnDef("handle", TEXT, comment="x", autoincrement=False)
    change = o.RestateColumn(
        "members",
        "nick",
        new,
        o.Position("bio"),
        origin=Origin("a.sql", 2),
        statement=sql,
        exact=True,
    )
    up, undo, model, diags = _planned(_mysql_members(), change)
    assert up == change and diags.items == []
    assert list(model.tables["members"].columns) == ["id", "bio", "handle"]
    assert model.tables["members"].columns["handle"] == new
    assert undo == [
        o.RestateColumn(
            "members",
            "handle",
            replace(NICK, autoincrement=False),
            o.Position("id"),
            origin=change.origin,
        )
    ]


def test_restated_key_column_stays_not_null_and_keeps_its_auto_increment() -> None:
    """MODIFY id BIGINT COMMENT 'k' on the models' integer key: NOT NULL stays (MySQL refuses
    NULL there); the downgrade restates AUTO_INCREMENT, which SQLAlchemy gave the column."""
    new = o.ColumnDef("id", o.TypeSpec("BigInteger"), comment="k", autoincrement=False)
    modify = o.RestateColumn(
        "members",
        "id",
        new,
        origin=Origin("a.sql", 2),
        exact=True,
        statement="ALTER TABLE members MODIFY id BIGINT COMMENT 'k'",
    )
    up, [undo], _, _ = _planned(_mysql_members(), modify)
    assert isinstance(up, o.RestateColumn) and up.column.nullable is False
    assert isinstance(undo, o.RestateColumn) and undo.column.autoincrement is True
    assert (undo.column.type, undo.position) == (INT, None)


def test_restated_column_the_model_does_not_know_runs_with_no_downgrade() -> None:
    modify = o.RestateColumn(
        "ghosts",
        "a",
        o.ColumnDef("a", INT),
        origin=Origin("a.sql", 1),
        exact=True,
        statement="ALTER TABLE ghosts MODIFY a INT COMMENT 'x'",
    )
    up, [undo], model, diags = _planned(modify)
    assert up == modify and isinstance(undo, o.Irreversible)
    assert model.tables["ghosts"].columns["a"].type == INT  # later ops know it
    assert [d.code for d in diags.items] == ["L2A420"]


def test_modify_without_comment_clears_a_known_comment_and_the_downgrade_restores_it() -> None:
    clear = o.AlterColumn(
        "members",
        "nick",
        type=VC50,
        nullable=False,
        server_default="''",
        comment=None,
        origin=Origin("a.sql", 2),
    )
    up, [undo], model, _ = _planned(_mysql_members(), clear)
    assert isinstance(up, o.AlterColumn) and up.comment is None and up.existing == NICK
    assert model.tables["members"].columns["nick"].comment is None
    assert isinstance(undo, o.AlterColumn) and undo.comment == "shown"


def test_modify_without_comment_of_an_uncommented_column_says_nothing_of_comments() -> None:
    clear = o.AlterColumn(
        "members",
        "bio",
        type=VC50,
        nullable=True,
        server_default=None,
        comment=None,
        origin=Origin("a.sql", 2),
    )
    up, [undo], _, _ = _planned(_mysql_members(), clear)
    assert isinstance(up, o.AlterColumn) and up.comment is o.UNSET
    assert isinstance(undo, o.AlterColumn) and undo.comment is o.UNSET


def test_positioned_add_column_takes_its_place_in_the_model() -> None:
    add = o.AddColumn(
        "members",
        o.ColumnDef("x", INT),
        position=o.Position(),
        exact=True,
        statement="ALTER TABLE members ADD x INT FIRST",
        origin=Origin("a.sql", 2),
    )
    _, _, model, _ = _planned(_mysql_members(), add)
    assert list(model.tables["members"].columns) == ["x", "id", "nick", "bio"]


def test_unapplied_restate_walks_back_name_and_definition() -> None:
    """From a reference after CHANGE nick handle: the baseline has nick again, its type
    unknown (filled from old models, as after any ALTER COLUMN)."""
    reference = SchemaModel(dialect=Dialect.MYSQL)
    reference.apply(_mysql_members())
    change = o.RestateColumn("members", "nick", o.ColumnDef("handle", TEXT, comment="x"))
    reference.apply(change)
    base = unapplied(reference, [change])
    columns = base.tables["members"].columns
    assert "handle" not in columns and columns["nick"].type is None
