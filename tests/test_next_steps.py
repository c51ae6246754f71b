"""Every "Next:" line a command prints runs as printed: copied into a shell, it succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_real_world_forms import cli, write_project

BIN = str(Path(sys.executable).parent)


def next_step(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("Next: ")]
    return line.removeprefix("Next: ")


@pytest.mark.parametrize("models", [False, True])
def test_convert_prints_a_verify_command_that_runs(tmp_path: Path, models: bool) -> None:
    files = {"migrations_manual_sql/001 first.sql": "CREATE TABLE item (id INTEGER PRIMARY KEY);\n"}
    if models:
        files["models.py"] = (
            "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
            "sa.Table('item', metadata, sa.Column('id', sa.Integer, primary_key=True))\n"
        )
    project = write_project(tmp_path / "my project", files)
    args = ["--models", "models:metadata"] if models else []
    converted = cli("convert", str(project), "--dialect", "sqlite", *args)
    assert converted.returncode == 0, converted.stdout + converted.stderr
    command = next_step(converted.stdout)
    assert "--dialect sqlite" in command
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    ran = subprocess.run(
        command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, command + "\n" + ran.stdout + ran.stderr
    assert "verify: ok" in ran.stdout
