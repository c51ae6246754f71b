"""`flask legacy ...`: what a Flask app already knows, filled in for the plain commands.

Flask loads the app (`--app`, `FLASK_APP`, or `app.py` / `wsgi.py`); inside its app context the
Flask-SQLAlchemy extension (`app.extensions["sqlalchemy"]`) names the models and the app config
(`SQLALCHEMY_DATABASE_URI`, `SQLALCHEMY_BINDS`, as Flask-SQLAlchemy resolves them) the databases.
Flags given on the command line always win. Flask is imported only here and only when the plugin
runs: it is not a dependency of the plain `legacy2alembic` command.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from converter.core.errors import InputError

# The parameters each verb takes that the app can fill in.
_MODELS = {"convert", "verify", "onboard"}
_DIALECT = {"scan", "convert", "verify", "onboard"}
_SERVER = {"verify", "onboard"}


@contextmanager
def flask_defaults(verb: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`params` with the project, models, dialect and URLs the app knows where none was given;
    the app context stays pushed while the command runs."""
    app = _load_app()
    with app.app_context():
        yield fill(verb, dict(params), app)


def fill(verb: str, params: dict[str, Any], app: Any) -> dict[str, Any]:
    """The Flask defaults for one verb (a pure function of the app, for tests)."""
    from converter.database.urls import dialect_of

    db = _extension(app)
    urls = app_urls(app, db, params.pop("binds", ()) or ())
    main = urls[0] if urls else None
    if params.get("project") is None:
        params["project"] = Path(app.root_path)
    if verb in _MODELS and not params.get("models") and not params.get("reference_url"):
        params["models"] = models_spec(db, Path(params["project"]))
    if verb in _DIALECT and params.get("dialect") is None and main:
        params["dialect"] = str(dialect_of(main))
    if verb in _SERVER and params.get("server_url") is None and main:
        params["server_url"] = main if not main.startswith("sqlite") else None
    if verb == "stamp" and not params.get("urls") and params.get("url_file") is None:
        params["urls"] = tuple(urls)
    return params


def _load_app() -> Any:
    import click
    from flask.cli import ScriptInfo

    return click.get_current_context().ensure_object(ScriptInfo).load_app()


def _extension(app: Any) -> Any:
    db = app.extensions.get("sqlalchemy")
    if db is None:
        raise InputError(
            f"the Flask app {app.import_name!r} has no Flask-SQLAlchemy extension "
            "(db.init_app(app)); pass --models and --url yourself, or use legacy2alembic"
        )
    return db


def app_urls(app: Any, db: Any, binds: tuple[str, ...]) -> list[str]:
    """The URLs of the default database, then of each bind asked for (`--bind KEY`), as
    Flask-SQLAlchemy resolves them (relative SQLite paths land in the instance folder)."""
    keys: list[str | None] = [None, *binds] if not binds or "" in binds else list(binds)
    engines = getattr(db, "engines", {})
    found = []
    for key in dict.fromkeys(k or None for k in keys):
        if key not in engines:
            known = ", ".join(sorted(k for k in engines if k)) or "none"
            raise InputError(f"--bind {key}: the app has no such bind (binds: {known})")
        found.append(engines[key].url.render_as_string(hide_password=False))
    return found


def models_spec(db: Any, root: Path) -> str:
    """`module:attr` naming the app's `db` object in a module of the project, so that the
    commands (and the commands they print) import the models as `--models` would."""
    root = root.resolve()
    holders = {}
    for name, module in sorted(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if name == "__main__" or not path or not Path(path).resolve().is_relative_to(root):
            continue
        attr = next((a for a, v in sorted(vars(module).items()) if v is db), None)
        if attr is not None:
            holders[name] = attr
    defining = {m.class_.__module__ for m in db.Model.registry.mappers}
    for name in sorted(holders, key=lambda n: (n not in defining, n)):
        return f"{name}:{holders[name]}"
    raise InputError(
        f"cannot find the module of the app's Flask-SQLAlchemy object under {root}; "
        "pass --models MODULE:ATTR"
    )
