"""A full schema dump found by discovery is not converted but cross-checks the chain's schema:
a table whose columns match neither the baseline nor the head is a warning at the dump's
`file:line` (L2A419, issue 10 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from legacy import copy_project, load_fixture
from test_archive import cli

# The fieldnotes tasks table before its legacy sources (what initial_models.py creates).
OLD_TASKS = (
    "CREATE TABLE tasks (id INTEGER NOT NULL, title VARCHAR(200) NOT NULL, user_id INTEGER, "
    "PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id));"
)


def _convert(project: Path, *models: str) -> str:
    result = cli("convert", str(project), "--dialect", "sqlite", *models)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(load_fixture("sqlite_fieldnotes"), tmp_path / "p")


def _dump_lines(project: Path) -> list[str]:
    return (project / "schema.sql").read_text().splitlines()


def test_a_dump_of_today_matches_the_head(project: Path) -> None:
    assert "schema dump:" not in _convert(project, "--models", "models:db")


def test_a_dump_from_before_the_legacy_sources_matches_the_baseline(project: Path) -> None:
    lines = _dump_lines(project)
    lines[2] = OLD_TASKS
    (project / "schema.sql").write_text("\n".join(lines) + "\n")
    assert "schema dump:" not in _convert(project, "--models", "models:db")


def test_a_table_whose_columns_match_neither_is_a_warning_at_the_dump_line(project: Path) -> None:
    lines = _dump_lines(project)
    assert lines[2].startswith("CREATE TABLE tasks")
    lines[2] = lines[2].replace("priority INTEGER NOT NULL DEFAULT 2, ", "notes TEXT, ")
    (project / "schema.sql").write_text("\n".join(lines) + "\n")
    out = _convert(project, "--models", "models:db")
    assert (
        "schema.sql:3: warning: schema dump: table tasks has other columns than the chain's "
        "schema, before the legacy sources or after them (not in the dump: priority; only in "
        "the dump: notes)"
    ) in out
    assert out.count("schema dump:") == 1


def test_without_a_reference_tables_the_chain_only_alters_are_not_judged(project: Path) -> None:
    lines = _dump_lines(project)
    lines[2] = lines[2].replace("priority INTEGER NOT NULL DEFAULT 2, ", "")
    (project / "schema.sql").write_text("\n".join(lines) + "\n")
    assert "schema dump:" not in _convert(project)
