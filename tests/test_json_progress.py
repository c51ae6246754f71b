"""`--json` on every command, checked against the schemas of docs/json.md; every diagnostic code
in the package is documented in docs/diagnostics.md; progress shows on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from legacy import copy_project, load_fixture

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "legacy2alembic")

# A small JSON-schema-like notation: a type, a list of one item schema, or a dict of fields.
# `None | T` is written as (None, T). Extra fields are allowed: documents only ever gain fields.
DIAGNOSTIC = {"level": str, "file": (None, str), "line": (None, int), "message": str, "code": str}
REVISION = {"id": str, "down_revision": (None, str), "file": str, "sources": [str]}
CONVERT = {
    "command": str,
    "dry_run": bool,
    "out": str,
    "scaffolded": bool,
    "written": [str],
    "unchanged": [str],
    "revisions": [REVISION],
    "totals": dict,
    "todo_markers": int,
    "irreversible_steps": int,
    "diagnostics": [DIAGNOSTIC],
}
VERIFY = {
    "command": str,
    "ok": bool,
    "steps": [{"name": str, "ok": bool, "detail": str}],
    "differences": [dict],
}
FIX = {
    "command": str,
    "written": bool,
    "files": [str],
    "diff": str,
    "changes": [str],
    "left_alone": [{"file": str, "line": int, "call": str, "reason": str}],
    "migrate": str,
    "backups": [str],
}
SCHEMAS: dict[str, Any] = {
    "convert": CONVERT,
    "verify": VERIFY,
    "fix-create-all": FIX,
    "check": {
        "command": str,
        "ok": bool,
        "archive": str,
        "archived_files": (None, int),
        "diagnostics": [DIAGNOSTIC],
    },
    "archive": {
        "command": str,
        "dry_run": bool,
        "dest": str,
        "moves": [
            {
                "path": str,
                "target": str,
                "sha256": str,
                "revision": (None, str),
                "git": bool,
                "note": str,
            }
        ],
        "already_archived": [str],
        "left_in_place": [{"path": str, "sha256": str, "reason": str}],
        "not_converted": [str],
        "startup_sources": [{"path": str, "revision": str}],
    },
    "onboard": {
        "command": str,
        "project": str,
        "dialect": str,
        "sources": [{"path": str, "order_reason": str}],
        "convert": {k: v for k, v in CONVERT.items() if k != "command"},
        "verify": {k: v for k, v in VERIFY.items() if k != "command"},
        "revision_todos": [DIAGNOSTIC],
        "fix_create_all": {k: v for k, v in FIX.items() if k != "command"},
        "report": str,
        "next_steps": str,
    },
}


def conforms(value: Any, schema: Any, where: str = "$") -> list[str]:
    """The places where `value` does not match `schema`."""
    if isinstance(schema, tuple):
        if value is None and None in schema:
            return []
        return conforms(value, next(s for s in schema if s is not None), where)
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [
            e for n, item in enumerate(value) for e in conforms(item, schema[0], f"{where}[{n}]")
        ]
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        missing = [f"{where}.{k}: missing" for k in schema if k not in value]
        return missing + [
            e
            for k, s in schema.items()
            if k in value
            for e in conforms(value[k], s, f"{where}.{k}")
        ]
    ok = isinstance(value, schema) and not (schema is int and isinstance(value, bool))
    return [] if ok else [f"{where}: expected {schema.__name__}, got {value!r}"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, check=False)


def document(result: subprocess.CompletedProcess[str], command: str) -> dict[str, Any]:
    data = json.loads(result.stdout)
    assert conforms(data, SCHEMAS[command]) == []
    assert data["command"] == command
    return data


def test_every_command_has_a_json_document_that_matches_its_schema(tmp_path: Path) -> None:
    project = str(copy_project(load_fixture("sqlite_taskboard"), tmp_path / "p"))
    models = ("--dialect", "sqlite", "--models", "models:db")

    onboard = document(cli("onboard", project, *models, "--json"), "onboard")
    assert onboard["verify"]["ok"] and len(onboard["convert"]["revisions"]) == 9
    assert document(cli("convert", project, *models, "--dry-run", "--json"), "convert")
    assert document(cli("verify", project, *models, "--json"), "verify")["ok"]

    check = cli("check", project, "--json")
    assert check.returncode == 1  # the exit code is the text output's
    codes = {d["code"] for d in document(check, "check")["diagnostics"]}
    assert codes == {"L2A525", "L2A526"}

    fix = document(cli("fix-create-all", project, "--json"), "fix-create-all")
    assert fix["files"] == ["app.py"] and not fix["written"]
    archive = document(cli("archive", project, "--dry-run", "--json"), "archive")
    assert len(archive["moves"]) == 8


def test_scan_diagnostics_carry_a_code() -> None:
    result = cli("scan", str(ROOT / "fixtures" / "sqlite_taskboard" / "project"), "--json")
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert diagnostics and conforms(diagnostics, [DIAGNOSTIC]) == []
    assert all(re.fullmatch(r"L2A\d{3}", d["code"]) for d in diagnostics)


def test_every_code_in_the_package_is_documented() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "converter").rglob("*.py"))
    used = set(re.findall(r'"(L2A\d{3})"', source))
    documented = set(
        re.findall(r"^\| `(L2A\d{3})` \|", (ROOT / "docs" / "diagnostics.md").read_text(), re.M)
    )
    assert len(used) > 40
    assert used - documented == set()


def under_a_terminal(*args: str) -> str:
    """The command's output with stdout and stderr on a pseudo-terminal."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execv(CLI, [CLI, *args])
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode(errors="replace")


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> str:
    project = copy_project(load_fixture("sqlite_taskboard"), tmp_path_factory.mktemp("p") / "p")
    assert (
        cli("convert", str(project), "--dialect", "sqlite", "--models", "models:db").returncode == 0
    )
    return str(project)


def test_progress_shows_on_a_terminal(converted: str) -> None:
    out = under_a_terminal("verify", converted, "--dialect", "sqlite")
    assert re.search(r"verify +\[#+-*\] +1/3 +downgrade base", out), out
    assert "verify: ok" in out


def test_no_progress_without_a_terminal_or_with_quiet(converted: str) -> None:
    piped = cli("verify", converted, "--dialect", "sqlite")
    assert piped.returncode == 0 and piped.stderr == ""
    quiet = under_a_terminal("verify", converted, "--dialect", "sqlite", "--quiet")
    assert "[" not in quiet.split("verify: ok")[0]


def test_verbose_names_every_step(converted: str) -> None:
    result = cli("verify", converted, "--dialect", "sqlite", "-v")
    lines = result.stderr.splitlines()
    assert [re.sub(r" \(.*", "", line) for line in lines] == [
        "verify [1/3] upgrade head",
        "verify [2/3] downgrade base",
        "verify [3/3] upgrade head again",
    ]
