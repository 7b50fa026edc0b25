"""SOQL execution against the demo org's store, with Salesforce's validation and errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import held_back, ids
from .clock import ms_to_sf, sf_to_ms
from .dates import date_to_ms, literal_range
from .errors import ApiError, soql_error
from .schema import FieldDef, ObjectDef, Schema
from .soql_parse import (
    AggItem,
    BoolOp,
    Compare,
    Cond,
    FieldItem,
    Literal,
    NotOp,
    OrderKey,
    Path,
    Query,
    SubqueryItem,
    parse,
    unescape_string,
)
from .store import Record, Store

Getter = Callable[[Record], Any]
Pred = Callable[[Record], bool]

MAX_OFFSET = 2000
MAX_DEPTH = 5
# Fields the polymorphic "Name" object offers through Owner., Assignee., UserOrGroup. paths.
NAME_FIELDS = ("Id", "Name", "Type", "Alias", "Email", "FirstName", "LastName", "IsActive",
               "Username", "Title")
_NAME_TYPES = {"Id": "id", "IsActive": "boolean"}
TEXT_TYPES = frozenset({"string", "picklist", "textarea", "email", "url", "combobox"})

_NO_COLUMN = ("No such column '{f}' on entity '{o}'. If you are attempting to use a custom field, "
              "be sure to append the '__c' after the custom field name. Please reference your "
              "WSDL or the describe call for the appropriate names.")
_NO_REL = ("Didn't understand relationship '{r}' in field path. If you are attempting to use a "
           "custom relationship, be sure to append the '__r' after the custom relationship name. "
           "Please reference your WSDL or the describe call for the appropriate names.")
_NO_CHILD = ("Didn't understand relationship '{r}' in FROM clause of subquery. If you are "
             "attempting to use a custom relationship, be sure to append the '__r' after the "
             "custom relationship name. Please reference your WSDL or the describe call for the "
             "appropriate names.")
_NO_TYPE = ("sObject type '{o}' is not supported. If you are attempting to use a custom object, "
            "be sure to append the '__c' after the entity name. Please reference your WSDL or "
            "the describe call for the appropriate names.")


@dataclass
class Context:
    schema: Schema
    store: Store
    version: float
    now_ms: int
    base: str  # "/services/data/v62.0"


@dataclass
class Resolved:
    """A dotted path resolved against the schema."""

    chain: list[tuple[FieldDef, bool]]  # (lookup field, polymorphic?) for each hop
    field: FieldDef
    getter: Getter
    key: str  # canonical final field name


@dataclass
class RelNode:
    fk: FieldDef
    polymorphic: bool
    target: ObjectDef | None
    children: dict[str, Any] = field(default_factory=dict)


@dataclass
class Leaf:
    fdef: FieldDef


@dataclass
class ChildPlan:
    rel_name: str
    child_obj: ObjectDef
    fk: str
    compiled: Compiled


@dataclass
class Compiled:
    obj: ObjectDef
    query: Query
    pred: Pred | None
    order: list[tuple[Getter, bool, bool, str]]  # getter, desc, nulls_first, sort key
    tree: dict[str, Any]
    aggregate: bool
    text: str
    index_hint: tuple[str, set[str]] | None = None


# Audit fields no record of a run's can carry a later value of than the run's last event.
_STAMPS = held_back.STAMPS


@dataclass
class QueryResult:
    total_size: int
    rows: list[Record]
    serialize: Callable[[Record], dict[str, Any]]
    aggregate_records: list[dict[str, Any]] | None = None


class Engine:
    """Compiles and runs SOQL for one request (one API version, one 'now')."""

    def __init__(self, ctx: Context, text: str) -> None:
        self.ctx = ctx
        self.q = text
        self._root_obj: ObjectDef | None = None

    def err(self, code: str, pos: int, text: str) -> ApiError:
        return soql_error(code, self.q, pos, text)

    # ------------------------------------------------------------ resolution
    def object(self, name: str, pos: int) -> ObjectDef:
        obj = self.ctx.schema.get(name, self.ctx.version)
        if obj is None:
            raise self.err("INVALID_TYPE", pos, _NO_TYPE.format(o=name))
        return obj

    def resolve(self, obj: ObjectDef, path: Path, alias: str | None) -> Resolved:
        self._root_obj = obj
        parts = list(path.parts)
        if len(parts) > 1 and parts[0].lower() in {obj.name.lower(), (alias or "").lower()}:
            parts = parts[1:]
        if len(parts) - 1 > MAX_DEPTH:
            raise self.err("MALFORMED_QUERY", path.pos,
                           "SOQL statements cannot query more than 5 levels of relationship "
                           "from the root object")
        version = self.ctx.version
        chain: list[tuple[FieldDef, bool]] = []
        current: ObjectDef | None = obj
        poly = False
        for hop in parts[:-1]:
            if poly or current is None:
                raise self.err("INVALID_FIELD", path.pos, _NO_REL.format(r=hop))
            fk = current.relationship(hop, version)
            if fk is None:
                raise self.err("INVALID_FIELD", path.pos, _NO_REL.format(r=hop))
            poly = len(fk.reference_to) > 1
            chain.append((fk, poly))
            current = None if poly else self.ctx.schema.get(fk.reference_to[0], version)
            if current is None and not poly:
                raise self.err("INVALID_FIELD", path.pos, _NO_REL.format(r=hop))
        last = parts[-1]
        fdef: FieldDef | None
        if poly:
            canon = next((n for n in NAME_FIELDS if n.lower() == last.lower()), None)
            if canon is None:
                raise self.err("INVALID_FIELD", path.pos, _NO_COLUMN.format(f=last, o="Name"))
            fdef = FieldDef(canon, _NAME_TYPES.get(canon, "string"), canon)
        else:
            assert current is not None
            fdef = current.field(last, version)
            if fdef is None:
                raise self.err("INVALID_FIELD", path.pos, _NO_COLUMN.format(f=last, o=current.name))
        return Resolved(chain, fdef, self._getter(chain, fdef.name), fdef.name)

    def _getter(self, chain: list[tuple[FieldDef, bool]], name: str) -> Getter:
        store = self.ctx.store
        if not chain:
            return root_getter(self.ctx, self._root_obj, name)
        steps = [(fk.name, poly, None if poly else fk.reference_to[0]) for fk, poly in chain]
        now = self.ctx.now_ms

        def get(r: Record) -> Any:
            cur: Record | None = r
            for fk_name, poly, target in steps:
                assert cur is not None
                pid = cur.get(fk_name)
                if pid is None:
                    return None
                if poly:
                    return name_value(store, pid, name)
                cur = store.get(target, pid)  # type: ignore[arg-type]
                if cur is None:
                    return None
            assert cur is not None
            derive = DERIVED.get((steps[-1][2] or "", name))
            return derive(cur, now) if derive else cur.get(name)

        return get

    # ------------------------------------------------------------ compile
    def compile(self, query: Query, obj: ObjectDef | None = None) -> Compiled:
        if obj is None:
            obj = self.object(query.obj, query.obj_pos)
        self._root_obj = obj
        aggregate = (any(isinstance(i, AggItem) for i in query.items) and not query.count_only
                     ) or bool(query.group_by)
        tree: dict[str, Any] = {}
        seen: set[str] = set()
        if query.count_only and len(query.items) > 1:
            item = query.items[1]
            pos = item.path.pos if isinstance(item, FieldItem) else query.pos
            raise self.err("MALFORMED_QUERY", pos, "unexpected token: ','")
        group_keys: set[str] = set()
        for gp in query.group_by:
            r = self.resolve(obj, gp, query.alias)
            if not r.field.groupable:
                raise self.err("INVALID_FIELD", gp.pos,
                               f"field '{r.key}' can not be grouped in a query call")
            group_keys.add(self._canon(r))
        for item in query.items:
            if isinstance(item, FieldItem):
                r = self.resolve(obj, item.path, query.alias)
                canon = self._canon(r)
                if canon.lower() in seen:
                    raise self.err("MALFORMED_QUERY", item.path.pos,
                                   f"duplicate field selected: {item.path.text}")
                seen.add(canon.lower())
                if item.alias and not aggregate:
                    raise self.err("MALFORMED_QUERY", item.alias_pos,
                                   f"unexpected token: {item.alias}")
                if aggregate and canon not in group_keys:
                    raise self.err("MALFORMED_QUERY", item.path.pos,
                                   f"Field must be grouped or aggregated: {r.key}")
                self._add_to_tree(tree, r)
            elif isinstance(item, SubqueryItem):
                sub = item.query
                rel = obj.child(sub.obj, self.ctx.version, self.ctx.schema)
                if rel is None:
                    raise self.err("INVALID_TYPE", sub.obj_pos, _NO_CHILD.format(r=sub.obj))
                child_obj = self.ctx.schema.get(rel.child, self.ctx.version)
                assert child_obj is not None
                if sub.offset is not None and query.limit != 1:
                    raise self.err("MALFORMED_QUERY", sub.pos,
                                   "Nested query OFFSET clause requires parent query LIMIT 1")
                tree[rel.name] = ChildPlan(rel.name, child_obj, rel.field,
                                           self.compile(sub, child_obj))
            elif isinstance(item, AggItem) and item.path is not None:
                self.resolve(obj, item.path, query.alias)
        pred = self.condition(obj, query.where, query.alias) if query.where else None
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                           f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        if query.count_only and query.order_by:
            raise self.err("MALFORMED_QUERY", query.pos, "ORDER BY is not allowed with COUNT()")
        order = []
        if not aggregate:
            for key in query.order_by:
                if key.path is None:
                    raise self.err("MALFORMED_QUERY", query.pos,
                                   "Ordered field must be grouped or aggregated")
                r = self.resolve(obj, key.path, query.alias)
                if not r.field.sortable:
                    raise self.err("INVALID_FIELD", key.path.pos,
                                   f"field '{r.key}' can not be sorted in a query call")
                get = r.getter
                if r.field.type in TEXT_TYPES:  # text sorts case-insensitively; Ids do not
                    get = _folded(get)
                order.append((get, key.desc, key.nulls_first, r.key if not r.chain else ""))
        compiled = Compiled(obj, query, pred, order, tree, aggregate, self.q)
        compiled.index_hint = self._index_hint(obj, query.where, query.alias)
        return compiled

    def _stamp_floor(self, obj: ObjectDef, where: Cond | None, alias: str | None) -> int | None:
        """`SystemModstamp > 2026-...` (or >=, =, on an audit datetime) among the WHERE's
        top-level ANDs: the earliest stamp a matching row can have."""
        items = [where] if isinstance(where, Compare) else \
            where.items if isinstance(where, BoolOp) and where.op == "and" else []
        floor = None
        for c in items:
            if not isinstance(c, Compare) or c.op not in (">", ">=", "=") or \
                    len(c.values) != 1 or c.values[0].kind != "datetime":
                continue
            r = self.resolve(obj, c.path, alias)
            if r.chain or r.key not in _STAMPS:
                continue
            ms = self._value(r, c.values[0])
            floor = ms if floor is None else max(floor, ms)
        return floor

    def _ensure_written(self, c: Compiled) -> None:
        """Have the demo org write the held-back runs this query could see (store.Deferred)."""
        store = self.ctx.store
        name = c.obj.name
        if not store.defers(name):
            return
        if c.index_hint is not None:
            store.ensure_matching(name, *c.index_hint)
        elif (floor := self._stamp_floor(c.obj, c.query.where, c.query.alias)) is not None:
            store.ensure_since(floor)
        elif store.deferred is not None and (runs := held_back.candidates(
                store.deferred, name, c.query.where,
                lambda cmp: self.resolve(c.obj, cmp.path, c.query.alias),
                lambda r, cmp: self._value(r, cmp.values[0]))) is not None:
            store.ensure_runs(runs)
        else:
            store.ensure_all()

    @staticmethod
    def _canon(r: Resolved) -> str:
        return ".".join([fk.relationship or "" for fk, _ in r.chain] + [r.key])

    def _add_to_tree(self, tree: dict[str, Any], r: Resolved) -> None:
        node = tree
        version = self.ctx.version
        for fk, poly in r.chain:
            rel = fk.relationship or ""
            existing = node.get(rel)
            if not isinstance(existing, RelNode):
                target = None if poly else self.ctx.schema.get(fk.reference_to[0], version)
                existing = node[rel] = RelNode(fk, poly, target)
            node = existing.children
        node[r.key] = Leaf(r.field)

    def _index_hint(self, obj: ObjectDef, where: Cond | None,
                    alias: str | None) -> tuple[str, set[str]] | None:
        """An equality/IN test on an Id or lookup field that narrows the scan: on the root
        object, or one lookup away (`StepInstance.OrchestrationInstanceId IN (...)`), which
        is turned into the root's own lookup values through the parent's index."""
        items: list[Cond] = []
        if isinstance(where, Compare):
            items = [where]
        elif isinstance(where, BoolOp) and where.op == "and":
            items = where.items
        for c in items:
            if not isinstance(c, Compare) or c.op not in ("=", "in") or c.subquery is not None:
                continue
            r = self.resolve(obj, c.path, alias)
            if r.field.type not in ("id", "reference") or len(r.chain) > 1 or \
                    (r.chain and r.chain[0][1]):
                continue
            values = {n for v in c.values if v.kind == "string"
                      if (n := ids.normalise(v.value))}
            if not r.chain:
                return (r.key, values)
            fk = r.chain[0][0]
            parent = fk.reference_to[0]
            if r.key == "Id":
                return (fk.name, values)
            store = self.ctx.store
            parents = {p["Id"] for v in values for p in store.children(parent, r.key, v)}
            return (fk.name, parents)
        return None

    # ------------------------------------------------------------ conditions
    def condition(self, obj: ObjectDef, cond: Cond, alias: str | None) -> Pred:
        if isinstance(cond, BoolOp):
            preds = [self.condition(obj, c, alias) for c in cond.items]
            if cond.op == "and":
                return lambda r: all(p(r) for p in preds)
            return lambda r: any(p(r) for p in preds)
        if isinstance(cond, NotOp):
            inner = self.condition(obj, cond.item, alias)
            return lambda r: not inner(r)
        return self.compare(obj, cond, alias)

    def compare(self, obj: ObjectDef, c: Compare, alias: str | None) -> Pred:
        r = self.resolve(obj, c.path, alias)
        f = r.field
        get = r.getter
        if not f.filterable:
            raise self.err("INVALID_FIELD", c.path.pos,
                           f"field '{r.key}' can not be filtered in a query call")
        if c.subquery is not None:
            return self._semi_join(c, get)
        op = c.op
        if op == "like":
            if f.type in ("id", "reference"):
                raise self.err("INVALID_QUERY_FILTER_OPERATOR", c.pos, "invalid operator on id field")
            if f.type not in TEXT_TYPES:
                raise self.err("INVALID_QUERY_FILTER_OPERATOR", c.pos,
                               f"invalid operator on {f.type} field: {r.key}")
            lit = c.values[0]
            if lit.kind != "string":
                raise self._type_error(r, lit, f)
            rx = like_regex(lit.text[1:-1])
            return lambda rec: (v := get(rec)) is not None and rx.fullmatch(v) is not None
        if op in ("includes", "excludes"):
            raise self.err("INVALID_QUERY_FILTER_OPERATOR", c.pos,
                           f"includes or excludes operator only valid on multipicklist field: "
                           f"{r.key}")
        if op in ("in", "notin"):
            values = [self._value(r, lit) for lit in c.values]
            if any(isinstance(v, tuple) for v in values):
                raise self.err("MALFORMED_QUERY", c.pos, "unexpected token: IN")
            if f.type in TEXT_TYPES:
                vset = {v.lower() if isinstance(v, str) else v for v in values}
                norm: Callable[[Any], Any] = lambda v: v.lower() if isinstance(v, str) else v  # noqa: E731
            else:
                vset = set(values)
                norm = lambda v: v  # noqa: E731
            if op == "in":
                return lambda rec: norm(get(rec)) in vset
            return lambda rec: norm(get(rec)) not in vset
        lit = c.values[0]
        value = self._value(r, lit)
        if value is None:
            if op == "=":
                return lambda rec: get(rec) is None
            if op == "!=":
                return lambda rec: get(rec) is not None
            return lambda rec: False
        if isinstance(value, tuple):  # a date literal range
            lo, hi = value
            conv = (lambda v: date_to_ms(v)) if f.type == "date" else (lambda v: v)
            ops_range: dict[str, Callable[[int], bool]] = {
                "=": lambda v: lo <= v < hi, "!=": lambda v: not (lo <= v < hi),
                "<": lambda v: v < lo, "<=": lambda v: v < hi,
                ">": lambda v: v >= hi, ">=": lambda v: v >= lo,
            }
            test = ops_range[op]
            return lambda rec: (v := get(rec)) is not None and test(conv(v))
        if f.type in TEXT_TYPES:
            # = and != ignore case; < and > compare as ORDER BY sorts (on the upper-cased
            # value, the English-locale rule: `_` comes after the letters), so a keyset page
            # (`Name > 'x'`) continues exactly where the sorted page stopped
            fold_text = str.lower if op in ("=", "!=") else str.upper
            value = fold_text(value)
            get_raw = get
            get = lambda rec: None if (v := get_raw(rec)) is None else fold_text(v)  # noqa: E731
        if f.type == "boolean":
            get_b = get
            get = lambda rec: bool(get_b(rec))  # noqa: E731
        if op == "=":
            return lambda rec: get(rec) == value
        if op == "!=":
            return lambda rec: get(rec) != value
        if f.type == "boolean":
            raise self.err("INVALID_QUERY_FILTER_OPERATOR", c.pos,
                           f"invalid operator on boolean field: {r.key}")
        cmp_ops: dict[str, Callable[[Any], bool]] = {
            "<": lambda v: v < value, "<=": lambda v: v <= value,
            ">": lambda v: v > value, ">=": lambda v: v >= value,
        }
        test2 = cmp_ops[op]
        return lambda rec: (v := get(rec)) is not None and test2(v)

    def _semi_join(self, c: Compare, get: Getter) -> Pred:
        assert c.subquery is not None
        sub = self.compile(c.subquery)
        if len(c.subquery.items) != 1 or not isinstance(c.subquery.items[0], FieldItem):
            raise self.err("MALFORMED_QUERY", c.subquery.pos,
                           "semi join sub-selects must select exactly one Id field")
        r = self.resolve(sub.obj, c.subquery.items[0].path, c.subquery.alias)
        if r.field.type not in ("id", "reference"):
            raise self.err("INVALID_FIELD", c.subquery.items[0].path.pos,
                           "The selected field in a semi/anti join must be an Id or reference")
        rows = self.rows(sub, include_deleted=False)
        values = {r.getter(row) for row in rows}
        if c.op == "notin":
            return lambda rec: get(rec) not in values
        return lambda rec: get(rec) in values

    def _type_error(self, r: Resolved, lit: Literal, f: FieldDef) -> ApiError:
        names = {"datetime": "dateTime", "reference": "id", "picklist": "string",
                 "textarea": "string", "long": "long", "int": "integer"}
        tname = names.get(f.type, f.type)
        quoted = f.type in TEXT_TYPES or f.type in ("id", "reference")
        hint = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        return self.err("INVALID_FIELD", lit.pos,
                        f"value of filter criterion for field '{r.key}' must be of type "
                        f"{tname} and {hint}")

    def _value(self, r: Resolved, lit: Literal) -> Any:
        f = r.field
        t = f.type
        if lit.kind == "null":
            return None
        if lit.kind == "dateliteral":
            if t not in ("datetime", "date"):
                if lit.value in ("TODAY", "YESTERDAY") or "_N_" in lit.value:
                    raise self._type_error(r, lit, f)
                raise self.err("MALFORMED_QUERY", lit.pos, f"unexpected token: {lit.text}")
            rng = literal_range(lit.value, lit.arg, self.ctx.now_ms)
            if rng is None:
                raise self.err("MALFORMED_QUERY", lit.pos, f"unexpected token: {lit.text}")
            return rng
        if t in ("id", "reference"):
            if lit.kind != "string":
                raise self._type_error(r, lit, f)
            if lit.value == "":
                return None
            norm = ids.normalise(lit.value)
            if norm is None:
                raise self.err("INVALID_QUERY_FILTER_OPERATOR", lit.pos,
                               f"invalid ID field: {lit.value}")
            return norm
        if t in TEXT_TYPES:
            if lit.kind != "string":
                raise self._type_error(r, lit, f)
            return lit.value
        if t in ("int", "long", "double"):
            if lit.kind != "number":
                raise self._type_error(r, lit, f)
            return lit.value
        if t == "boolean":
            if lit.kind != "boolean":
                raise self._type_error(r, lit, f)
            return lit.value
        if t == "datetime":
            if lit.kind != "datetime":
                raise self._type_error(r, lit, f)
            return sf_to_ms(lit.value)
        if t == "date":
            if lit.kind != "date":
                raise self._type_error(r, lit, f)
            return lit.value
        raise self._type_error(r, lit, f)

    # ------------------------------------------------------------ running
    def rows(self, c: Compiled, include_deleted: bool,
             scope: Iterable[Record] | None = None) -> list[Record]:
        """Matching rows in order, after OFFSET and LIMIT."""
        q = c.query
        pred = c.pred
        if scope is None:
            self._ensure_written(c)
            table = self.ctx.store.table(c.obj.name)
            if c.index_hint is not None:
                fname, values = c.index_hint
                if fname == "Id":
                    source: Iterable[Record] = [r for v in values if (r := table.rows.get(v))]
                else:
                    source = [r for v in values
                              for r in self.ctx.store.children(c.obj.name, fname, v)]
                if include_deleted:
                    source = list(source) + [r for r in table.deleted.values()
                                             if r.get(fname) in values]
            elif c.order and q.limit is not None and not include_deleted and all(
                    k[3] for k in c.order):
                return self._indexed_rows(c, table)
            else:
                source = table.rows.values()
                if include_deleted:
                    source = list(source) + list(table.deleted.values())
        else:
            source = scope
        matched = [r for r in source if pred(r)] if pred else list(source)
        if c.order:
            sort_rows(matched, c.order)
        start = q.offset or 0
        end = None if q.limit is None else start + q.limit
        return matched[start:end] if (start or end is not None) else matched

    def _indexed_rows(self, c: Compiled, table: Any) -> list[Record]:
        """ORDER BY root fields with LIMIT: walk a cached sorted view, stop at LIMIT."""
        key = tuple((k[3], k[1], k[2]) for k in c.order)
        cache = self.ctx.store.__dict__.setdefault("_sorted_cache", {})
        hit = cache.get((c.obj.name, key))
        if hit is None or hit[0] != table.generation:
            ordered = list(table.rows.values())
            sort_rows(ordered, c.order)
            cache[(c.obj.name, key)] = (table.generation, ordered)
        else:
            ordered = hit[1]
        q = c.query
        want = (q.offset or 0) + (q.limit or 0)
        out: list[Record] = []
        pred = c.pred
        for r in ordered:
            if pred is None or pred(r):
                out.append(r)
                if len(out) >= want:
                    break
        return out[q.offset or 0 :]

    def run(self, include_deleted: bool) -> QueryResult:
        query = parse(self.q)
        c = self.compile(query)
        if c.aggregate:
            return self._aggregate(c, include_deleted)
        rows = self.rows(c, include_deleted)
        if query.count_only:
            return QueryResult(len(rows), [], lambda r: {})
        return QueryResult(len(rows), rows, lambda r: self.serialize(c, r))

    # ------------------------------------------------------------ output
    def serialize(self, c: Compiled, rec: Record) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": self.attributes(c.obj.name, rec["Id"])}
        self._fill(out, c.tree, rec, c.obj.name)
        return out

    def attributes(self, obj: str, rid: str) -> dict[str, str]:
        return {"type": obj, "url": f"{self.ctx.base}/sobjects/{obj}/{rid}"}

    def _fill(self, out: dict[str, Any], tree: dict[str, Any], rec: Record,
              obj_name: str) -> None:
        store = self.ctx.store
        for key, node in tree.items():
            if isinstance(node, Leaf):
                derive = DERIVED.get((obj_name, key))
                value = derive(rec, self.ctx.now_ms) if derive else rec.get(key)
                out[key] = format_value(node.fdef.type, value)
            elif isinstance(node, RelNode):
                pid = rec.get(node.fk.name)
                found = store.find(pid) if pid else None
                if found is None or pid is None:
                    out[key] = None
                    continue
                pobj, prec = found
                nested: dict[str, Any] = {"attributes": self.attributes(pobj, pid)}
                if node.polymorphic:
                    for k, leaf in node.children.items():
                        if isinstance(leaf, Leaf):
                            nested[k] = format_value(leaf.fdef.type, name_value(store, pid, k))
                else:
                    self._fill(nested, node.children, prec, pobj)
                out[key] = nested
            elif isinstance(node, ChildPlan):
                kids = store.children(node.child_obj.name, node.fk, rec["Id"])
                rows = self.rows(node.compiled, False, scope=kids)
                if not rows:
                    out[key] = None
                else:
                    out[key] = {"totalSize": len(rows), "done": True,
                                "records": [self.serialize(node.compiled, r) for r in rows]}

    def _aggregate(self, c: Compiled, include_deleted: bool) -> QueryResult:
        q = c.query
        obj = c.obj
        self._ensure_written(c)
        table = self.ctx.store.table(obj.name)
        source: list[Record] = list(table.rows.values())
        if include_deleted:
            source += list(table.deleted.values())
        matched = [r for r in source if c.pred(r)] if c.pred else source
        group_res = [self.resolve(obj, p, q.alias) for p in q.group_by]
        groups: dict[tuple[Any, ...], list[Record]] = {}
        for r in matched:
            groups.setdefault(tuple(g.getter(r) for g in group_res), []).append(r)
        if not group_res and not groups:
            groups[()] = []
        out: list[dict[str, Any]] = []
        expr_n = 0
        names: list[str] = []
        for item in q.items:
            if isinstance(item, AggItem):
                if item.alias:
                    names.append(item.alias)
                else:
                    names.append(f"expr{expr_n}")
                    expr_n += 1
        for gkey, rows in groups.items():
            rec: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
            n = 0
            for item in q.items:
                if isinstance(item, FieldItem):
                    res = self.resolve(obj, item.path, q.alias)
                    idx = [self._canon(g) for g in group_res].index(self._canon(res))
                    rec[item.alias or res.key] = format_value(res.field.type, gkey[idx])
                elif isinstance(item, AggItem):
                    rec[names[n]] = self._agg_value(obj, item, rows, q.alias)
                    n += 1
            out.append(rec)
        for key in reversed(q.order_by):
            if key.agg is not None:
                label = next((names[i] for i, it in enumerate(
                    [x for x in q.items if isinstance(x, AggItem)]) if it.text.lower().replace(
                        " ", "") == key.agg.text.lower().replace(" ", "")), None)
            else:
                assert key.path is not None
                label = key.path.parts[-1]
                label = next((k for k in (out[0] if out else {}) if k.lower() == label.lower()),
                             label)
            if label is None:
                raise self.err("MALFORMED_QUERY", q.pos, "Ordered field must be grouped or "
                               "aggregated")
            nulls = key.nulls_first
            out.sort(key=lambda rr: _null_key(_fold(rr.get(label)), nulls, key.desc),
                     reverse=key.desc)
        start = q.offset or 0
        end = None if q.limit is None else start + q.limit
        out = out[start:end]
        return QueryResult(len(out), [], lambda r: r, aggregate_records=out)

    def _agg_value(self, obj: ObjectDef, item: AggItem, rows: list[Record],
                   alias: str | None) -> Any:
        if item.path is None:
            return len(rows)
        res = self.resolve(obj, item.path, alias)
        vals = [v for r in rows if (v := res.getter(r)) is not None]
        f = item.func
        if f == "COUNT":
            return len(vals)
        if f == "COUNT_DISTINCT":
            return len({v.lower() if isinstance(v, str) else v for v in vals})
        if not vals:
            return None
        if f == "SUM":
            return sum(vals)
        if f == "AVG":
            return sum(vals) / len(vals)
        v = min(vals) if f == "MIN" else max(vals)
        return format_value(res.field.type, v)


def _run_duration(rec: Record, now: int) -> Any:
    if rec.get("Status") in ("InProgress", "Suspended"):
        return max(0, (now - rec["CreatedDate"]) // 1000)
    return rec.get("Duration")


def _elapsed(start_key: str) -> Callable[[Record, int], Any]:
    def derive(rec: Record, now: int) -> Any:
        if rec.get("Status") != "Assigned":
            return None
        return max(0, (now - rec[start_key]) // 1000)

    return derive


# Fields Salesforce computes from timestamps at read time.
DERIVED: dict[tuple[str, str], Callable[[Record, int], Any]] = {
    ("FlowOrchestrationInstance", "Duration"): _run_duration,
    ("FlowOrchestrationWorkItem", "ElapsedTimeSinceAsgntInSec"): _elapsed("_AssignedAt"),
    ("FlowOrchestrationWorkItem", "ElapsedTimeSinceCreationInSec"): _elapsed("CreatedDate"),
}


def root_getter(ctx: Context, obj: ObjectDef | None, name: str) -> Getter:
    derive = DERIVED.get((obj.name if obj else "", name))
    if derive is not None:
        now = ctx.now_ms
        return lambda r: derive(r, now)
    return lambda r: r.get(name)


def name_value(store: Store, rid: str, fname: str) -> Any:
    """A field of the polymorphic Name object for the record with this Id."""
    found = store.find(rid)
    if found is None:
        return None
    obj, rec = found
    if fname == "Type":
        if obj == "Group":
            return "Queue" if rec.get("Type") == "Queue" else "Group"
        return obj
    if fname == "Name" and obj == "Case":
        return rec.get("CaseNumber")  # a Case has no Name: the Name object shows its number
    return rec.get(fname)


def _fold(v: Any) -> Any:
    """Text as ORDER BY sorts it: case-insensitive, on the upper-cased value (Salesforce's
    English-locale rule: "uses the uppercase UTF-8 values"), so `_` sorts after the letters."""
    return v.upper() if isinstance(v, str) else v


def _folded(get: Getter) -> Getter:
    return lambda r: v.upper() if isinstance(v := get(r), str) else v


def _null_key(v: Any, nulls_first: bool, desc: bool) -> tuple[int, Any]:
    if v is None:
        return ((0 if nulls_first else 2) if not desc else (2 if nulls_first else 0), 0)
    return (1, v)


def sort_rows(rows: list[Record], order: list[tuple[Getter, bool, bool, str]]) -> None:
    """Stable multi-key sort: text case-insensitive (upper-cased), nulls first unless NULLS
    LAST."""
    for get, desc, nulls_first, _ in reversed(order):
        rows.sort(key=lambda r, g=get, n=nulls_first, d=desc: _null_key(g(r), n, d),  # type: ignore[misc]
                  reverse=desc)


def like_regex(body: str) -> re.Pattern[str]:
    r"""A LIKE pattern as written between its quotes, escapes not yet decoded.

    Salesforce reads the escapes and the wildcards in one pass: `\\%` is a backslash then
    the % wildcard, `\%` a literal percent sign. The decoded string cannot tell those apart,
    so the pattern is read from the query text.
    """
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1 : i + 2]
            if nxt in ("%", "_"):
                out.append(re.escape(nxt))
                i += 2
                continue
            size = 6 if nxt in ("u", "U") else 2
            out.append(re.escape(unescape_string(body[i : i + size], body, 0)))
            i += size
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def format_value(ftype: str, value: Any) -> Any:
    if value is None:
        return None
    if ftype == "datetime":
        return ms_to_sf(value)
    return value


def run_query(ctx: Context, text: str, include_deleted: bool) -> QueryResult:
    return Engine(ctx, text).run(include_deleted)


def column_metadata(ctx: Context, text: str) -> dict[str, Any]:
    """The `columns=true` answer: what each selected column is (used by the sf CLI)."""
    eng = Engine(ctx, text)
    query = parse(text)
    c = eng.compile(query)

    def columns(tree: dict[str, Any], obj: ObjectDef | None) -> list[dict[str, Any]]:
        cols = []
        for key, node in tree.items():
            base: dict[str, Any] = {
                "aggregate": False, "apexType": None, "booleanType": False, "columnName": key,
                "custom": False, "displayName": key, "foreignKeyName": None, "insertable": False,
                "joinColumns": [], "numberType": False, "textType": False, "updatable": False,
            }
            if isinstance(node, Leaf):
                t = node.fdef.type
                base.update(apexType={"id": "Id", "reference": "Id", "boolean": "Boolean",
                                      "int": "Integer", "long": "Long", "double": "Double",
                                      "datetime": "Datetime", "date": "Date"}.get(t, "String"),
                            booleanType=t == "boolean", numberType=t in ("int", "long", "double"),
                            textType=t in TEXT_TYPES, updatable=node.fdef.updateable)
            elif isinstance(node, RelNode):
                base["joinColumns"] = columns(node.children, node.target)
                base["foreignKeyName"] = node.fk.name
            else:
                base["aggregate"] = True
                base["joinColumns"] = columns(node.compiled.tree, node.child_obj)
            cols.append(base)
        return cols

    agg_cols: list[dict[str, Any]] = []
    if c.aggregate:
        n = 0
        for item in query.items:
            if isinstance(item, AggItem):
                name = item.alias or f"expr{n}"
                n += 0 if item.alias else 1
                agg_cols.append({"aggregate": True, "apexType": None, "booleanType": False,
                                 "columnName": name, "custom": False, "displayName": item.text,
                                 "foreignKeyName": None, "insertable": False, "joinColumns": [],
                                 "numberType": True, "textType": False, "updatable": False})
    return {
        "columnMetadata": columns(c.tree, c.obj) + agg_cols,
        "entityName": c.obj.name,
        "groupBy": bool(query.group_by),
        "idSelected": "Id" in c.tree,
        "keyPrefix": c.obj.key_prefix,
    }


__all__ = ["Context", "OrderKey", "QueryResult", "column_metadata", "run_query"]
