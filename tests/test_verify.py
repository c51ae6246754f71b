"""verify and the Alembic adapter on small hand-written migrations folders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from converter.core.errors import InputError, MigrationFailed
from converter.database import alembic_chain
from converter.database.reference import metadata_snapshot
from converter.database.scratch import scratch_database
from converter.database.urls import connect
from converter.database.verify import verify

DIALECTS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

ENV_PY = """
    from alembic import context

    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

REVISION = """
    import sqlalchemy as sa
    from alembic import op

    revision = {revision!r}
    down_revision = {down!r}


    def upgrade():
    {upgrade}


    def downgrade():
    {downgrade}
"""

CREATE_USERS = """
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(120), nullable=False, unique=True),
    )
"""

ADD_PHONE = """
    op.add_column("users", sa.Column("phone", sa.String(20), nullable=True))
    op.create_index("ix_users_phone", "users", ["phone"])
"""

DROP_PHONE = """
    op.drop_index("ix_users_phone", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phone")
"""


def write_chain(root: Path, *revisions: tuple[str, str, str]) -> Path:
    """A migrations folder with one revision per (id, upgrade body, downgrade body)."""
    folder = root / "migrations"
    (folder / "versions").mkdir(parents=True)
    (folder / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s\n")
    (folder / "env.py").write_text(textwrap.dedent(ENV_PY))
    down = None
    for number, (revision, upgrade, downgrade) in enumerate(revisions, start=1):
        text = textwrap.dedent(REVISION).format(
            revision=revision,
            down=down,
            upgrade=textwrap.indent(textwrap.dedent(upgrade).strip(), "    "),
            downgrade=textwrap.indent(textwrap.dedent(downgrade).strip(), "    "),
        )
        (folder / "versions" / f"{number:03d}_{revision}.py").write_text(text)
        down = revision
    return folder


def users_metadata(*extra: sa.Column) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "users",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(120), nullable=False, unique=True),
        sa.Column("phone", sa.String(20), index=True),
        *extra,
    )
    return metadata


def two_revisions(tmp_path: Path) -> Path:
    return write_chain(
        tmp_path, ("a1", CREATE_USERS, 'op.drop_table("users")'), ("b2", ADD_PHONE, DROP_PHONE)
    )


@pytest.fixture
def server(request: pytest.FixtureRequest) -> str | None:
    if request.node.callspec.params.get("dialect") == "postgres":
        return str(request.getfixturevalue("pg_server_url"))
    return None


@pytest.mark.parametrize("dialect", DIALECTS)
def test_two_revisions_pass(tmp_path: Path, dialect: str, server: str | None) -> None:
    reference = metadata_snapshot(users_metadata(), dialect, server_url=server)
    result = verify(two_revisions(tmp_path), dialect, reference, server_url=server)
    assert result.ok, result.format()
    assert [(s.name, s.ok) for s in result.steps] == [
        ("upgrade head", True),
        ("downgrade base", True),
        ("upgrade head again", True),
        ("same schema after the round trip", True),
        ("matches the reference", True),
    ]
    assert result.differences == []
    assert result.format().splitlines()[0] == "verify: ok"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_reference_with_an_extra_column_fails(
    tmp_path: Path, dialect: str, server: str | None
) -> None:
    reference = metadata_snapshot(
        users_metadata(sa.Column("nickname", sa.String(40))), dialect, server_url=server
    )
    result = verify(two_revisions(tmp_path), dialect, reference, server_url=server)
    assert not result.ok
    assert [str(d) for d in result.differences] == ["table users: column nickname missing"]
    report = result.format()
    assert "FAIL matches the reference" in report
    assert "  table users: column nickname missing" in report


def test_without_reference_only_the_chain_is_checked(tmp_path: Path) -> None:
    result = verify(two_revisions(tmp_path), "sqlite", None)
    assert result.ok and [s.name for s in result.steps][-1] == "same schema after the round trip"


def test_not_a_migrations_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a migrations folder"):
        verify(tmp_path, "sqlite", None)


def test_failing_revision_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    folder = write_chain(
        tmp_path,
        ("a1", CREATE_USERS, 'op.drop_table("users")'),
        ("b2", 'op.execute("ALTER TABLE nosuch ADD COLUMN x INTEGER")', "pass"),
    )
    result = verify(folder, "sqlite", None)
    assert not result.ok
    assert [(s.name, s.ok) for s in result.steps] == [("upgrade head", False)]
    assert result.steps[0].detail == (
        "migrations/versions/002_b2.py:10: upgrade failed in revision b2: no such table: nosuch"
    )


def test_a_failing_revision_raises_migration_failed(tmp_path: Path) -> None:
    folder = write_chain(
        tmp_path,
        ("a1", 'op.execute("CREATE TABLE t (id INTEGER)")', 'raise RuntimeError("cannot go back")'),
    )
    with scratch_database("sqlite") as url, connect(url).connect() as conn:
        alembic_chain.upgrade(folder, conn)
        with pytest.raises(MigrationFailed) as info:
            alembic_chain.downgrade(folder, conn)
    error = info.value
    assert error.exit_code == 2 and error.origin is not None
    assert str(error.origin) == "migrations/versions/001_a1.py:14"
    assert error.message == "downgrade failed in revision a1: RuntimeError: cannot go back"
    with (
        scratch_database("sqlite") as url,
        connect(url).connect() as conn,
        pytest.raises(MigrationFailed, match="alembic upgrade: .*zzz"),
    ):
        alembic_chain.upgrade(folder, conn, "zzz")


@pytest.mark.parametrize(
    ("body", "error"),
    [("undefined_name", NameError), ("op.create_table()", TypeError), ("x = (", SyntaxError)],
)
def test_a_bug_in_a_revision_is_not_a_failed_step(
    tmp_path: Path, body: str, error: type[Exception]
) -> None:
    """A bug in generated code surfaces as itself (the CLI says internal error, exit 3)."""
    folder = write_chain(tmp_path, ("a1", body, "pass"))
    with pytest.raises(error):
        verify(folder, "sqlite", None)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_incomplete_downgrade_is_reported(tmp_path: Path, dialect: str, server: str | None) -> None:
    folder = write_chain(
        tmp_path,
        (
            "a1",
            CREATE_USERS + '\nop.execute("CREATE TABLE audit (id INTEGER)")',
            'op.drop_table("users")',
        ),
    )
    result = verify(folder, dialect, None, server_url=server)
    assert not result.ok
    assert ("downgrade base", False, "left behind: table audit") in [
        (s.name, s.ok, s.detail) for s in result.steps
    ]
    assert "upgrade head again" not in [s.name for s in result.steps]


@pytest.mark.postgres
@pytest.mark.parametrize("dialect", ["postgres"])
def test_enum_type_left_by_the_downgrade(tmp_path: Path, dialect: str, server: str | None) -> None:
    folder = write_chain(
        tmp_path,
        (
            "a1",
            (
                'op.create_table("person", sa.Column("id", sa.Integer(), primary_key=True), '
                'sa.Column("mood", sa.Enum("sad", "happy", name="mood")))'
            ),
            'op.drop_table("person")',
        ),
    )
    result = verify(folder, dialect, None, server_url=server)
    assert ("downgrade base", False, "left behind: enum type mood") in [
        (s.name, s.ok, s.detail) for s in result.steps
    ]


def test_round_trip_difference_is_reported(tmp_path: Path) -> None:
    """The second upgrade builds another schema (it reads state the downgrade left behind)."""
    upgrade = """
        bind = op.get_bind()
        again = bind.exec_driver_sql("PRAGMA user_version").scalar()
        size = 40 if again else 20
        op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True),
                        sa.Column("name", sa.String(size)))
        bind.exec_driver_sql("PRAGMA user_version = 1")
    """
    folder = write_chain(tmp_path, ("a1", upgrade, 'op.drop_table("t")'))
    result = verify(folder, "sqlite", None)
    step = result.steps[-1]
    assert (step.name, step.ok) == ("same schema after the round trip", False)
    assert step.detail.splitlines() == [
        "1 difference(s) between the two upgrades:",
        "table t: column name type VARCHAR(20) != VARCHAR(40)",
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_with_the_scaffolded_env_py(tmp_path: Path, dialect: str, server: str | None) -> None:
    """The env.py legacy2alembic writes uses the connection verify hands it."""
    from converter.render.scaffold import scaffold_files

    hand_written = two_revisions(tmp_path / "hand")
    folder = tmp_path / "migrations"
    for relative, text in scaffold_files(dialect).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    for revision in (hand_written / "versions").glob("*.py"):
        (folder / "versions" / revision.name).write_text(revision.read_text())
    reference = metadata_snapshot(users_metadata(), dialect, server_url=server)
    result = verify(folder, dialect, reference, server_url=server)
    assert result.ok, result.format()
