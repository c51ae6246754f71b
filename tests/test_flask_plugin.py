"""`flask legacy ...`: the plugin, run by Flask's own console script on a fixture app, takes the
models from the app's Flask-SQLAlchemy object and the database URL from its config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from legacy import LegacyTemplates, copy_project, load_fixture

FLASK = str(Path(sys.executable).parent / "flask")


def flask(project: Path, *args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [FLASK, "--app", "app", "legacy", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_verbs_are_the_plain_cli_verbs(tmp_path: Path) -> None:
    project = copy_project(load_fixture("sqlite_taskboard"), tmp_path / "p")
    result = flask(project, "--help", url="sqlite://")
    assert result.returncode == 0, result.stderr
    for verb in ("scan", "convert", "verify", "stamp", "archive", "check", "fix-create-all"):
        assert f"  {verb} " in result.stdout
    assert "onboard" in result.stdout


def test_onboard_and_stamp_need_no_models_and_no_url(
    tmp_path: Path, legacy_sqlite: LegacyTemplates
) -> None:
    project = copy_project(load_fixture("sqlite_taskboard"), tmp_path / "p")
    existing = tmp_path / "existing.db"
    legacy_sqlite.copy("sqlite_taskboard", f"sqlite:///{existing}")
    url = f"sqlite:///{existing}"

    onboard = flask(project, "onboard", url=url)
    assert onboard.returncode == 0, onboard.stdout + onboard.stderr
    assert "matches the reference" in onboard.stdout  # the app's models were the reference
    assert (project / "migrations" / "env.py").is_file()

    stamp = flask(project, "stamp", "--dry-run", "--json", url=url)
    assert stamp.returncode == 0, stamp.stdout + stamp.stderr
    (database,) = json.loads(stamp.stdout)["databases"]
    assert database["url"] == url
    assert database["status"] == "would-stamp"


def test_an_unknown_bind_is_an_input_error(tmp_path: Path) -> None:
    project = copy_project(load_fixture("sqlite_taskboard"), tmp_path / "p")
    result = flask(project, "stamp", "--dry-run", "--bind", "users", url="sqlite://")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: --bind users: the app has no such bind")
