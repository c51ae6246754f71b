"""Golden conversions: legacy project in, revision files out (tests/golden_legacy/).

Each case is converted from a temporary copy of its input and compared exactly with the recorded
files, which are then compiled. Regenerate with `python tests/regen_golden_legacy.py`.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _load_regen():
    spec = importlib.util.spec_from_file_location(
        "regen_golden_legacy", HERE / "regen_golden_legacy.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGEN = _load_regen()
CASES = REGEN.cases()


def test_every_case_has_expected_revisions():
    assert CASES and all(REGEN.expected(case) for case in CASES)


@pytest.mark.parametrize("case", CASES)
def test_conversion_matches_golden_files(case):
    expected = REGEN.expected(case)
    got = REGEN.converted(case)
    hint = "run `python tests/regen_golden_legacy.py` and review the diff"
    assert sorted(got) == sorted(expected), hint
    for name, text in expected.items():
        assert got[name] == text, f"{case}/expected/{name}: {hint}"


@pytest.mark.parametrize("case", CASES)
def test_golden_files_compile_into_one_chain_of_the_inputs(case):
    input_dir = REGEN.GOLDEN / case / "input"
    parents: dict[str, str | None] = {}
    for name, text in REGEN.expected(case).items():
        namespace: dict = {}
        exec(compile(text, name, "exec"), namespace)  # noqa: S102 - our own generated code
        assert name.startswith(f"{namespace['revision']}_")
        parents[namespace["revision"]] = namespace["down_revision"]
        for path, digest in namespace["legacy_sources"]:
            assert hashlib.sha256((input_dir / path).read_bytes()).hexdigest() == digest
    assert _chain_length(parents) == len(parents)


def _chain_length(parents: dict[str, str | None]) -> int:
    """Revisions reached from the single head down to the root (all of them in a linear chain)."""
    (head,) = set(parents) - set(parents.values())
    length, current = 0, head
    while current is not None:
        length, current = length + 1, parents[current]
    return length
