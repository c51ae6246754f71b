"""Fuzzing `convert` with mutated legacy sources: never an internal error, never a hang.

The fixtures' own `.sql` and `.py` sources are cut, duplicated, given stray quotes, comment
openers and bytes that are not UTF-8. Whatever comes out, `convert` ends with exit 0, 1 or 2
(never 3), within 60 s, and writes nothing on exit 2. Hypothesis runs derandomized (a fixed
seed) with a bounded number of examples, so that CI sees the same inputs every time.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from legacy import all_fixtures, load_fixture

from converter.cli import cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEEDS = sorted(
    p
    for p in FIXTURES.glob("*/project/**/*")
    if p.suffix == ".sql" or (p.suffix == ".py" and p.name.startswith("migrate_"))
)
# Each fixture's own dialect (fixture.toml), so a new fixture is fuzzed without editing this file.
DIALECTS = {name: load_fixture(name).dialect for name in all_fixtures()}
RUN_SECONDS = 60
# Stray quotes, comment and dollar-quote openers, brackets, delimiters, bytes that are not UTF-8.
INSERTS = [b"'", b'"', b"`", b"$$", b"/*", b"--", b"\\", b"(", b")", b";", b"\n", b"\xff", b"\x80"]
MUTATIONS = ["delete", "duplicate", "insert", "truncate", "token"]


class RunTimedOut(BaseException):
    """Raised by the alarm; a BaseException so that the CLI boundary does not turn it into 3."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise RunTimedOut(f"convert ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mutate(data: bytes, steps: list[tuple[str, float, float, int, int]]) -> bytes:
    """Apply byte and token mutations; positions are fractions of the current length."""
    for kind, where, other, size, pick in steps:
        at, to = int(where * len(data)), int(other * len(data))
        if kind == "delete":
            data = data[:at] + data[at + size :]
        elif kind == "duplicate":
            data = data[:to] + data[at : at + size] + data[to:]
        elif kind == "insert":
            data = data[:at] + INSERTS[pick % len(INSERTS)] * (1 + size % 3) + data[at:]
        elif kind == "truncate":
            data = data[:at]
        else:
            tokens = data.split(b" ")
            index = int(where * len(tokens)) % len(tokens)
            tokens.insert(index, tokens[index] * (1 + size % 4))
            data = b" ".join(tokens)
    return data


mutation = st.tuples(
    st.sampled_from(MUTATIONS),
    st.floats(0, 1, allow_nan=False),
    st.floats(0, 1, allow_nan=False),
    st.integers(1, 200),
    st.integers(0, 100),
)


def fixture_of(seed: Path) -> str:
    return seed.relative_to(FIXTURES).parts[0]


def project_with(seed: Path, data: bytes) -> Path:
    """A fresh project holding the mutated source where discovery finds it."""
    root = Path(tempfile.mkdtemp(prefix="l2a-fuzz-"))
    rel = Path("migrations_manual_sql", seed.name) if seed.suffix == ".sql" else Path(seed.name)
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(data)
    return root


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM for the time limit")
@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(seed=st.sampled_from(SEEDS), steps=st.lists(mutation, min_size=1, max_size=4))
def test_convert_survives_mutated_sources(seed: Path, steps: list) -> None:
    project = project_with(seed, mutate(seed.read_bytes(), steps))
    out = project / "migrations"
    dialect = DIALECTS[fixture_of(seed)]
    args = ["convert", str(project), "--dialect", dialect, "--out", str(out)]
    try:
        started = time.monotonic()
        with time_limit(RUN_SECONDS):
            result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert time.monotonic() - started < RUN_SECONDS
        assert result.exit_code in (0, 1, 2), result.output
        if result.exit_code == 2:
            assert not out.exists() or not any(out.rglob("*")), result.output
    finally:
        shutil.rmtree(project)


def test_the_seeds_are_the_fixture_sources() -> None:
    assert {p.suffix for p in SEEDS} == {".py", ".sql"}
    assert len(SEEDS) >= 10
