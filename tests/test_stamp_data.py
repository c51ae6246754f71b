"""Stamp tells apart revisions that only change data, from the data, read-only.

A chain whose middle revisions leave the schema as it was (a backfill UPDATE, a seed INSERT, a
cleanup DELETE): each database built the legacy way up to script k is stamped exactly at k, and
the probes change nothing. An UPDATE the data cannot judge is refused by default, naming both
candidates and the statement; each of --assume-data-applied, --assume-data-not-applied and
--revision decides. On SQLite and PostgreSQL, with the installed console script.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from legacy import dump_data
from test_real_world_forms import cli, legacy_database, revisions, write_project
from test_stamp import stamp, version_rows

BACKFILLS = {
    "migrations_manual_sql/001_accounts.sql": """
CREATE TABLE account (id INTEGER PRIMARY KEY, email TEXT NOT NULL, status TEXT);
INSERT INTO account (id, email, status)
VALUES (1, 'a@example.com', NULL), (2, 'b@example.com', 'active');
""",
    "migrations_manual_sql/002_backfill_status.sql": """
UPDATE account SET status = 'active' WHERE status IS NULL;
""",
    "migrations_manual_sql/003_seed_admin.sql": """
INSERT INTO account (id, email, status) VALUES (3, 'admin@example.com', 'admin');
""",
    "migrations_manual_sql/004_remove_b.sql": """
DELETE FROM account WHERE email = 'b@example.com';
""",
    "migrations_manual_sql/005_note.sql": """
ALTER TABLE account ADD COLUMN note TEXT;
""",
}

UNDECIDABLE = {
    "migrations_manual_sql/001_counters.sql": """
CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO counter (id, n) VALUES (1, 0);
""",
    "migrations_manual_sql/002_bump.sql": """
UPDATE counter SET n = n + 1;
""",
    "migrations_manual_sql/003_label.sql": """
ALTER TABLE counter ADD COLUMN label TEXT;
""",
}


def converted(tmp_path: Path, files: dict[str, str], dialect: str) -> tuple[Path, list[str]]:
    project = write_project(tmp_path / "project", files)
    result = cli("convert", str(project), "--dialect", dialect)
    assert result.returncode == 0, result.stdout + result.stderr
    return project, revisions(project / "migrations")


def decision(result: subprocess.CompletedProcess[str]) -> dict:
    [database] = json.loads(result.stdout)["databases"]
    return database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_url(request, tmp_path):
    if request.param == "sqlite":
        return "sqlite", request.getfixturevalue("sqlite_url_factory")
    return "postgres", request.getfixturevalue("pg_url_factory")


def test_each_data_only_revision_is_decided_from_the_data(tmp_path, make_url) -> None:
    dialect, factory = make_url
    project, chain = converted(tmp_path, BACKFILLS, dialect)
    sources = list(BACKFILLS)
    for k in range(1, len(sources) + 1):
        url = factory()
        legacy_database(project, url, sources[:k])
        before = dump_data(url)
        result = stamp(project, "--url", url, "--yes", "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        assert decision(result)["revision"] == chain[k - 1], f"k={k}: {result.stdout}"
        assert version_rows(url) == [chain[k - 1]]
        assert {t: rows for t, rows in dump_data(url).items() if t != "alembic_version"} == {
            t: rows for t, rows in before.items() if t != "alembic_version"
        }
        if k == 4:  # every data-only revision ran, and each is reported so
            probes = decision(result)["data_probes"]
            assert {p["revision"]: p["verdict"] for p in probes} == dict.fromkeys(
                chain[1:4], "applied"
            )


def test_backfill_verdicts_are_reported(tmp_path, make_url) -> None:
    dialect, factory = make_url
    project, chain = converted(tmp_path, BACKFILLS, dialect)
    url = factory()
    legacy_database(project, url, list(BACKFILLS)[:2])
    result = stamp(project, "--url", url, "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"matches {chain[1]}" in result.stdout
    assert f"data: {chain[3]} [not applied] DELETE FROM account" in result.stdout
    assert f"data: {chain[1]} [applied] UPDATE account SET status" in result.stdout


def test_undecidable_data_is_refused_and_each_flag_decides(tmp_path, make_url) -> None:
    dialect, factory = make_url
    project, chain = converted(tmp_path, UNDECIDABLE, dialect)
    url = factory()
    legacy_database(project, url, list(UNDECIDABLE)[:1])
    refused = stamp(project, "--url", url, "--dry-run")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"matches both {chain[0]}" in refused.stdout and chain[1] in refused.stdout
    assert "[cannot tell] UPDATE counter SET n = n + 1" in refused.stdout
    assert "--assume-data-applied" in refused.stdout
    for flags, expected in (
        (["--assume-data-applied"], chain[1]),
        (["--assume-data-not-applied"], chain[0]),
        (["--revision", chain[0]], chain[0]),
        (["--revision", chain[1]], chain[1]),
    ):
        result = stamp(project, "--url", url, "--dry-run", "--json", *flags)
        assert result.returncode == 0, result.stdout + result.stderr
        assert decision(result)["revision"] == expected, flags
    wrong = stamp(project, "--url", url, "--dry-run", "--revision", chain[2])
    assert wrong.returncode == 1 and "is not a revision this schema matches" in wrong.stdout
    both = stamp(project, "--url", url, "--assume-data-applied", "--revision", chain[0])
    assert both.returncode == 2
    assert version_rows(url) is None
