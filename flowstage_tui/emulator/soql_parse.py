"""SOQL lexer and parser: text -> a small AST with source positions for error snippets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, soql_error

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>[+-]?(?:\d+\.\d*|\.\d+|\d+))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),:])
    """,
    re.VERBOSE | re.DOTALL,
)

KEYWORDS = {
    "select", "from", "where", "and", "or", "not", "in", "like", "order", "by", "asc", "desc",
    "nulls", "first", "last", "limit", "offset", "group", "having", "null", "true", "false",
    "includes", "excludes", "with", "for", "using", "scope", "typeof", "when", "then", "else",
    "end", "rollup", "cube",
}

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass
class Token:
    kind: str
    text: str
    pos: int
    value: Any = None

    @property
    def upper(self) -> str:
        return self.text.upper()


def unescape_string(body: str, query: str, pos: int) -> str:
    """Decode a SOQL string body. `\\%` and `\\_` stay escaped (they matter in LIKE)."""
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt.lower() in _ESCAPES and nxt not in "\"'\\":
            out.append(_ESCAPES[nxt.lower()])
            i += 2
        elif nxt in "\"'\\":
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in "%_":
            out.append("\\" + nxt)
            i += 2
        elif nxt in "uU" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            raise soql_error("MALFORMED_QUERY", query, pos + 1 + i,
                             "Invalid string literal '" + body + "'. Illegal character sequence '\\"
                             + nxt + "' in string literal.")
    return "".join(out)


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(query)
    while pos < n:
        m = _TOKEN_RE.match(query, pos)
        if m is None:
            ch = query[pos]
            if ch == "'":
                raise soql_error("MALFORMED_QUERY", query, pos,
                                 f"line 1:{pos} no viable alternative at character '''")
            raise soql_error("MALFORMED_QUERY", query, pos, f"unexpected token: '{ch}'")
        kind = m.lastgroup or ""
        text = m.group()
        if kind != "ws":
            tok = Token(kind, text, pos)
            if kind == "string":
                tok.value = unescape_string(text[1:-1], query, pos)
            tokens.append(tok)
        pos = m.end()
    tokens.append(Token("eof", "", n))
    return tokens


# ---------------------------------------------------------------- AST


@dataclass
class Path:
    parts: list[str]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass
class Literal:
    kind: str  # string | number | boolean | null | date | datetime | dateliteral
    value: Any
    pos: int
    text: str
    arg: int | None = None  # N for LAST_N_DAYS:N


@dataclass
class Compare:
    path: Path
    op: str  # = != < <= > >= like in notin includes excludes
    values: list[Literal]
    pos: int
    subquery: Query | None = None


@dataclass
class BoolOp:
    op: str  # and | or
    items: list[Cond]


@dataclass
class NotOp:
    item: Cond


Cond = Compare | BoolOp | NotOp


@dataclass
class FieldItem:
    path: Path
    alias: str | None = None
    alias_pos: int = 0


@dataclass
class AggItem:
    func: str  # COUNT COUNT_DISTINCT SUM AVG MIN MAX
    path: Path | None
    alias: str | None
    pos: int
    text: str


@dataclass
class SubqueryItem:
    query: Query


SelectItem = FieldItem | AggItem | SubqueryItem


@dataclass
class OrderKey:
    path: Path | None
    agg: AggItem | None
    desc: bool
    nulls_first: bool


@dataclass
class Query:
    items: list[SelectItem]
    obj: str
    obj_pos: int
    alias: str | None = None
    where: Cond | None = None
    group_by: list[Path] = field(default_factory=list)
    having: Cond | None = None
    order_by: list[OrderKey] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    count_only: bool = False
    pos: int = 0


AGG_FUNCS = {"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"}


class Parser:
    def __init__(self, query: str) -> None:
        self.q = query
        self.toks = tokenize(query)
        self.i = 0

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def is_kw(self, *words: str) -> bool:
        t = self.tok
        return t.kind == "ident" and t.text.lower() in words

    def error(self, tok: Token | None = None, text: str | None = None) -> ApiError:
        t = tok or self.tok
        if text is None:
            text = "unexpected token: " + (f"'{t.text}'" if t.kind == "string" else (
                t.text if t.kind != "eof" else "<EOF>"))
        return soql_error("MALFORMED_QUERY", self.q, t.pos, text)

    def expect_kw(self, word: str) -> Token:
        if not self.is_kw(word):
            raise self.error()
        return self.next()

    def expect_punct(self, ch: str) -> Token:
        if self.tok.text != ch:
            raise self.error()
        return self.next()

    # -- grammar
    def parse(self) -> Query:
        q = self.query(subquery=False)
        if self.tok.kind != "eof":
            raise self.error()
        return q

    def query(self, subquery: bool) -> Query:
        start = self.expect_kw("select")
        items: list[SelectItem] = []
        count_only = False
        while True:
            if self.tok.text == "(":
                if not subquery:
                    self.next()
                    items.append(SubqueryItem(self.query(subquery=True)))
                    self.expect_punct(")")
                else:
                    raise self.error()
            elif self.tok.kind == "ident" and self.tok.upper in AGG_FUNCS and \
                    self.toks[self.i + 1].text == "(":
                agg = self.aggregate()
                if agg.func == "COUNT" and agg.path is None:
                    count_only = True
                items.append(agg)
            elif self.tok.kind == "ident" and self.tok.text.lower() not in ("from",):
                t = self.next()
                item = FieldItem(Path(t.text.split("."), t.pos))
                if self.tok.kind == "ident" and self.tok.text.lower() not in KEYWORDS and \
                        "." not in self.tok.text:
                    item.alias_pos = self.tok.pos
                    item.alias = self.next().text
                items.append(item)
            else:
                raise self.error()
            if self.tok.text == ",":
                self.next()
                continue
            break
        self.expect_kw("from")
        obj_tok = self.next()
        # Object names may look like keywords (Group, Order): any identifier will do here.
        if obj_tok.kind != "ident" or obj_tok.text.lower() in ("where", "limit", "order"):
            raise self.error(obj_tok)
        q = Query(items=items, obj=obj_tok.text, obj_pos=obj_tok.pos, count_only=count_only,
                  pos=start.pos)
        if self.tok.kind == "ident" and self.tok.text.lower() not in KEYWORDS and "." not in \
                self.tok.text:
            q.alias = self.next().text
        if self.is_kw("using"):
            self.next()
            self.expect_kw("scope")
            self.next()
        if self.is_kw("where"):
            self.next()
            q.where = self.condition()
        if self.is_kw("with"):
            self.next()
            self.next()
        if self.is_kw("group"):
            self.next()
            self.expect_kw("by")
            while True:
                t = self.next()
                if t.kind != "ident":
                    raise self.error(t)
                q.group_by.append(Path(t.text.split("."), t.pos))
                if self.tok.text != ",":
                    break
                self.next()
            if self.is_kw("having"):
                self.next()
                q.having = self.condition()
        if self.is_kw("order"):
            self.next()
            self.expect_kw("by")
            while True:
                q.order_by.append(self.order_key())
                if self.tok.text != ",":
                    break
                self.next()
        if self.is_kw("limit"):
            self.next()
            t = self.next()
            if t.kind != "number" or not t.text.isdigit():
                raise self.error(t)
            q.limit = int(t.text)
        if self.is_kw("offset"):
            self.next()
            t = self.next()
            if t.kind != "number" or not t.text.isdigit():
                raise self.error(t)
            q.offset = int(t.text)
        if self.is_kw("for"):
            self.next()
            self.next()
        return q

    def aggregate(self) -> AggItem:
        ftok = self.next()
        self.expect_punct("(")
        path = None
        if self.tok.text != ")":
            t = self.next()
            if t.kind != "ident":
                raise self.error(t)
            path = Path(t.text.split("."), t.pos)
        end = self.expect_punct(")")
        alias = None
        if self.tok.kind == "ident" and self.tok.text.lower() not in KEYWORDS:
            alias = self.next().text
        return AggItem(ftok.upper, path, alias, ftok.pos, self.q[ftok.pos : end.pos + 1])

    def order_key(self) -> OrderKey:
        path: Path | None = None
        agg: AggItem | None = None
        if self.tok.kind == "ident" and self.tok.upper in AGG_FUNCS and \
                self.toks[self.i + 1].text == "(":
            agg = self.aggregate()
        else:
            t = self.next()
            if t.kind != "ident" or t.text.lower() in KEYWORDS:
                raise self.error(t)
            path = Path(t.text.split("."), t.pos)
        desc = False
        if self.is_kw("asc"):
            self.next()
        elif self.is_kw("desc"):
            self.next()
            desc = True
        nulls_first = True
        if self.is_kw("nulls"):
            self.next()
            if self.is_kw("first"):
                self.next()
            elif self.is_kw("last"):
                self.next()
                nulls_first = False
            else:
                raise self.error()
        return OrderKey(path, agg, desc, nulls_first)

    def condition(self) -> Cond:
        first = self.unary()
        items = [first]
        op: str | None = None
        while self.is_kw("and", "or"):
            this = self.tok.text.lower()
            if op is not None and this != op:
                raise self.error()
            op = this
            self.next()
            items.append(self.unary())
        return first if op is None else BoolOp(op, items)

    def unary(self) -> Cond:
        if self.is_kw("not"):
            self.next()
            return NotOp(self.unary())
        if self.tok.text == "(":
            self.next()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Cond:
        t = self.next()
        if t.kind != "ident" or t.text.lower() in KEYWORDS:
            raise self.error(t)
        path = Path(t.text.split("."), t.pos)
        op_tok = self.tok
        if op_tok.kind == "op":
            self.next()
            op = "!=" if op_tok.text == "<>" else op_tok.text
            return Compare(path, op, [self.literal()], op_tok.pos)
        if self.is_kw("like"):
            self.next()
            return Compare(path, "like", [self.literal()], op_tok.pos)
        negate = False
        if self.is_kw("not"):
            self.next()
            negate = True
            if not self.is_kw("in"):
                raise self.error()
        if self.is_kw("in", "includes", "excludes"):
            word = self.next().text.lower()
            op = "notin" if negate else word
            self.expect_punct("(")
            if self.is_kw("select"):
                sub = self.query(subquery=True)
                self.expect_punct(")")
                return Compare(path, op, [], op_tok.pos, subquery=sub)
            values = [self.literal()]
            while self.tok.text == ",":
                self.next()
                values.append(self.literal())
            self.expect_punct(")")
            return Compare(path, op, values, op_tok.pos)
        raise self.error()

    def literal(self) -> Literal:
        t = self.next()
        if t.kind == "string":
            return Literal("string", t.value, t.pos, t.text)
        if t.kind == "number":
            v: Any = float(t.text) if any(c in t.text for c in ".") else int(t.text)
            return Literal("number", v, t.pos, t.text)
        if t.kind == "date":
            return Literal("date", t.text, t.pos, t.text)
        if t.kind == "datetime":
            return Literal("datetime", t.text, t.pos, t.text)
        if t.kind == "ident":
            low = t.text.lower()
            if low == "null":
                return Literal("null", None, t.pos, t.text)
            if low in ("true", "false"):
                return Literal("boolean", low == "true", t.pos, t.text)
            if self.tok.text == ":":
                self.expect_punct(":")
                n = self.next()
                if n.kind != "number" or not n.text.isdigit():
                    raise self.error(n)
                return Literal("dateliteral", t.upper, t.pos, t.text, int(n.text))
            return Literal("dateliteral", t.upper, t.pos, t.text)
        raise self.error(t)


def parse(query: str) -> Query:
    return Parser(query).parse()
