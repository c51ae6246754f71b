"""Source editing primitives: a file as read, text edits at `ast` positions, and applying them.

Files are edited at the positions `ast` reports, never by pattern over the text; columns are UTF-8
byte offsets, and the file's own newlines and encoding are kept.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from converter.core.diagnostics import Origin
from converter.core.errors import InputError

_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass
class Source:
    """One Python file as read: bytes, encoding and text (newlines kept as they are)."""

    path: str
    data: bytes
    encoding: str
    text: str
    tree: ast.Module
    starts: list[int]

    @classmethod
    def read(cls, root: Path, path: str) -> Source:
        data = (root / path).read_bytes()
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            text = data.decode(encoding)
            tree = ast.parse(text, filename=path)
        except (SyntaxError, UnicodeDecodeError, LookupError, ValueError) as exc:
            raise InputError(f"cannot read this Python file: {exc}", Origin(path)) from None
        starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        return cls(path, data, encoding, text, tree, starts)

    @property
    def newline(self) -> str:
        found = _NEWLINE.search(self.text)
        return found.group() if found else "\n"

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its line ending."""
        end = self.starts[number] if number < len(self.starts) else len(self.text)
        return self.text[self.starts[number - 1] : end].rstrip("\r\n")

    def offset(self, line: int, byte_col: int) -> int:
        """Text offset of an `ast` position (columns are UTF-8 byte offsets)."""
        prefix = self.line(line).encode("utf-8")[:byte_col].decode("utf-8", "ignore")
        return self.starts[line - 1] + len(prefix)

    def indent(self, node: ast.stmt) -> str:
        return self.line(node.lineno)[: node.col_offset]

    def alone(self, node: ast.stmt) -> bool:
        """Nothing but indentation before it, nothing but a comment after it."""
        before = self.line(node.lineno).encode("utf-8")[: node.col_offset]
        after = self.line(node.end_lineno or node.lineno).encode("utf-8")[node.end_col_offset :]
        return not before.strip() and (not after.strip() or after.strip().startswith(b"#"))


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (offsets) with `text`."""

    start: int
    end: int
    text: str


def replace_node(source: Source, node: ast.stmt, text: str) -> Edit:
    start = source.offset(node.lineno, node.col_offset)
    end = source.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
    return Edit(start, end, text)


def insert_after(source: Source, node: ast.stmt, line: str) -> Edit:
    """A new line after the last line of `node`."""
    end_line = node.end_lineno or node.lineno
    if end_line < len(source.starts):
        return Edit(source.starts[end_line], source.starts[end_line], line + source.newline)
    return Edit(len(source.text), len(source.text), source.newline + line)


def apply_edits(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


@dataclass
class FileFix:
    """The planned change of one file."""

    source: Source
    edits: list[Edit] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    changes: list[str] = field(default_factory=list)
    new: str = ""
