"""The package's imports run one way: cli -> commands -> stages (in pipeline order) -> ir -> core.

Every import is read with `ast`, including those inside functions (kept there for start-up time)
and under `TYPE_CHECKING`: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "converter"

# Lowest first. A module may import its own layer's siblings and any lower layer, never a higher
# one. Stages follow the pipeline: discover -> extract -> parse -> lower -> plan -> render, then the
# database work (verify, the reference), stamp and the retirement of the legacy sources.
LAYERS = (
    "core", "ir", "discover", "extract", "parse", "lower", "plan", "render", "database", "stamp",
    "retire", "commands", "cli", "__main__",
)  # fmt: skip
ALLOWED_TOP_LEVEL = {"__init__", "__main__", "cli", "parse"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the package in `path`."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{a.name}") for a in node.names]
    return [(line, m) for line, m in found if m == "converter" or m.startswith("converter.")]


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts)


def test_every_module_belongs_to_a_layer() -> None:
    strays = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if p.parent == PACKAGE and p.stem not in ALLOWED_TOP_LEVEL
    ]
    strays += [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if p.parent != PACKAGE and p.relative_to(PACKAGE).parts[0] not in LAYERS
    ]
    assert strays == [], "modules outside the layers; put each in its stage's package"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_against_no_layer(path: Path) -> None:
    own = _layer(_module_name(path)) if path.parent != PACKAGE or path.stem != "__init__" else 0
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for line, module in _imports(path)
        if (layer := _layer(module)) is not None and own is not None and layer > own
    ]
    assert wrong == []


def _graph() -> dict[str, set[str]]:
    return _graph_of({_module_name(p): _imports(p) for p in _modules()})


def _graph_of(imports: dict[str, list[tuple[int, str]]]) -> dict[str, set[str]]:
    """module -> the modules it imports, from (line, imported name) pairs."""
    graph: dict[str, set[str]] = {}
    for name, found_imports in imports.items():
        by_line: dict[int, set[str]] = {}
        for line, module in found_imports:
            while module and module not in imports:
                module = module.rpartition(".")[0]
            if module and module != name:
                by_line.setdefault(line, set()).add(module)
        # `from converter.plan import mysql_keys` depends on the submodule, not on the package's
        # own code (a package importing its submodules is not a cycle through them).
        graph[name] = {
            m
            for found in by_line.values()
            for m in found
            if not any(other.startswith(m + ".") for other in found)
        }
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle_and_spares_package_imports() -> None:
    graph = _graph_of({
        "c.p": [(1, "c.p.a")],
        "c.p.a": [(3, "c.p"), (3, "c.p.b")],
        "c.p.b": [(5, "c.p.a.f")],
    })  # fmt: skip
    assert graph == {"c.p": {"c.p.a"}, "c.p.a": {"c.p.b"}, "c.p.b": {"c.p.a"}}
    assert _cycles(graph) == [["c.p.a", "c.p.b", "c.p.a"]]


def test_the_checker_sees_lazy_and_relative_imports() -> None:
    source = "def f():\n    from converter.commands.scan import run_scan\nfrom ..ir import ops\n"
    assert sorted(_imports_in(source, "converter.core")) == [
        (2, "converter.commands.scan"),
        (2, "converter.commands.scan.run_scan"),
        (3, "converter.ir"),
        (3, "converter.ir.ops"),
    ]
    assert _layer("converter.commands.scan") > _layer("converter.core.config")


def _uncoded_diagnostics(source: str) -> list[int]:
    """Lines of `diags.info/warning/todo(...)` calls (on any `*diag*` object) without a code."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("info", "warning", "todo")
            and "diag" in ast.unparse(node.func.value)
            and len(node.args) < 3
            and not any(k.arg == "code" for k in node.keywords)
        ):
            lines.append(node.lineno)
    return lines


def test_every_diagnostic_has_a_code() -> None:
    """docs/diagnostics.md lists what to do per code: a call without one reports L2A000."""
    missing = [
        f"{p.relative_to(PACKAGE.parent)}:{line}"
        for p in _modules()
        for line in _uncoded_diagnostics(p.read_text(encoding="utf-8"))
    ]
    assert missing == []
    assert _uncoded_diagnostics("diags.warning(o, 'x')\ndiags.info(o, 'y', code='L2A1')\n") == [1]
