"""Golden conversions: small legacy projects and the revision files `convert` writes for them.

Each folder in tests/golden_legacy/ is one case: `input/` is a tiny legacy project (a few `.sql`
statements of one form family, or `migrate_*.py` scripts using sqlite3, psycopg2 or SQLAlchemy
`text()`), `expected/` the `migrations/versions/` files converting it gives. The folder name
starts with the dialect (`sqlite_`, `postgres_`, `mysql_`).

Run `python tests/regen_golden_legacy.py` after an intended change of the output and review the
diff; the expected files are never edited by hand. test_golden_legacy.py compares and compiles.
Output is deterministic: revision ids derive from the sources' paths and content, and a project
outside a git work tree (a temporary copy here) has no create dates.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from converter.commands.convert import convert_options
from converter.commands.pipeline import convert
from converter.core.config import project_settings
from converter.core.diagnostics import Diagnostics
from converter.core.dialects import parse_dialect

GOLDEN = Path(__file__).resolve().parent / "golden_legacy"


def cases() -> list[str]:
    """Case folder names, sorted."""
    return sorted(p.name for p in GOLDEN.iterdir() if (p / "input").is_dir())


def converted(case: str) -> dict[str, str]:
    """Revision file name -> text, from converting a temporary copy of the case's input."""
    with tempfile.TemporaryDirectory(prefix="l2a-golden-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(GOLDEN / case / "input", project)
        root, config = project_settings(project)
        options = convert_options(
            root,
            config,
            parse_dialect(case.split("_", 1)[0]),
            models=None,
            reference_url=None,
            out=None,
            order_file=None,
            jobs=1,
        )
        convert(root, config, options, Diagnostics())
        versions = options.out / "versions"
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(versions.glob("*.py"))}


def expected(case: str) -> dict[str, str]:
    """Revision file name -> text, as recorded in the case's expected/ folder."""
    folder = GOLDEN / case / "expected"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py"))}


def main() -> int:
    for case in cases():
        folder = GOLDEN / case / "expected"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for name, text in converted(case).items():
            (folder / name).write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
