"""Calls into functions of the project's own modules (`from database import init_db`).

A legacy script often delegates to a helper of the project: `init_db()` that runs `create_all()`,
`add_missing_columns(conn, "users", [...])`. Such a function is read from its module (with `ast`,
never imported) and followed like one of the script's own, with the folded arguments. Of its
module only the definitions are read (imports, functions, classes, constants): what the module
would run when imported is not part of the script. What the function runs is attributed to the
script's call site, since that is where the legacy run executed it.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from converter.core.diagnostics import Level, Origin
from converter.core.dialects import Dialect
from converter.core.errors import InputError
from converter.core.files import inside, read_project_file
from converter.extract.functions import FunctionCalls, InScopes
from converter.extract.sql import decode_source
from converter.extract.values import External, FunctionRef
from converter.ir.statements import CreateAllCall, Item, ManualCode, Statement

# What of a module is read to know its functions: definitions, never calls it makes on import.
_DEFINITIONS = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)


@dataclass
class ProjectModule:
    """One module of the project, read: its path, text and top-level names."""

    path: str
    source: str
    scope: dict[str, object]


class ProjectCalls(FunctionCalls):
    """Calls of functions the script imports from the project's own modules."""

    def __init__(self, source: str, path: str, dialect: Dialect, root: Path, script: Path) -> None:
        super().__init__(source, path, dialect, root, script)
        self.script_source = source
        self.modules: dict[str, ProjectModule | None] = {}
        # The function definitions of the modules read, with their module.
        self.defined_in: dict[ast.AST, ProjectModule] = {}

    def apply(
        self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call | None
    ) -> object:
        if isinstance(func, External) and node is not None:
            found = self.project_function(func.qualname)
            if found is not None:
                return self.call_function(found, args, kwargs, node)
        return super().apply(func, args, kwargs, node)

    def project_function(self, qualname: str) -> FunctionRef | None:
        """The function `qualname` names (`database.init_db`), when it is a top-level function
        of a module of the project; None otherwise."""
        module_name, _, name = qualname.rpartition(".")
        module = self._project_module(module_name) if module_name else None
        ref = module.scope.get(name) if module is not None else None
        return ref if isinstance(ref, FunctionRef) else None

    def call_function(
        self,
        fn: FunctionRef,
        args: Sequence[object],
        kwargs: dict[str, object],
        node: ast.Call | None,
    ) -> object:
        """A function of another module runs with that module's text (for the code it shows);
        called from the script, what it runs is attributed to the call site."""
        module = self.defined_in.get(fn.node)
        source = module.source if module is not None else self.script_source
        if source is self.source:
            return super().call_function(fn, args, kwargs, node)
        from_script = self.source is self.script_source
        mark, saved = self._mark(), self.source
        self.source = source
        try:
            result = super().call_function(fn, args, kwargs, node)
        finally:
            self.source = saved
        if from_script and module is not None:
            self._at_call_site(mark, node.lineno if node is not None else self.line)
            if len(self.items) > mark[0]:
                self.note(
                    Level.INFO,
                    node.lineno if node is not None else self.line,
                    f"{fn.node.name}() is defined in {module.path} (line {fn.node.lineno}): "
                    "followed, and what it runs is converted here",
                )
        return result

    def _at_call_site(self, mark: tuple[int, int], line: int) -> None:
        """Items and notes the helper produced point at the script's call site."""
        here = Origin(self.path, line)
        for index in range(mark[0], len(self.items)):
            self.items[index] = _moved(self.items[index], self.path, here)
        self.notes[mark[1] :] = [
            (level, here if origin.path == self.path else origin, message)
            for level, origin, message in self.notes[mark[1] :]
        ]

    def _project_module(self, name: str) -> ProjectModule | None:
        """The project module `name` (dotted, as imported), read once; None when it is not a
        file of the project or cannot be read."""
        if name not in self.modules:
            self.modules[name] = None  # a module importing itself back is not read twice
            self.modules[name] = self._read_module(name)
        return self.modules[name]

    def _read_module(self, name: str) -> ProjectModule | None:
        rel = self._module_path(name)
        if rel is None or rel == self.path:
            return None
        try:
            source = decode_source(read_project_file(self.root, rel), rel)
            tree = ast.parse(source, filename=rel)
        except (InputError, SyntaxError, ValueError):
            return None
        module = ProjectModule(rel, source, {"__name__": name, "__file__": rel})
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.defined_in[node] = module
        self._define(module, tree)
        return module

    def _module_path(self, name: str) -> str | None:
        """The project-relative path of module `name`: beside the script first (Python puts the
        script's folder first on its path), then from the project root."""
        parts = name.split(".")
        base = self.root.resolve()
        for folder in (self.script.parent, base):
            for candidate in (
                Path(folder, *parts).with_suffix(".py"),
                Path(folder, *parts, "__init__.py"),
            ):
                resolved = inside(self.root, candidate)
                if resolved is not None and resolved.is_file():
                    return PurePosixPath(resolved.relative_to(base)).as_posix()
        return None

    def _define(self, module: ProjectModule, tree: ast.Module) -> None:
        """Run the module's definitions into its scope, keeping the script's own records (its
        functions to scan, its models) as they were, and anything evaluated silent."""
        saved = (self.defined, self.methods, self.models_defined, self.models_imported)
        self.defined, self.methods, self.models_defined, self.models_imported = [], {}, {}, []
        stmt, line, source, mark = self.frame.stmt, self.line, self.source, self._mark()
        self.source = module.source
        try:
            with InScopes(self, [module.scope]):
                for node in tree.body:
                    if isinstance(node, _DEFINITIONS):
                        self.exec_stmt(node)
        finally:
            self._rollback(mark)
            self.defined, self.methods, self.models_defined, self.models_imported = saved
            self.frame.stmt, self.line, self.source = stmt, line, source


def _moved(item: Item, path: str, here: Origin) -> Item:
    if isinstance(item, (Statement, ManualCode, CreateAllCall)) and item.origin.path == path:
        return replace(item, origin=here)
    return item
