"""Discovery: which files are legacy sources, and in what historical order."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from converter.core.config import Config
from converter.core.diagnostics import Diagnostics, Level, Origin
from converter.core.errors import InputError
from converter.discover.discovery import Discovery, discover
from converter.discover.history import parse_git_log
from converter.discover.names import natural_key, prefix_of
from converter.discover.walk import compile_globs, matches, walk_tree

SQL = "migrations_manual_sql"


def write(root: Path, *paths: str, text: str = "SELECT 1;\n") -> None:
    for path in paths:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"-- {path}\n{text}", encoding="utf-8")


def git(root: Path, *args: str, date: str = "2024-01-01T12:00:00+00:00") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    subprocess.run(
        ["git", *identity, "-C", str(root), *args], env=env, check=True, capture_output=True
    )


def commit(root: Path, date: str, *paths: str) -> None:
    """Write the files and commit them on `date` (YYYY-MM-DD)."""
    write(root, *paths)
    git(root, "add", "--", *paths)
    git(root, "commit", "-q", "-m", f"add {', '.join(paths)}", date=f"{date}T12:00:00+00:00")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    return tmp_path


def run(
    root: Path, config: Config | None = None, **kwargs: object
) -> tuple[Discovery, Diagnostics]:
    diags = Diagnostics()
    return discover(root, config or Config(), diags, **kwargs), diags  # type: ignore[arg-type]


def paths(found: Discovery) -> list[str]:
    return [s.path for s in found.sources]


def at(diags: Diagnostics, level: Level) -> list[tuple[str, str]]:
    return [(str(d.origin), d.message) for d in diags.of_level(level)]


# --- Names and prefixes -------------------------------------------------------------------------


def test_without_git_prefix_order_interleaves_py_and_sql(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"{SQL}/001_users.sql",
        f"{SQL}/003_tags.sql",
        "migrate_002_posts.py",
        "app/migrate_4_index.py",
        "migrate_fix_names.py",
        f"{SQL}/10_late.sql",
    )
    found, diags = run(tmp_path)
    assert paths(found) == [
        f"{SQL}/001_users.sql",
        "migrate_002_posts.py",
        f"{SQL}/003_tags.sql",
        "app/migrate_4_index.py",
        f"{SQL}/10_late.sql",
        "migrate_fix_names.py",
    ]
    assert [s.reason for s in found.sources][:2] == ["prefix 001", "prefix 002"]
    assert found.sources[-1].reason == "name order"
    assert [s.kind for s in found.sources][:3] == ["sql", "py", "sql"]
    assert found.git is False and found.sources[0].added is None
    [warned] = diags.items
    assert warned.code == "L2A109" and "prefix on migrate_fix_names.py:" in warned.message


def test_date_prefixes_in_any_spelling(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"{SQL}/2024_03_01_b.sql",
        f"{SQL}/20240215_a.sql",
        f"{SQL}/2024-04-01-c.sql",
        "migrate_2024_03_10_d.py",
    )
    found, _ = run(tmp_path)
    assert paths(found) == [
        f"{SQL}/20240215_a.sql",
        f"{SQL}/2024_03_01_b.sql",
        "migrate_2024_03_10_d.py",
        f"{SQL}/2024-04-01-c.sql",
    ]
    assert found.sources[1].reason == "date prefix 2024_03_01"


def test_flyway_versions_and_natural_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"{SQL}/V10__c.sql",
        f"{SQL}/V2__b.sql",
        f"{SQL}/V1_1__a2.sql",
        f"{SQL}/V1__a.sql",
        f"{SQL}/x10.sql",
        f"{SQL}/x9.sql",
    )
    found, _ = run(tmp_path)
    assert [Path(p).name for p in paths(found)] == [
        "V1__a.sql",
        "V1_1__a2.sql",
        "V2__b.sql",
        "V10__c.sql",
        "x9.sql",
        "x10.sql",
    ]
    assert found.sources[1].reason == "prefix V1_1"


@pytest.mark.parametrize(
    ("stem", "key"),
    [
        ("003_add_x", (3,)),
        ("1-init", (1,)),
        ("V3__users", (3,)),
        ("2024_03_01_add", (20240301,)),
        ("20240301", (20240301,)),
        ("12345678_x", (12345678,)),
        ("add_users", None),
    ],
)
def test_prefix_of(stem: str, key: tuple[int, ...] | None) -> None:
    prefix = prefix_of(stem)
    assert (prefix.key if prefix else None) == key


def test_natural_key_compares_numbers_as_numbers() -> None:
    assert sorted(["x10", "X2", "x1"], key=natural_key) == ["x1", "X2", "x10"]


def test_globs_span_folders_only_with_double_star() -> None:
    regex = compile_globs(["**/migrate_*.py", "db/*.sql", "v[!0]/*.sql"])
    assert matches(regex, "migrate_a.py") and matches(regex, "a/b/migrate_a.py")
    assert not matches(regex, "migrate_a.pyc") and not matches(regex, "a/migrate.py")
    assert matches(regex, "db/a.sql") and not matches(regex, "x/db/a.sql")
    assert matches(regex, "v1/a.sql") and not matches(regex, "v0/a.sql")
    assert compile_globs([]) is None


# --- Git order ----------------------------------------------------------------------------------


def test_git_order_beats_name_order_and_interleaves_kinds(repo: Path) -> None:
    commit(repo, "2024-01-05", f"{SQL}/b_users.sql")
    commit(repo, "2024-02-10", "migrate_a_posts.py")
    commit(repo, "2024-03-15", f"{SQL}/a_tags.sql")
    found, diags = run(repo)
    assert found.git is True
    assert paths(found) == [f"{SQL}/b_users.sql", "migrate_a_posts.py", f"{SQL}/a_tags.sql"]
    assert [s.added for s in found.sources] == ["2024-01-05", "2024-02-10", "2024-03-15"]
    assert found.sources[0].reason.startswith("git: first added in ")
    assert found.sources[0].reason.endswith("(2024-01-05)")
    assert at(diags, Level.WARNING) == []


def test_ties_in_one_commit_fall_back_to_prefix(repo: Path) -> None:
    commit(repo, "2024-01-01", f"{SQL}/002_b.sql", "migrate_003_c.py", f"{SQL}/001_a.sql")
    commit(repo, "2024-02-01", f"{SQL}/000_late.sql")
    found, diags = run(repo)
    assert paths(found) == [
        f"{SQL}/001_a.sql",
        f"{SQL}/002_b.sql",
        "migrate_003_c.py",
        f"{SQL}/000_late.sql",
    ]
    assert found.sources[0].reason.endswith("(2024-01-01), tie by prefix 001")
    assert [origin for origin, _ in at(diags, Level.WARNING)] == [f"{SQL}/000_late.sql"]


def test_disagreement_between_git_and_prefixes_is_warned(repo: Path) -> None:
    commit(repo, "2024-01-01", f"{SQL}/002_second.sql")
    commit(repo, "2024-02-01", f"{SQL}/001_first.sql")
    commit(repo, "2024-03-01", "migrate_001_py_series.py")
    found, diags = run(repo)
    assert paths(found) == [
        f"{SQL}/002_second.sql",
        f"{SQL}/001_first.sql",
        "migrate_001_py_series.py",
    ]
    [(origin, message)] = at(diags, Level.WARNING)
    assert origin == f"{SQL}/001_first.sql"
    assert f"after {SQL}/002_second.sql (prefix 002)" in message and "git order is used" in message


def test_untracked_files_come_after_committed_ones(repo: Path) -> None:
    commit(repo, "2024-01-01", f"{SQL}/005_committed.sql")
    write(repo, f"{SQL}/001_new.sql", "migrate_000_draft.py")
    found, diags = run(repo)
    assert paths(found) == [
        f"{SQL}/005_committed.sql",
        "migrate_000_draft.py",
        f"{SQL}/001_new.sql",
    ]
    assert found.sources[1].reason == "untracked: after committed sources, prefix 000"
    assert found.sources[1].added is None
    assert {origin for origin, _ in at(diags, Level.INFO)} == {
        "migrate_000_draft.py",
        f"{SQL}/001_new.sql",
    }


def test_renamed_file_keeps_the_commit_that_first_added_it(repo: Path) -> None:
    commit(repo, "2024-01-01", f"{SQL}/users.sql")
    commit(repo, "2024-02-01", f"{SQL}/002_posts.sql")
    git(repo, "mv", f"{SQL}/users.sql", f"{SQL}/001_users.sql")
    git(repo, "commit", "-q", "-m", "rename", date="2024-03-01T12:00:00+00:00")
    found, _ = run(repo)
    assert paths(found) == [f"{SQL}/001_users.sql", f"{SQL}/002_posts.sql"]
    assert found.sources[0].added == "2024-01-01"


def test_root_below_the_git_top_level(repo: Path) -> None:
    commit(repo, "2024-01-01", f"app/{SQL}/b.sql")
    commit(repo, "2024-02-01", f"app/{SQL}/a.sql", f"other/{SQL}/c.sql")
    found, _ = run(repo / "app")
    assert paths(found) == [f"{SQL}/b.sql", f"{SQL}/a.sql"]
    assert found.git and found.sources[1].added == "2024-02-01"


def test_repository_without_commits_orders_by_name(repo: Path) -> None:
    write(repo, f"{SQL}/002_b.sql", f"{SQL}/001_a.sql")
    found, diags = run(repo)
    assert paths(found) == [f"{SQL}/001_a.sql", f"{SQL}/002_b.sql"]
    assert found.git and len(at(diags, Level.INFO)) >= 2


def test_parse_git_log_keeps_first_addition_and_follows_renames() -> None:
    log = (
        "\x01aaa\t2024-01-01\x00\nA\x00x.sql\x00A\x00y.sql\x00"
        "\x01bbb\t2024-02-01\x00\nR100\x00x.sql\x00001_x.sql\x00A\x00y.sql\x00"
    )
    added = parse_git_log(log)
    assert added["001_x.sql"].commit == "aaa" and added["y.sql"].commit == "aaa"
    assert added["x.sql"].rank == 0


def test_sha256_is_of_the_file_bytes(tmp_path: Path) -> None:
    write(tmp_path, "migrate_1.py", text="print('x')\n")
    found, _ = run(tmp_path)
    expected = hashlib.sha256((tmp_path / "migrate_1.py").read_bytes()).hexdigest()
    assert found.sources[0].sha256 == expected


# --- Order file ---------------------------------------------------------------------------------


def test_order_file_overrides_git_and_prefixes(repo: Path) -> None:
    commit(repo, "2024-01-01", f"{SQL}/001_a.sql", "migrate_002_b.py")
    (repo / "order.txt").write_text(
        f"# applied by hand on prod\n\nmigrate_002_b.py  # first\n./{SQL}/001_a.sql\n"
    )
    found, diags = run(repo, order_file=repo / "order.txt")
    assert paths(found) == ["migrate_002_b.py", f"{SQL}/001_a.sql"]
    assert [s.reason for s in found.sources] == ["order file line 3", "order file line 4"]
    assert found.sources[0].added == "2024-01-01"
    assert at(diags, Level.WARNING) == []


def test_order_file_from_config_is_relative_to_root(tmp_path: Path) -> None:
    write(tmp_path, f"{SQL}/001_a.sql", f"{SQL}/002_b.sql")
    (tmp_path / "legacy-order").write_text(f"{SQL}/002_b.sql\n{SQL}/001_a.sql\n")
    found, _ = run(tmp_path, Config(order="legacy-order"))
    assert paths(found) == [f"{SQL}/002_b.sql", f"{SQL}/001_a.sql"]


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        ("nope.sql", "nope.sql does not exist"),
        ("README.md", "README.md is not a legacy source"),
        (f"{SQL}/001_a.sql", r"listed twice \(first on line 1\)"),
    ],
)
def test_order_file_bad_entry_points_at_its_line(tmp_path: Path, listed: str, message: str) -> None:
    write(tmp_path, f"{SQL}/001_a.sql", "README.md")
    (tmp_path / "order.txt").write_text(f"{SQL}/001_a.sql\n\n{listed}\n")
    with pytest.raises(InputError, match=message) as caught:
        run(tmp_path, order_file=tmp_path / "order.txt")
    assert caught.value.origin == Origin("order.txt", 3)


def test_order_file_must_list_every_source(tmp_path: Path) -> None:
    write(tmp_path, f"{SQL}/001_a.sql", f"{SQL}/002_b.sql", "migrate_003_c.py")
    (tmp_path / "order.txt").write_text(f"{SQL}/002_b.sql\n")
    with pytest.raises(InputError) as caught:
        run(tmp_path, order_file=tmp_path / "order.txt")
    assert str(caught.value) == (
        f"order.txt: legacy sources missing from the order file: {SQL}/001_a.sql, migrate_003_c.py"
    )


def test_missing_order_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the order file"):
        run(tmp_path, order_file=tmp_path / "absent.txt")


# --- Twins per dialect --------------------------------------------------------------------------

TWINS = (f"{SQL}/003_add_x_sqlite.sql", f"{SQL}/003_add_x_pg.sql", f"{SQL}/003_add_x.mysql.sql")


def test_twin_for_the_dialect_is_kept(tmp_path: Path) -> None:
    write(tmp_path, *TWINS, f"{SQL}/002_base.sql", f"{SQL}/004_next.sql")
    found, diags = run(tmp_path, dialect="postgresql")
    assert paths(found) == [f"{SQL}/002_base.sql", f"{SQL}/003_add_x_pg.sql", f"{SQL}/004_next.sql"]
    assert found.sources[1].dialect == "postgres" and found.sources[1].reason == "prefix 003"
    assert found.skipped == (
        (TWINS[2], f"twin for mysql; {TWINS[1]} is used for postgres"),
        (TWINS[0], f"twin for sqlite; {TWINS[1]} is used for postgres"),
    )
    assert diags.items == []


def test_dialect_from_config(tmp_path: Path) -> None:
    write(tmp_path, *TWINS)
    found, _ = run(tmp_path, Config(dialect="sqlite"))
    assert paths(found) == [TWINS[0]]


def test_without_dialect_all_twins_are_kept_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, *TWINS)
    found, diags = run(tmp_path)
    assert sorted(paths(found)) == sorted(TWINS)
    [(_, message)] = at(diags, Level.WARNING)
    assert "pass --dialect" in message


def test_no_twin_for_the_dialect_keeps_none(tmp_path: Path) -> None:
    write(tmp_path, TWINS[0], TWINS[1])
    found, diags = run(tmp_path, dialect="mysql")
    assert paths(found) == []
    assert [reason for _, reason in found.skipped] == [
        "twin for postgres; no twin for mysql",
        "twin for sqlite; no twin for mysql",
    ]
    [(_, message)] = at(diags, Level.WARNING)
    assert "no mysql twin" in message


# --- What is walked, what is skipped ------------------------------------------------------------


def test_virtualenvs_and_vendored_trees_are_excluded(tmp_path: Path) -> None:
    write(
        tmp_path,
        "migrate_001_real.py",
        "venv/migrate_x.py",
        "node_modules/pkg/migrate_y.py",
        "lib/python3.11/site-packages/pkg/migrate_z.py",
        "tests/migrate_t.py",
        "myenv/lib/migrate_w.py",
        "myenv/pyvenv.cfg",
    )
    found, _ = run(tmp_path)
    assert paths(found) == ["migrate_001_real.py"]
    folders = [folder for folder, _ in walk_tree(tmp_path, Config().exclude)]
    assert folders == ["", "lib", "lib/python3.11"]


def test_exclude_by_relative_path(tmp_path: Path) -> None:
    write(tmp_path, "legacy/old/migrate_1.py", "legacy/migrate_2.py", "legacy/migrate_3.py")
    found, _ = run(tmp_path, Config(exclude=("legacy/old", "legacy/migrate_3.py")))
    assert paths(found) == ["legacy/migrate_2.py"]


def test_existing_alembic_folders_keep_their_revisions_not_hand_written_sql(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "migrations/env.py",
        "migrations/script.py.mako",
        "migrations/alembic.ini",
        "migrations/versions/abc_migrate_1.py",
        "migrations/stray.sql",
        "db/alembic/versions/migrate_2.py",
        f"{SQL}/001_a.sql",
    )
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/db/alembic\n")
    found, _ = run(tmp_path, Config(py_globs=("**/*migrate_*.py",)))
    assert found.migrations_dirs == ("db/alembic", "migrations")
    assert paths(found) == [f"{SQL}/001_a.sql", "migrations/stray.sql"]
    assert found.skipped == (
        ("db/alembic/versions/migrate_2.py", "part of the Alembic folder db/alembic/"),
        ("migrations/versions/abc_migrate_1.py", "part of the Alembic folder migrations/"),
    )


def test_alembic_ini_with_package_location_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = myapp:migrations\n")
    found, _ = run(tmp_path)
    assert found.migrations_dirs == ()


def test_empty_project_is_not_an_error(tmp_path: Path) -> None:
    found, diags = run(tmp_path)
    assert found == Discovery(tmp_path, (), (), (), False) and diags.items == []


def test_root_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        run(tmp_path / "missing")
    write(tmp_path, "file.txt")
    with pytest.raises(InputError, match="is not a directory"):
        run(tmp_path / "file.txt")


def test_sql_files_no_configured_glob_matches_are_pointed_out(tmp_path: Path) -> None:
    write(tmp_path, "sql/up/2024-04-17_001_jobs.sql", "sql/up/2024-04-18_002_flag.sql")
    config = Config(sql_globs=(f"{SQL}/*.sql",))
    found, diags = run(tmp_path, config)
    assert found.sources == () and found.other_sql_dirs == ("sql/up",)
    [(where, message)] = at(diags, Level.WARNING)
    assert "sql/up/ (2)" in message and "sql-globs" in message
    write(tmp_path, f"{SQL}/001_a.sql")
    found, diags = run(tmp_path, config)
    assert paths(found) == [f"{SQL}/001_a.sql"]
    assert at(diags, Level.WARNING) == [] and "sql/up/ (2)" in at(diags, Level.INFO)[0][1]
