"""flowstage at v62 sends exactly the fields a real v62 org has.

The capabilities come from the demo org's v62 describes (as `Connection.open` builds them);
every query QueryBuilder can send is parsed, and each field and relationship path in it
(SELECT, WHERE, ORDER BY, GROUP BY, subqueries) must exist in the v62 field tables of
tests/fixtures/real-describes. The run, stage, step, work-item and log SELECT lists must
also keep every field a real v62 org has: nothing the org offers is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.soql_parse import (
    AggItem,
    BoolOp,
    Compare,
    Cond,
    FieldItem,
    NotOp,
    Query,
    SubqueryItem,
    parse,
)
from flowstage_tui.salesforce import capabilities as capmod
from flowstage_tui.salesforce.capabilities import (
    LOG,
    OBJECTS,
    POLYMORPHIC_NAME_FIELDS,
    RUN,
    STAGE,
    STEP,
    WORK,
    Capabilities,
)
from flowstage_tui.salesforce.connect import ORG_QUERY
from flowstage_tui.salesforce.queries import (
    LOG_FIELDS,
    RUN_FIELDS,
    STAGE_FIELDS,
    STEP_FIELDS,
    WORK_FIELDS,
    QueryBuilder,
    RunFilter,
)
from tests.real_describes import real_objects
from tests.unit.test_real_describes import TRACKING, _org, demo_describes

V62 = 62.0
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
RUN_ID = "0jERM0000000001AAA"


def capabilities_at(clock: ManualClock, version: float, feed_history: bool) -> Capabilities:
    describes = demo_describes(_org(clock, feed_history=feed_history), version)
    present = set(describes) & set(OBJECTS)
    return capmod.from_describes(f"{version:.1f}", present, describes)


def every_query(caps: Capabilities) -> Iterator[str]:
    flt = RunFilter(statuses=("Error",), orchestration="Onb", since=WHEN, text="x",
                    ids=(RUN_ID,))
    for qb in (QueryBuilder(caps), QueryBuilder(caps, flt)):
        yield qb.runs_page(50)
        yield qb.runs_page(50, after=(WHEN, RUN_ID))
        yield qb.run_ids(50)
        yield qb.run_count()
        yield qb.runs_changed(WHEN, WHEN)
        yield qb.runs_changed(WHEN, None)
        yield qb.status_counts()
        for obj in (STAGE, STEP, WORK):
            for q in (qb.children_of(obj, [RUN_ID]), qb.children_changed(obj, WHEN, WHEN)):
                if q is not None:
                    yield q
        for obj in (RUN, STAGE, STEP, WORK):
            q = qb.deleted_since(obj, WHEN)
            if q is not None:
                yield q
        for q in (qb.stage_history("0jFRM0000000001AAA"), qb.stage_feed("0jFRM0000000001AAA"),
                  qb.run_feed(RUN_ID), qb.run_log(RUN_ID), qb.stage_shares("0jFRM0000000001AAA")):
            if q is not None:
                yield q
    yield ORG_QUERY


def _cond_paths(c: Cond | None) -> Iterator[list[str]]:
    if isinstance(c, Compare):
        yield c.path.parts
    elif isinstance(c, BoolOp):
        for item in c.items:
            yield from _cond_paths(item)
    elif isinstance(c, NotOp):
        yield from _cond_paths(c.item)


# The child relationships flowstage's subqueries use, and the objects they lead to.
CHILDREN = {"FeedComments": "FeedComment"}


def paths(q: Query, obj: str | None = None) -> Iterator[tuple[str, list[str]]]:
    """(object, path) for every field the query names, subqueries included."""
    obj = obj or q.obj
    for item in q.items:
        if isinstance(item, FieldItem):
            yield obj, item.path.parts
        elif isinstance(item, AggItem) and item.path is not None:
            yield obj, item.path.parts
        elif isinstance(item, SubqueryItem):
            yield from paths(item.query, CHILDREN[item.query.obj])
    for p in _cond_paths(q.where):
        yield obj, p
    for key in q.order_by:
        if key.path is not None:
            yield obj, key.path.parts
    for g in q.group_by:
        yield obj, g.parts


def _real_fields(obj: str, version: float) -> set[str]:
    robj = real_objects()[obj]
    required, _ = robj.fields_at(version)
    return {n for n in required if not robj.fields[n].stub_only}


def real_has(obj: str, parts: list[str], version: float) -> bool:
    """Whether a real org at this version has this field or relationship path."""
    names = _real_fields(obj, version)
    if len(parts) == 1:
        return parts[0] in names
    hop = next((f for f in real_objects()[obj].fields.values()
                if f.name in names and f.attrs.get("relationshipName") == parts[0]), None)
    if hop is None:
        return False
    targets = list(dict.fromkeys(hop.attrs["referenceTo"]))
    if len(targets) > 1:  # polymorphic: only the Name object's fields
        return len(parts) == 2 and parts[1] in POLYMORPHIC_NAME_FIELDS
    return real_has(targets[0], parts[1:], version)


@pytest.mark.parametrize("feed_history", [False, True], ids=["no-feed-history", "tracking-on"])
def test_every_field_flowstage_sends_at_v62_exists_in_real_v62_orgs(
        clock: ManualClock, feed_history: bool) -> None:
    caps = capabilities_at(clock, V62, feed_history)
    missing = set()
    for soql in every_query(caps):
        query = parse(soql)
        for obj, parts in paths(query):
            # No real org lists the tracking objects (fixtures have none): only the
            # tracking-on demo org sends these, and its FeedComment subquery is checked below.
            if obj in TRACKING:
                continue
            if not real_has(obj, parts, V62):
                missing.add((obj, ".".join(parts), soql[:60]))
    assert not missing, sorted(missing)


def test_select_lists_at_v62_are_exactly_what_a_real_v62_org_has(clock: ManualClock) -> None:
    caps = capabilities_at(clock, V62, feed_history=False)
    qb = QueryBuilder(caps)
    for obj, wanted in ((RUN, RUN_FIELDS), (STAGE, STAGE_FIELDS), (STEP, STEP_FIELDS),
                        (WORK, WORK_FIELDS), (LOG, LOG_FIELDS)):
        expected = [f for f in wanted if real_has(obj, f.split("."), V62)]
        assert qb.fields(obj, wanted).split(", ") == expected, obj


def test_v62_drops_the_fields_real_v62_orgs_lack(clock: ManualClock) -> None:
    """The fields the object reference (and the demo org, before issue 12) offered early."""
    caps = capabilities_at(clock, V62, feed_history=False)
    for obj, field in ((RUN, "OrchestrationName"), (RUN, "IsDebugRun"),
                       (STEP, "Description"), (RUN, "OrchestrationLabel"),
                       (WORK, "ElapsedTimeSinceAsgntInSec")):
        assert not caps.has(obj, field), (obj, field)
    later = capabilities_at(clock, 65.0, feed_history=False)
    for obj, field in ((RUN, "OrchestrationName"), (RUN, "IsDebugRun"), (STEP, "Description")):
        assert later.has(obj, field), (obj, field)
