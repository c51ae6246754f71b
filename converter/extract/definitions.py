"""What a script defines and imports: functions, classes, models, modules.

Functions and methods are recorded to be followed when called (or scanned if never called).
Model classes give the table names `create_all()` creates (and, when their body says everything,
the tables themselves: see `models`). Imports of libraries are known by
qualified name (`os.path.join`) so that allow-listed calls can be folded; names imported from the
project's own modules stay unread (`External`) and, when they look like models, count for
`create_all()`.
"""

from __future__ import annotations

import ast
import sys

from converter.extract.models import declared_table
from converter.extract.values import External, FunctionRef, Imported, ModelClass, Unknown
from converter.extract.walker import WalkerBase, dotted

_NOT_MODEL_MODULES = frozenset(sys.stdlib_module_names) | {
    "sqlalchemy", "flask", "flask_sqlalchemy", "flask_migrate", "flask_login", "flask_wtf",
    "alembic", "werkzeug", "dotenv", "click", "psycopg2", "psycopg", "pymysql", "MySQLdb",
    "pydantic", "marshmallow", "wtforms", "celery", "redis", "requests", "yaml", "jinja2",
}  # fmt: skip
_NOT_MODEL_NAMES = frozenset(("Base", "Model", "DeclarativeBase", "Flask", "Config", "Session"))


def _snake_case(name: str) -> str:
    """Flask-SQLAlchemy's default table name for a model class (CamelCase -> camel_case)."""
    out = []
    for i, char in enumerate(name):
        prev, nxt = name[i - 1 : i], name[i + 1 : i + 2]
        if char.isupper() and i and (prev.islower() or prev.isdigit() or nxt.islower()):
            out.append("_")
        out.append(char.lower())
    return "".join(out)


class Definitions(WalkerBase):
    """`def`, `class` and `import` statements."""

    def _exec_FunctionDef(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        ref = FunctionRef(stmt, list(self.scopes))
        if all(known.node is not stmt for known in self.defined):
            self.defined.append(ref)
        self.assign_name(stmt.name, ref)

    _exec_AsyncFunctionDef = _exec_FunctionDef

    def _exec_ClassDef(self, stmt: ast.ClassDef) -> None:
        """Model classes give table names; other classes' methods are scanned like functions."""
        model = self._model_class(stmt)
        if model is not None:
            self.models_defined[stmt.name] = model
            self.assign_name(stmt.name, model)
            return
        for node in stmt.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                ref = FunctionRef(node, list(self.scopes), owner=stmt.name)
                self.methods[(stmt.name, node.name)] = ref
                self.defined.append(ref)
        self.assign_name(stmt.name, Unknown(f"class {stmt.name}"))

    def _model_class(self, stmt: ast.ClassDef) -> ModelClass | None:
        tablename, abstract = None, False
        for node in stmt.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = {t.id for t in node.targets if isinstance(t, ast.Name)}
                if "__tablename__" in names and isinstance(node.value.value, str):
                    tablename = node.value.value
                abstract |= "__abstract__" in names and node.value.value is True
        bases = [dotted(b) for b in stmt.bases]
        flask_model = any(b == "Model" or b.endswith(".Model") for b in bases)
        inherits = any(isinstance(self.eval(b), ModelClass) for b in stmt.bases)
        if abstract or not (tablename or flask_model or inherits or "Base" in bases):
            return None
        if tablename is None and flask_model:
            tablename = _snake_case(stmt.name)
        declared = declared_table(stmt, tablename) if tablename and not inherits else None
        return ModelClass(stmt.name, tablename, declared)

    def _exec_Import(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            module = alias.name if alias.asname else alias.name.split(".")[0]
            value = (
                Imported(module) if module.split(".")[0] in _NOT_MODEL_MODULES else External(module)
            )
            self.assign_name(alias.asname or module, value)

    def _exec_ImportFrom(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        library = stmt.level == 0 and module.split(".")[0] in _NOT_MODEL_MODULES
        for alias in stmt.names:
            if alias.name == "*":
                continue
            name = alias.asname or alias.name
            qualname = f"{module}.{alias.name}" if module else alias.name
            self.assign_name(name, Imported(qualname) if library else External(qualname))
            if not library and self._looks_like_model(alias.name):
                self.models_imported.append(alias.name)

    @staticmethod
    def _looks_like_model(name: str) -> bool:
        return name[:1].isupper() and not name.isupper() and name not in _NOT_MODEL_NAMES
