"""Every documented and printed sequence of commands runs as written, in that order: the
README's command list and the steps `onboard` prints, on a copy of the demo project with an
existing database built by the legacy scripts."""

from __future__ import annotations

import os
import pty
import re
import sys
from pathlib import Path

from legacy import LegacyTemplates, copy_project, load_fixture

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def shell(command: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run `command` with bash on a pseudo-terminal (a confirmation prompt is answered yes),
    the virtualenv's scripts first on PATH."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(cwd)
        os.execve("/bin/bash", ["bash", "-c", command], env)
    os.write(fd, b"y\n")
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode(errors="replace")


def run_in_order(commands: list[str], project: Path, database: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": f"sqlite:///{database}",
        "FLASK_APP": "app",
    }
    assert commands
    for command in commands:
        code, output = shell(command, project, env)
        assert code == 0, f"{command!r} exited {code}:\n{output}"


def setup(tmp_path: Path, legacy_sqlite: LegacyTemplates) -> tuple[Path, Path]:
    project = copy_project(load_fixture("sqlite_taskboard"), tmp_path / "p", git=True)
    database = tmp_path / "existing.db"
    legacy_sqlite.copy("sqlite_taskboard", f"sqlite:///{database}")
    return project, database


def test_the_readme_command_list_runs_as_written(
    tmp_path: Path, legacy_sqlite: LegacyTemplates
) -> None:
    project, database = setup(tmp_path, legacy_sqlite)
    block = (ROOT / "README.md").read_text().split("```")[1]
    commands = [line.replace("PROJECT", ".") for line in block.splitlines() if line.strip()]
    run_in_order(commands, project, database)


def test_the_steps_onboard_prints_run_as_written(
    tmp_path: Path, legacy_sqlite: LegacyTemplates
) -> None:
    project, database = setup(tmp_path, legacy_sqlite)
    code, output = shell(
        "legacy2alembic onboard . --dialect sqlite --models models:db",
        project,
        {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert code == 0, output
    left = output.split("What is left")[1].replace("\r\n", "\n")
    commands = [
        line.strip() for line in left.splitlines() if re.match(r" {7}(legacy2alembic|flask) ", line)
    ]
    assert commands.index("legacy2alembic fix-create-all . --write") < commands.index(
        "flask db upgrade   # the revisions this database never ran"
    )
    run_in_order(commands, project, database)
