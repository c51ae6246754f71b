"""Split SQL scripts into statements, lexically: no parsing, exact text, linear time.

A regular expression jumps from one lexically significant spot to the next (a quote, a comment, a
dollar quote, a psql backslash, the delimiter); everything in between is copied by slicing once.
The same lexical knowledge classifies statements that are certainly not schema history
(`classify_lexical`) and inlines literal DB-API parameters (`inline_params`).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from converter.core.diagnostics import Origin
from converter.core.dialects import CHOICES, Dialect, find_dialect
from converter.core.errors import InputError
from converter.ir.statements import ManualCode, Statement

_PLAIN_SQ = r"'[^']*(?:''[^']*)*(?:'|\Z)"
_PLAIN_DQ = r'"[^"]*(?:""[^"]*)*(?:"|\Z)'
_ESC_SQ = r"'[^'\\]*(?:(?:\\[\s\S]|'')[^'\\]*)*(?:'|\Z)"
_ESC_DQ = r'"[^"\\]*(?:(?:\\[\s\S]|"")[^"\\]*)*(?:"|\Z)'
_BACKTICK = r"`[^`]*(?:``[^`]*)*(?:`|\Z)"
_C_COMMENT = r"/\*[^*]*\*+(?:[^/*][^*]*\*+)*/"

_NONSPACE = re.compile(r"\S")
_DELIMITER_CMD = re.compile(r"delimiter[ \t]+(\S+)[^\n]*", re.IGNORECASE)
_DOT_CMD = re.compile(r"\.([A-Za-z_]+)[^\n]*")
_META_NAME = re.compile(r"\\(\w+|\S)")
_END_NOT_BLOCK = re.compile(r"\s+(?:if|loop|while|repeat)\b", re.IGNORECASE)
_COMPOUND_HEAD = re.compile(
    r"create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*\S+\s+)?"
    r"(?:(?:temp|temporary|constraint|aggregate)\s+)?(?:trigger|function|procedure|event|rule)\b",
    re.IGNORECASE,
)
_COPY_STDIN = re.compile(r"copy\b[\s\S]*\bfrom\s+stdin\b", re.IGNORECASE)
_COPY_END = re.compile(r"^\\\.[ \t\r]*$", re.MULTILINE)
_PG_BLOCK_COMMENT = re.compile(r"/\*|\*/")

_META_WARNINGS = {
    "i": "psql \\i runs another SQL file: review that file and add it as a legacy source",
    "ir": "psql \\ir runs another SQL file: review that file and add it as a legacy source",
    "include": "psql \\include runs another SQL file: review that file "
    "and add it as a legacy source",
    "include_relative": "psql \\include_relative runs another SQL file: review that file "
    "and add it as a legacy source",
    "copy": "psql \\copy loads or exports data from a client file: port it by hand",
    "!": "psql \\! runs a shell command: review it",
}
_GEXEC_WARNING = (
    "psql \\gexec runs every value this query returns as SQL: the generated statements "
    "are not known statically; review and port them by hand"
)
_DOT_WARNINGS = {
    "read": "sqlite3 .read runs another SQL file: review that file and add it as a legacy source",
    "import": "sqlite3 .import loads data from a file: port it by hand",
}


def split_sql(text: str, path: str, dialect: Dialect, first_line: int = 1) -> list[Statement]:
    """Split a SQL script into statements with their origin (line of the first token).

    Statements that are lexically certain not to be schema history get `ignored=` (see
    `classify_lexical`); psql and sqlite3 client commands become ignored statements too.
    """
    single = _single_statement(text, path, check_dialect(dialect), first_line)
    return single if single is not None else _Splitter(text, path, dialect, first_line).run()


# Text that can hold at most one statement and nothing a client or the lexer must interpret.
_NOT_SIMPLE = re.compile(r";|--|/\*|#|\\|\$|^\s*[.]|^\s*delimiter\b", re.IGNORECASE)


def _single_statement(
    text: str, path: str, dialect: Dialect, first_line: int
) -> list[Statement] | None:
    """The fast path for the common one-statement string of a Python script: no delimiter,
    comment, backslash, dollar quote or client command, and every quote closed. None when the
    text needs the full splitter (which gives the same result for what this accepts)."""
    if _NOT_SIMPLE.search(text) or any(text.count(q) % 2 for q in "'\"`"):
        return None
    if dialect == "sqlite" and text.count("[") != text.count("]"):
        return None
    sql = text.strip()
    if not sql:
        return []
    line = first_line + text.count("\n", 0, text.index(sql[0]))
    return [Statement(sql, Origin(path, line), ignored=classify_lexical(sql))]


# psql interpolates :name, :'name' (a literal) and :"name" (an identifier) in the code of a
# statement: never inside strings, quoted names, comments or dollar-quoted bodies, nor after `::`.
_PSQL_LEX = re.compile(
    r"""(?P<skip>'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*[\s\S]*?\*/"""
    r"""|\$(?P<tag>[^\W\d]\w*)?\$[\s\S]*?\$(?P=tag)\$|::|\w+)"""
    r"""|(?P<var>:(?:'(?P<lit>[^\W\d]\w*)'|"(?P<ident>[^\W\d]\w*)"|(?P<name>[^\W\d]\w*)))"""
)
_PSQL_SET = re.compile(r"\\(set|unset)\s+(\w+)\s*(.*)$")


def psql_variables(statements: list[Statement]) -> list[Statement | ManualCode]:
    """Statements of a .sql file run with psql, with its variables resolved.

    `\\set name value` lines earlier in the file give values: they are substituted as psql
    would (the database received the substituted text). A statement using a variable the file
    does not set (`psql -v name=...` on the command line) cannot be converted: it becomes a
    TODO."""
    values: dict[str, str] = {}
    out: list[Statement | ManualCode] = []
    for stmt in statements:
        command = _PSQL_SET.match(stmt.sql) if stmt.ignored else None
        if command:
            name = command.group(2)
            if command.group(1) == "set":
                values[name] = _psql_value(command.group(3))
            else:
                values.pop(name, None)
        if stmt.ignored or ":" not in stmt.sql:
            out.append(stmt)
            continue
        refs = [m for m in _PSQL_LEX.finditer(stmt.sql) if m.group("var")]
        missing = sorted({_var_name(m) for m in refs} - values.keys())
        if missing:
            names = ", ".join(f":{n}" for n in missing)
            out.append(
                ManualCode(
                    stmt.origin,
                    stmt.sql,
                    f"uses psql variables ({names}) set outside the file (psql -v "
                    "or an earlier \\set): their values are not known; add "
                    "`\\set name value` lines at the top of the file, or port it "
                    "by hand",
                )
            )
        elif refs:
            names = ", ".join(sorted({f":{_var_name(m)}" for m in refs}))
            out.append(
                replace(
                    stmt,
                    sql=_substitute(stmt.sql, refs, values),
                    warning=f"psql variables {names} replaced by the values the file "
                    "sets with \\set, as psql did",
                )
            )
        else:
            out.append(stmt)
    return out


def _var_name(m: re.Match[str]) -> str:
    return m.group("lit") or m.group("ident") or m.group("name")


def _psql_value(rest: str) -> str:
    """The value of `\\set name rest`: psql joins its words; 'quoted' words keep their spaces."""
    words = re.findall(r"'(?:[^']|'')*'|\S+", rest.strip())
    return "".join(w[1:-1].replace("''", "'") if w.startswith("'") else w for w in words)


def _substitute(sql: str, refs: list[re.Match[str]], values: dict[str, str]) -> str:
    parts: list[str] = []
    last = 0
    for m in refs:
        value = values[_var_name(m)]
        if m.group("lit"):
            value = "'" + value.replace("'", "''") + "'"
        elif m.group("ident"):
            value = '"' + value.replace('"', '""') + '"'
        parts += [sql[last : m.start()], value]
        last = m.end()
    return "".join(parts) + sql[last:]


def check_dialect(dialect: str) -> Dialect:
    """The dialect `dialect` names, or InputError when it names none."""
    found = find_dialect(dialect)
    if found is None:
        raise InputError(f"unknown SQL dialect {dialect!r} (expected {CHOICES})")
    return found


@lru_cache(maxsize=64)
def _scanner(dialect: Dialect, delimiter: str, compound: bool) -> re.Pattern[str]:
    """The pattern matching the next lexically significant spot for one dialect and delimiter."""
    if dialect == "mysql":
        strings = [_ESC_SQ, _ESC_DQ, _BACKTICK]
        comments = [r"--(?=[ \t\r\n-]|\Z)[^\n]*", r"#[^\n]*"]
        block = r"/\*(?!!)"
    else:
        strings = [_PLAIN_SQ, _PLAIN_DQ, _BACKTICK]
        comments = [r"--[^\n]*"]
        block = r"/\*"
    if dialect == "postgres":
        strings.insert(0, r"[Ee]" + _ESC_SQ)
    if dialect == "sqlite":
        strings.append(r"\[[^\]]*(?:\]|\Z)")
    parts = [
        f"(?P<str>{'|'.join(strings)})",
        f"(?P<line>{'|'.join(comments)})",
        f"(?P<block>{block})",
        f"(?P<delim>{re.escape(delimiter)})",
    ]
    if dialect == "postgres":
        parts += [r"(?P<dollar>\$(?:[^\W\d]\w*)?\$)", r"(?P<meta>\\)"]
    if compound:
        words = r"\b(?:[Bb][Ee][Gg][Ii][Nn]|[Cc][Aa][Ss][Ee]|[Ee][Nn][Dd])\b"
        parts.append(f"(?P<word>{words}|[()])")
    return re.compile("|".join(parts))


@lru_cache(maxsize=8)
def _gap(dialect: Dialect) -> re.Pattern[str]:
    """Whitespace and line comments between statements."""
    comments = {"mysql": r"#[^\n]*|--(?=[ \t\r\n-]|\Z)[^\n]*"}.get(dialect, r"--[^\n]*")
    return re.compile(f"(?:\\s+|{comments})*")


@lru_cache(maxsize=8)
def _runner(dialect: Dialect) -> re.Pattern[str]:
    """Consumes ordinary text, strings and simple comments of a statement in one C-level match.

    It stops before anything that needs Python (the `;` delimiter, dollar quotes, psql
    backslashes, nested comments); `_Splitter` uses it as a fast path, never for correctness.
    """
    if dialect == "mysql":
        alternatives = [
            r"[^\w'\"`;\-/#]+",
            r"\w+",
            _ESC_SQ,
            _ESC_DQ,
            _BACKTICK,
            r"#[^\n]*",
            r"--(?=[ \t\r\n-])[^\n]*",
            r"-(?!-(?:[ \t\r\n-]|\Z))",
            r"/(?!\*(?!!))",
            _C_COMMENT,
        ]
    elif dialect == "postgres":
        alternatives = [
            r"[Ee]" + _ESC_SQ,
            r"\w+",
            r"[^\w'\"`;\-/$\\]+",
            _PLAIN_SQ,
            _PLAIN_DQ,
            _BACKTICK,
            r"--[^\n]*",
            r"-(?!-)",
            r"/(?!\*)",
        ]
    else:
        alternatives = [
            r"[^'\"`\[;\-/]+",
            _PLAIN_SQ,
            _PLAIN_DQ,
            _BACKTICK,
            r"\[[^\]]*\]",
            r"--[^\n]*",
            r"-(?!-)",
            r"/(?!\*)",
            _C_COMMENT,
        ]
    return re.compile(f"(?:{'|'.join(alternatives)})*")


class _Splitter:
    """One pass over one script; statements are cut by slicing once each."""

    def __init__(self, text: str, path: str, dialect: Dialect, first_line: int) -> None:
        self.text = text
        self.path = path
        self.dialect = dialect
        self.first_line = first_line
        self.delimiter = ";"
        self.out: list[Statement] = []
        self._line_pos = 0
        self._line_count = 0
        self.pos = 0
        self.start: int | None = None
        self.compound = False
        self.depth = 0

    def run(self) -> list[Statement]:
        """Scan to the end of the text, emitting each statement as its end is found."""
        text = self.text
        while True:
            if self.start is None and not self._begin_statement():
                if self.pos >= len(text):
                    break
                continue
            if not self.compound and self.delimiter == ";":
                self.pos = _runner(self.dialect).match(text, self.pos).end()  # type: ignore[union-attr]
            m = _scanner(self.dialect, self.delimiter, self.compound).search(text, self.pos)
            if m is None:
                break
            self._handle(m)
        if self.start is not None:
            self._emit(self.start, self._code_end(self.start, len(text)))
        return self.out

    def _begin_statement(self) -> bool:
        """Skip to the first token of the next statement; False if there is none here.

        Whitespace, comments, empty statements and client commands (psql backslash commands,
        DELIMITER, sqlite3 dot-commands) between statements are consumed on the way.
        """
        text = self.text
        self.pos = _gap(self.dialect).match(text, self.pos).end()  # type: ignore[union-attr]
        at = self.pos
        if at >= len(text):
            return False
        if text.startswith("/*", at) and not (
            self.dialect == "mysql" and text.startswith("/*!", at)
        ):
            self.pos = self._block_comment_end(at)
            return False
        if text.startswith(self.delimiter, at):
            self.pos = at + len(self.delimiter)
            return False
        if self.dialect == "postgres" and text[at] == "\\":
            self._meta_command(at)
            return False
        if self._client_command(at):
            return False
        self.start = at
        self.compound, self.depth = bool(_COMPOUND_HEAD.match(text, at)), 0
        return True

    def _real_match(self, m: re.Match[str]) -> bool:
        """E'' strings and dollar quotes only count when not glued to a preceding identifier."""
        at = m.start()
        if m.lastgroup not in ("str", "dollar") or at == 0 or self.text[at] not in "Ee$":
            return True
        before = self.text[at - 1]
        return not (before.isalnum() or before in "_$")

    def _handle(self, m: re.Match[str]) -> None:
        """Act on one significant spot inside or between statements."""
        kind = m.lastgroup
        if not self._real_match(m):
            self.pos = m.start() + 1
        elif kind == "meta":
            self._meta_command(m.start())
        elif kind == "delim":
            self._delimiter(m)
        elif kind == "word":
            self._block_word(m)
        else:
            self.pos = self._skip(m)

    def _skip(self, m: re.Match[str]) -> int:
        """End of the string, comment or dollar-quoted body that starts at `m`."""
        if m.lastgroup == "block":
            return self._block_comment_end(m.start())
        if m.lastgroup == "dollar":
            close = self.text.find(m.group(), m.end())
            if close < 0:
                raise self._unterminated(m.start(), "dollar-quoted string")
            return close + len(m.group())
        if m.lastgroup == "str" and m.end() == len(self.text):
            what = _unclosed_quote(m.group(), self.dialect)
            if what:
                raise self._unterminated(m.start(), what)
        return m.end()

    def _unterminated(self, at: int, what: str) -> InputError:
        """The error for a string or comment still open at the end of the script."""
        line = self.first_line + self.text.count("\n", 0, at)
        return InputError(f"unterminated {what}", Origin(self.path, line))

    def _block_comment_end(self, at: int) -> int:
        """End of a /* */ comment; PostgreSQL nests them."""
        if self.dialect != "postgres":
            close = self.text.find("*/", at + 2)
            if close < 0:
                raise self._unterminated(at, "/* comment")
            return close + 2
        depth = 0
        for m in _PG_BLOCK_COMMENT.finditer(self.text, at):
            depth += 1 if m.group() == "/*" else -1
            if depth == 0:
                return m.end()
        raise self._unterminated(at, "/* comment")

    def _block_word(self, m: re.Match[str]) -> None:
        """Track BEGIN/CASE ... END and parentheses nesting inside trigger, routine and rule
        bodies (`CREATE RULE ... DO (INSERT ...; UPDATE ...)`)."""
        word = m.group().lower()
        if word == ")":
            self.depth = max(0, self.depth - 1)
        elif word != "end":
            self.depth += 1
        elif not _END_NOT_BLOCK.match(self.text, m.end()):
            self.depth = max(0, self.depth - 1)
        self.pos = m.end()

    def _delimiter(self, m: re.Match[str]) -> None:
        """End the pending statement unless the delimiter sits inside a BEGIN ... END body."""
        self.pos = m.end()
        if self.start is None:
            return
        if self.delimiter == ";" and self.compound and self.depth > 0:
            return
        start, self.start = self.start, None
        self.compound = False
        if self.dialect == "postgres" and _COPY_STDIN.match(self.text, start):
            self._copy_data(start, m.start())
            return
        self._emit(start, m.start())

    def _copy_data(self, start: int, stmt_end: int) -> None:
        """`COPY ... FROM stdin;` is followed by data lines up to `\\.`: keep them with it."""
        eol = self.text.find("\n", self.pos)
        data = len(self.text) if eol < 0 else eol + 1
        close = _COPY_END.search(self.text, data)
        end = close.end() if close else len(self.text)
        warning = "COPY ... FROM stdin with inline data: the data lines are kept verbatim; review"
        self._emit(start, end, warning=warning, keep=True)
        self.pos = end

    def _meta_command(self, at: int) -> None:
        """A psql backslash command: it runs to the end of its line."""
        eol = self.text.find("\n", at)
        eol = len(self.text) if eol < 0 else eol
        line = self.text[at:eol].rstrip()
        name_match = _META_NAME.match(line)
        name = name_match.group(1) if name_match else ""
        if self.start is not None:
            start, self.start = self.start, None
            self.compound = False
            gexec = name == "gexec"
            self._emit(start, at, warning=_GEXEC_WARNING if gexec else None, keep=gexec)
        elif name == "gexec" and self.out:
            self.out[-1] = replace(self.out[-1], ignored=None, warning=_GEXEC_WARNING)
        reason = f"psql meta-command \\{name}"
        self.out.append(
            Statement(line, self._origin(at), ignored=reason, warning=_META_WARNINGS.get(name))
        )
        self.pos = eol

    def _client_command(self, at: int) -> bool:
        """DELIMITER (mysql client) and sqlite3 dot-commands, valid only at the start of a line."""
        if not _starts_line(self.text, at):
            return False
        delimiter = _DELIMITER_CMD.match(self.text, at)
        if delimiter:
            self.delimiter = delimiter.group(1)
            self.pos = delimiter.end()
            return True
        dot = _DOT_CMD.match(self.text, at) if self.dialect == "sqlite" else None
        if dot:
            name = dot.group(1).lower()
            warning = _DOT_WARNINGS.get(name)
            line = dot.group().rstrip()
            ignored = f"sqlite3 dot-command .{name}"
            self.out.append(Statement(line, self._origin(at), ignored=ignored, warning=warning))
            self.pos = dot.end()
            return True
        return False

    def _code_end(self, start: int, end: int) -> int:
        """End of the last token before `end`, so trailing comments at EOF are not kept."""
        pattern = _scanner(self.dialect, self.delimiter, False)
        pos, code_end = start, start
        while pos < end:
            m = pattern.search(self.text, pos, end)
            stop = m.start() if m else end
            chunk = self.text[pos:stop].rstrip()
            if chunk.strip():
                code_end = pos + len(chunk)
            if m is None:
                break
            pos = self._skip(m) if self._real_match(m) else m.start() + 1
            if m.lastgroup not in ("line", "block"):
                code_end = max(code_end, pos)
        return code_end

    def _emit(self, start: int, end: int, warning: str | None = None, keep: bool = False) -> None:
        sql = self.text[start:end].rstrip()
        if not sql:
            return
        ignored = None if keep else classify_lexical(sql)
        self.out.append(Statement(sql, self._origin(start), ignored=ignored, warning=warning))

    def _origin(self, at: int) -> Origin:
        """Origin of a position; positions are asked for in increasing order, so this is linear."""
        self._line_count += self.text.count("\n", self._line_pos, at)
        self._line_pos = at
        return Origin(self.path, self.first_line + self._line_count)


def _starts_line(text: str, at: int) -> bool:
    """Only whitespace between the line's start and `at`. Looks back over that whitespace only:
    cutting the line out instead made 50k statements on one line take quadratic time."""
    i = at - 1
    while i >= 0 and text[i] != "\n" and text[i].isspace():
        i -= 1
    return i < 0 or text[i] == "\n"


def _unclosed_quote(token: str, dialect: Dialect) -> str | None:
    """What a quoted token that reaches the end of the text is, if its quote is never closed."""
    opener, body = token[0], token[1:]
    if opener in "Ee":
        opener, body = "'", token[2:]
    escapes = token[0] in "Ee" or (dialect == "mysql" and opener != "`")
    if opener == "[":
        closed = token.endswith("]")
    else:
        closed = (re.sub(r"\\[\s\S]", "", body) if escapes else body).count(opener) % 2 == 1
    if closed:
        return None
    is_string = opener == "'" or (dialect == "mysql" and opener == '"')
    return "string literal" if is_string else "quoted identifier"


# --- classification ----------------------------------------------------------------------------

_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*|#[^\n]*|/\*(?!!)[\s\S]*?\*/)*")
_EXEC_COMMENT = re.compile(r"/\*!\d*\s*")
_KEYS_HINT = re.compile(r"alter\s+table\s+\S+\s+(?:disable|enable)\s+keys\s*\*/$", re.IGNORECASE)
_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")
_SCHEMA_OR_DATA = frozenset({
    "CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "RENAME",
    "COMMENT", "GRANT", "REVOKE", "TRUNCATE", "COPY", "DO", "CALL", "UPSERT",
})  # fmt: skip
_WORDS = re.compile(r"[A-Za-z_@][\w@]*")
_SKIPPABLE = re.compile(
    r"[Ee]'[^'\\]*(?:(?:\\[\s\S]|'')[^'\\]*)*(?:'|\Z)|'[^']*(?:''[^']*)*(?:'|\Z)"
    r"|\"[^\"]*(?:\"\"[^\"]*)*(?:\"|\Z)|`[^`]*(?:`|\Z)|--[^\n]*|/\*[\s\S]*?(?:\*/|\Z)"
    r"|\$(?:[^\W\d]\w*)?\$"
)
_CALL = re.compile(r"([A-Za-z_][\w.]*)\s*\(")
_INTO = re.compile(r"\binto\b", re.IGNORECASE)
_WRITE_WORD = re.compile(r"\b(?:insert|update|delete|merge)\b", re.IGNORECASE)

_TXN_FOLLOWERS = {None, "TRANSACTION", "WORK", "DEFERRED", "IMMEDIATE", "EXCLUSIVE", "ISOLATION"}
_TXN_FIRST = {"COMMIT", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"}
_SELECT_SAFE_CALLS = frozenset({
    "select", "from", "where", "and", "or", "not", "in", "exists", "any", "all", "some", "on",
    "using", "as", "join", "values", "cast", "over", "filter", "group", "by", "within", "when",
    "then", "else", "case", "end", "is", "like", "ilike", "between", "distinct", "row", "array",
    "lateral", "union", "intersect", "except", "limit", "offset", "having", "order", "with",
    "recursive", "materialized", "partition", "count", "sum", "min", "max", "avg", "total",
    "group_concat", "string_agg", "array_agg", "json_agg", "jsonb_agg", "bool_and", "bool_or",
    "every", "coalesce", "nullif", "ifnull", "isnull", "nvl", "greatest", "least", "lower",
    "upper", "length", "char_length", "octet_length", "trim", "ltrim", "rtrim", "substr",
    "substring", "replace", "position", "instr", "concat", "concat_ws", "format", "abs", "round",
    "floor", "ceil", "ceiling", "mod", "power", "sqrt", "random", "date", "time", "datetime",
    "julianday", "strftime", "now", "current_date", "current_time", "current_timestamp",
    "localtimestamp", "extract", "date_trunc", "date_part", "age", "to_char", "to_date",
    "to_timestamp", "to_number", "typeof", "json_extract", "json_array_length", "json_type",
    "jsonb_typeof", "jsonb_array_length", "quote_ident", "quote_literal", "quote_nullable",
    "regexp_replace", "regexp_matches", "split_part", "string_to_array", "array_length", "unnest",
    "generate_series", "row_number", "rank", "dense_rank", "lag", "lead", "first_value",
    "last_value", "ntile", "current_database", "current_schema", "current_user", "version",
    "format_type", "pg_get_indexdef", "pg_get_constraintdef", "pg_get_expr", "pg_get_viewdef",
    "pg_table_size", "pg_relation_size", "pg_total_relation_size", "pg_size_pretty",
    "has_table_privilege", "to_regclass", "to_regtype", "obj_description", "col_description",
    "pg_typeof", "left", "right", "md5", "hex", "quote", "varchar", "char", "character", "numeric",
    "decimal", "timestamp", "interval", "bit", "float", "int", "integer", "text", "database",
    "schema", "pragma_table_info", "pragma_table_xinfo", "pragma_index_list", "pragma_index_info",
    "pragma_index_xinfo", "pragma_foreign_key_list",
})  # fmt: skip


def require_sql(statements: list[Statement], path: str, dialect: str) -> None:
    """A `.sql` file in which no statement parses and none starts like SQL is not SQL (notes,
    a binary, a mis-named file): refuse it rather than embed its text in a revision."""
    if not statements or any(s.ignored is not None or starts_like_sql(s.sql) for s in statements):
        return
    if any(_parses_as_statement(s.sql, dialect) for s in statements):
        return
    first = statements[0]
    raise InputError(
        "nothing in this .sql file parses or looks like SQL (it starts with "
        f"{' '.join(first.sql.split())[:60]!r}): fix the file, or leave it out with exclude "
        "in [tool.legacy2alembic]",
        first.origin,
    )


def _parses_as_statement(sql: str, dialect: str) -> bool:
    """sqlglot reads a statement, not a bare expression (`hello` parses as a column name)."""
    try:
        trees = sqlglot.parse(sql, read=dialect)
    except SqlglotError:
        return False
    bare = (exp.Condition, exp.Alias, exp.Identifier)
    return any(t is not None and not isinstance(t, bare) for t in trees)


def starts_like_sql(sql: str) -> bool:
    """Whether text starts like a statement that changes schema or data (after comments)."""
    head = sql[_LEADING_NOISE.match(sql).end() :]  # type: ignore[union-attr]
    first_word = _FIRST_WORD.match(head)
    return bool(first_word) and first_word.group(1).upper() in _SCHEMA_OR_DATA  # type: ignore[union-attr]


def classify_lexical(sql: str) -> str | None:
    """Why a statement is certainly not part of the schema history, or None if it may be.

    Purely lexical: transaction control, PRAGMA, USE, SHOW, session settings, maintenance and
    SELECTs that only read. Anything doubtful (SELECT INTO, setval(), unknown functions) is kept.
    """
    first_word = _FIRST_WORD.match(sql)
    if first_word and first_word.group(1).upper() in _SCHEMA_OR_DATA:
        return None
    head = sql[_LEADING_NOISE.match(sql).end() :]  # type: ignore[union-attr]
    executable = _EXEC_COMMENT.match(head)
    if executable:
        head = head[executable.end() :]
    words = [w.upper() for w in _WORDS.findall(head[:120])[:3]]
    if not words:
        return None
    first, second = words[0], words[1] if len(words) > 1 else None
    if first in ("BEGIN", "END") and second in _TXN_FOLLOWERS:
        return "transaction control"
    if first in _TXN_FIRST or (first == "START" and second == "TRANSACTION"):
        return "transaction control"
    if first == "SET":
        return _set_reason(second, executable is not None)
    simple = {
        "PRAGMA": "PRAGMA",
        "USE": "USE database",
        "SHOW": "SHOW query",
        "DESCRIBE": "verification query",
        "DESC": "verification query",
        "RESET": "session setting",
        "DISCARD": "session setting",
        "VACUUM": "maintenance",
        "ANALYZE": "maintenance",
        "REINDEX": "maintenance",
        "CHECKPOINT": "maintenance",
        "OPTIMIZE": "maintenance",
        "UNLOCK": "table lock",
    }
    if first in simple:
        return simple[first]
    if first == "LOCK" and second in ("TABLE", "TABLES"):
        return "table lock"
    if executable and _KEYS_HINT.match(head):
        return "maintenance"
    if first == "EXPLAIN" and second != "ANALYZE":
        return "verification query"
    if first in ("SELECT", "WITH", "VALUES"):
        return _select_reason(head)
    return None


def _set_reason(second: str | None, executable_comment: bool) -> str | None:
    """SET of a session parameter is ignorable; SET @var feeds later statements and is kept."""
    if second in ("TRANSACTION", "CONSTRAINTS", "AUTOCOMMIT"):
        return "transaction control"
    if second is not None and second.startswith("@") and not executable_comment:
        return None
    return "session setting"


def _select_reason(sql: str) -> str | None:
    """A read-only query, or None when it may write (INTO, data-changing CTE, unknown function)."""
    code = _SKIPPABLE.sub(" ", sql)
    calls = {name.lower().rsplit(".", 1)[-1] for name in _CALL.findall(code)}
    if "set_config" in calls:
        return "session setting"
    if _INTO.search(code) or _WRITE_WORD.search(code):
        return None
    if calls - _SELECT_SAFE_CALLS:
        return None
    return "verification SELECT"


# --- parameters --------------------------------------------------------------------------------

_SQLITE_PARAM = re.compile(
    r"(?P<skip>'[^']*(?:''[^']*)*(?:'|\Z)|\"[^\"]*(?:\"\"[^\"]*)*(?:\"|\Z)|`[^`]*(?:`|\Z)"
    r"|\[[^\]]*(?:\]|\Z)|--[^\n]*|/\*[\s\S]*?(?:\*/|\Z))"
    r"|(?P<qmark>\?)|(?P<named>[:@$][A-Za-z_]\w*)"
)
_SQLALCHEMY_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")
_PYFORMAT_KEY = re.compile(r"%\(([^)]*)\)s")


class NotLiteral(ValueError):
    """A parameter value has no exact SQL literal form (dates, objects, NaN...)."""


def sql_literal(value: object, dialect: Dialect) -> str:
    """The SQL literal a DB-API driver would send for a Python constant."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        if dialect == "postgres":
            return "true" if value else "false"
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotLiteral(repr(value))
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("'", "''")
        if dialect == "mysql":
            escaped = escaped.replace("\\", "\\\\")
        return f"'{escaped}'"
    if isinstance(value, bytes):
        if dialect == "postgres":
            return f"'\\x{value.hex()}'::bytea"
        return f"X'{value.hex()}'"
    if isinstance(value, (list, tuple)):
        return _sequence_literal(value, dialect)
    raise NotLiteral(type(value).__name__)


def _sequence_literal(value: list[object] | tuple[object, ...], dialect: Dialect) -> str:
    """A list or tuple parameter as the driver adapts it: psycopg2 sends a list as an ARRAY
    (`= ANY(%s)`) and a tuple as a parenthesised list (`IN %s`); PyMySQL sends both as a
    parenthesised list. sqlite3 refuses both, and an empty one is no valid SQL but psycopg2's
    empty array."""
    kind = type(value).__name__
    if dialect == "sqlite":
        raise NotLiteral(kind)
    items = [sql_literal(item, dialect) for item in value]
    if dialect == "postgres" and isinstance(value, list):
        return f"ARRAY[{', '.join(items)}]" if items else "'{}'"
    if not items:
        raise NotLiteral(f"empty {kind}")
    return f"({', '.join(items)})"


def inline_params(sql: str, params: object, dialect: Dialect, sqlalchemy_text: bool = False) -> str:
    """`sql` with its parameters replaced by SQL literals, as the driver would bind them.

    The placeholder style follows the driver: `text()` binds `:name` anywhere (SQLAlchemy),
    psycopg2/PyMySQL %-format the whole string (`%s`, `%(name)s`, `%%`), sqlite3 binds `?` and
    `:name` outside literals. Raises NotLiteral (a ValueError) when it cannot be done exactly.
    """
    if isinstance(params, dict):
        if sqlalchemy_text:
            return _bind_sqlalchemy(sql, params, dialect)
        if "%(" in sql:
            return _bind_percent(sql, {k: sql_literal(v, dialect) for k, v in params.items()})
        return _bind_sqlite(sql, params, dialect)
    if isinstance(params, (list, tuple)):
        if "%s" in sql:
            return _bind_percent(sql, tuple(sql_literal(v, dialect) for v in params))
        return _bind_sqlite(sql, list(params), dialect)
    return inline_params(sql, (params,), dialect, sqlalchemy_text)


def _bind_percent(sql: str, literals: tuple[str, ...] | dict[object, str]) -> str:
    if isinstance(literals, dict):
        missing = set(_PYFORMAT_KEY.findall(sql)) - set(literals)
        if missing:
            raise NotLiteral(f"no value for %({min(missing)})s")
    try:
        return sql % literals
    except (TypeError, ValueError, KeyError) as e:
        raise NotLiteral(str(e)) from None


def _bind_sqlite(sql: str, params: list[object] | dict[object, object], dialect: Dialect) -> str:
    """sqlite3 binding: `?` in order, or `:name` / `@name` / `$name` from a mapping."""
    pieces: list[str] = []
    pos, index = 0, 0
    for m in _SQLITE_PARAM.finditer(sql):
        if m.lastgroup == "skip":
            continue
        if m.lastgroup == "qmark":
            if not isinstance(params, list) or index >= len(params):
                raise NotLiteral("more ? placeholders than parameters")
            value = params[index]
            index += 1
        else:
            if not isinstance(params, dict) or m.group()[1:] not in params:
                raise NotLiteral(f"no value for {m.group()}")
            value = params[m.group()[1:]]
        pieces += [sql[pos : m.start()], sql_literal(value, dialect)]
        pos = m.end()
    if isinstance(params, list) and index != len(params):
        raise NotLiteral(f"{len(params)} parameters for {index} placeholders")
    return "".join(pieces) + sql[pos:]


def _bind_sqlalchemy(sql: str, params: dict[object, object], dialect: Dialect) -> str:
    """SQLAlchemy text(): `:name` anywhere except after `:`/word chars; `\\:` is a plain colon."""

    def literal(m: re.Match[str]) -> str:
        if m.group(1) not in params:
            raise NotLiteral(f"no value for :{m.group(1)}")
        return sql_literal(params[m.group(1)], dialect)

    return _SQLALCHEMY_BIND.sub(literal, sql).replace("\\:", ":")


def decode_source(data: bytes, rel: str) -> str:
    """UTF-8 text of a source file without its BOM; InputError pointing at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"not valid UTF-8 (byte offset {e.start})", Origin(rel, line)) from None
    return text.removeprefix("\ufeff")
