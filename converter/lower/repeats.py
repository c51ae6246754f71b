"""Whether two legacy sources run the same statements: a `.sql` file and the script that repeats it.

Convert keeps one of such twins; archive and check must recognise the other one later, from the
files alone. Both compare the same key: the text of every statement that lowers to an op (not the
ignored probes and transaction control), ignoring case, spacing and IF [NOT] EXISTS (a script
often guards what the file states).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from converter.core.diagnostics import Diagnostics
from converter.core.dialects import Dialect
from converter.ir.statements import Item, Statement
from converter.lower.dispatch import Ignored, lower
from converter.parse import parse_statement


def repeat_key(texts: Iterable[str]) -> frozenset[str]:
    """The statements as compared between twins; empty when there are none."""
    return frozenset(_normalized(text) for text in texts)


def effective_texts(items: Iterable[Item], dialect: Dialect) -> list[str]:
    """The SQL of every extracted statement that becomes an op (what a revision would run)."""
    diags = Diagnostics()
    texts = []
    for item in items:
        if not isinstance(item, Statement) or item.ignored:
            continue
        if not isinstance(lower(item, parse_statement(item, dialect), dialect, diags), Ignored):
            texts.append(item.sql)
    return texts


def _normalized(sql: str) -> str:
    flat = " ".join(sql.replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split())
    flat = re.sub(r"\bif (not )?exists ", "", flat.lower())
    return flat.rstrip("; ")
