"""Sorting the runs on the server, across keyset pages, held against the demo org's own rows
sorted here by Salesforce's rules (an oracle independent of RunSort): a 5,000-run org, the
201st and the 2,001st run by every sort, both ways, with null orchestration labels among them."""

from __future__ import annotations

from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce import parse
from flowstage_tui.salesforce.capabilities import RUN
from flowstage_tui.salesforce.queries import QueryBuilder
from flowstage_tui.salesforce.run_sort import SORT_KEYS, Cursor, RunSort

from ..conftest import FIXED_NOW
from .conftest import make_engine

FIELD = {"name": "Name", "created": "CreatedDate", "modified": "LastModifiedDate",
         "orchestration": "OrchestrationLabel"}
# labels only a case-insensitive, upper-cased comparison orders right: `_` sorts after the
# letters in upper case (0x5F > 'Z'), before them in lower case
ODD_LABELS = ("employee onboarding", "EMPLOYEE_ONBOARDING", "Employee_onboarding", "EmployeeX")


@pytest.fixture(scope="module")
def org_clock() -> ManualClock:
    return ManualClock(sf_to_ms(FIXED_NOW) / 1000)


@pytest.fixture(scope="module")
def big_org(org_clock: ManualClock) -> DemoOrg:
    org = DemoOrg(seed=11, runs=5000, clock=org_clock, frozen=True)
    with org.lock:
        org.store.ensure_all()
        rows = sorted(org.store.table(RUN).rows.values(), key=lambda r: r["Id"])
        for i, row in enumerate(rows):
            if i % 7 == 0:  # a run of an orchestration since deleted: no label
                row["OrchestrationLabel"] = None
            elif i % 11 == 0:
                row["OrchestrationLabel"] = ODD_LABELS[i % len(ODD_LABELS)]
    return org


def org_rows(org: DemoOrg) -> list[dict[str, Any]]:
    with org.lock:
        return [dict(r) for r in org.store.table(RUN).rows.values() if not r.get("IsDeleted")]


def oracle(org: DemoOrg, sort: RunSort) -> list[str]:
    """The run Ids in Salesforce's order: ascending nulls first, descending nulls last, text
    case-insensitive by its upper-cased value, ties by Id in the same direction."""
    name = FIELD[sort.key]

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        v = r[name]
        if v is None:
            return (0, "", r["Id"])
        return (1, v.upper() if isinstance(v, str) else v, r["Id"])

    return [r["Id"] for r in sorted(org_rows(org), key=key, reverse=sort.descending)]


ALL_SORTS = [RunSort(k, d) for k in SORT_KEYS for d in (False, True)]


@pytest.mark.parametrize("sort", ALL_SORTS, ids=lambda s: s.text())
def test_keyset_pages_follow_every_sort(big_org: DemoOrg, org_clock: ManualClock,
                                        sort: RunSort) -> None:
    eng = make_engine(big_org, org_clock, page_size=200)
    eng.poll_once()  # connects, learns the capabilities
    client, caps = eng.client, eng.capabilities
    assert client is not None and caps is not None
    qb = QueryBuilder(caps, sort=sort)
    want = oracle(big_org, sort)
    assert len(want) >= 5000
    got: list[str] = []
    after: Cursor | None = None
    while len(got) < 2001:
        page = client.query(qb.runs_page(200, after))
        assert len(page) == 200
        got.extend(r["Id"] for r in page)
        after = sort.cursor(parse.run(page[-1]), caps)
    assert got[200] == want[200] and got[2000] == want[2000]
    assert got == want[:len(got)]


def test_labels_include_nulls_and_case_variants(big_org: DemoOrg) -> None:
    labels = [r["OrchestrationLabel"] for r in org_rows(big_org)]
    assert labels.count(None) > 600
    assert {"employee onboarding", "EMPLOYEE_ONBOARDING"} <= set(labels)


@pytest.mark.parametrize("sort", [RunSort("orchestration", False), RunSort("modified", True),
                                  RunSort("name", True)], ids=lambda s: s.text())
def test_the_engine_mirror_follows_the_sort_across_pages(big_org: DemoOrg, org_clock: ManualClock,
                                                         sort: RunSort) -> None:
    """The engine's own paging (load_more from the mirror's last key) and the snapshot's
    order: the 201st run and the page after it are the oracle's."""
    eng = make_engine(big_org, org_clock, page_size=200)
    eng.set_sort(sort)
    first = eng.poll_once()
    assert [r.id for r in first.snapshot.runs] == oracle(big_org, sort)[:200]
    more = eng.load_more()
    assert more.snapshot.sort == sort and more.snapshot.more
    assert [r.id for r in more.snapshot.runs] == oracle(big_org, sort)[:400]
    idle = eng.poll_once()
    assert idle.calls == 1  # the idle poll stays one call, whatever the sort
    assert [r.id for r in idle.snapshot.runs] == oracle(big_org, sort)[:400]


def test_a_sort_change_reloads_from_the_first_page(big_org: DemoOrg, org_clock: ManualClock) -> None:
    eng = make_engine(big_org, org_clock, page_size=200)
    eng.poll_once()
    eng.load_more()
    eng.set_sort(RunSort("name", False))
    res = eng.poll_once()
    assert res.changes.full and len(res.snapshot.runs) == 200
    assert [r.id for r in res.snapshot.runs] == oracle(big_org, RunSort("name", False))[:200]
    eng.set_sort(RunSort("name", False))  # the same sort: nothing to reload
    assert eng.poll_once().calls == 1


@pytest.mark.parametrize("sort", [RunSort("modified", True), RunSort("modified", False),
                                  RunSort("orchestration", True)], ids=lambda s: s.text())
def test_a_live_window_keeps_its_order_as_runs_change(live_org: DemoOrg, clock: ManualClock,
                                                      sort: RunSort) -> None:
    """Modified moves a run as it changes: descending, to the top (and the last rows are
    trimmed); ascending, out past the window's edge, where it is dropped, not shown last."""
    eng = make_engine(live_org, clock, page_size=50)
    eng.set_sort(sort)
    eng.poll_once()
    moved = 0
    for _ in range(6):
        before = [r.id for r in eng.snapshot.runs]
        clock.advance(20)
        res = eng.poll_once()
        assert res.health.ok
        got = [r.id for r in res.snapshot.runs]
        assert got == oracle(live_org, sort)[:len(got)]
        moved += got != before
    assert moved  # the org changed something the order had to follow


def test_an_org_without_labels_sorts_by_the_developer_name(live_org: DemoOrg,
                                                          clock: ManualClock) -> None:
    """API v55 has no OrchestrationLabel (nor OrchestrationDeveloperName): the sort falls
    back to the field the org has, and the engine's order to the same values."""
    eng = make_engine(live_org, clock, page_size=50, api_cap="55.0")
    eng.set_sort(RunSort("orchestration", False))
    res = eng.poll_once()
    assert res.health.ok, res.health
    caps = eng.capabilities
    assert caps is not None and not caps.has(RUN, "OrchestrationLabel")
    field = RunSort("orchestration").field(caps)
    rows = sorted(org_rows(live_org), key=lambda r: (r[field].upper(), r["Id"]))
    assert [r.id for r in res.snapshot.runs] == [r["Id"] for r in rows][:50]
    more = eng.load_more()
    assert [r.id for r in more.snapshot.runs] == [r["Id"] for r in rows][:100]
