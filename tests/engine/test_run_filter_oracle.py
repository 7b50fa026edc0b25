"""RunFilter executed: the runs and status counts the engine gets from the demo org under each
filter are exactly what a brute-force Python filter over the org's records says.

The oracle reads the store directly and applies Salesforce's documented meaning of the filter
by hand (a case-insensitive "contains" on the run name, developer name and label; CreatedDate
on or after the moment), so a bug in SOQL building, escaping or parsing shows on one side only.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce.capabilities import RUN
from flowstage_tui.salesforce.models import Run
from flowstage_tui.salesforce.queries import RunFilter

from ..conftest import FIXED_NOW
from .conftest import make_engine

# Labels and names that hold every character LIKE or a string literal treats specially, each
# beside a near miss that a missing escape would also match.
PLANTED = [
    ("OR-0000_93", "Refund 50% off"),
    ("OR-X000093", "Refund 50 percent off"),
    ("OR-X000094", "Path C:\\temp\\run"),
    ("OR-X000095", "Path C:temp"),
    ("OR-X000096", "O'Brien intake"),
    ("OR-X000097", "OBrien intake"),
    ("OR-X000098", "ship_to_EU"),
    ("OR-X000099", "shipXtoXEU"),
    ("OR-X000100", "Escalate \\% by hand"),
]
SINCE = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def shared_clock() -> ManualClock:
    """One clock for the module's one org: every test here only reads it."""
    return ManualClock(sf_to_ms(FIXED_NOW) / 1000)


@pytest.fixture(scope="module")
def planted(shared_clock: ManualClock) -> DemoOrg:
    org = DemoOrg(seed=7, runs=300, clock=shared_clock, frozen=True)
    org.write_all()  # else writing a run's held-back children replays its row over the edit
    with org.lock:
        rows = sorted(org.store.table(RUN).rows.values(), key=lambda r: r["Id"])
        for rec, (name, label) in zip(rows[10:], PLANTED, strict=False):
            org.store.update(RUN, rec["Id"], {"Name": name, "OrchestrationLabel": label},
                             org.now_ms(), org.admin_id)
    return org


@pytest.fixture(scope="module")
def every_run(planted: DemoOrg, shared_clock: ManualClock) -> tuple[Run, ...]:
    return make_engine(planted, shared_clock, page_size=2000).poll_once().snapshot.runs


def store_runs(org: DemoOrg) -> list[dict[str, Any]]:
    with org.lock:
        return list(org.store.table(RUN).rows.values())


def contains(haystack: Any, needle: str) -> bool:
    return isinstance(haystack, str) and needle.lower() in haystack.lower()


def by_hand(rec: dict[str, Any], flt: RunFilter, *, statuses: bool = True) -> bool:
    """The filter's documented meaning, over a raw store record (epoch-ms datetimes)."""
    if flt.ids and rec["Id"] not in flt.ids and rec["Id"][:15] not in flt.ids:
        return False
    if statuses and flt.statuses and rec["Status"] not in flt.statuses:
        return False
    if flt.orchestration is not None and not (
            contains(rec["OrchestrationDeveloperName"], flt.orchestration)
            or contains(rec["OrchestrationLabel"], flt.orchestration)):
        return False
    if flt.since is not None and rec["CreatedDate"] < flt.since.timestamp() * 1000:
        return False
    return flt.text is None or any(
        contains(rec[f], flt.text)
        for f in ("Name", "OrchestrationDeveloperName", "OrchestrationLabel"))


FILTERS = {
    "orch-exact": RunFilter(orchestration="Quote_Approval"),
    "orch-case": RunFilter(orchestration="quote_approval"),
    "orch-part-of-name": RunFilter(orchestration="Onboarding"),
    "orch-label-words": RunFilter(orchestration="Customer Onboarding"),
    "orch-underscore": RunFilter(orchestration="ship_to"),
    "orch-percent": RunFilter(orchestration="50%"),
    "orch-unicode": RunFilter(orchestration="供应商"),
    "orch-none": RunFilter(orchestration="Nothing_Like_This"),
    "since": RunFilter(since=SINCE),
    "since-other-zone": RunFilter(since=datetime(2026, 11, 25, 1, 0,
                                                 tzinfo=timezone(timedelta(hours=-8)))),
    "since-future": RunFilter(since=datetime(2027, 1, 1, tzinfo=UTC)),
    "text-underscore-name": RunFilter(text="0000_93"),
    "text-underscore": RunFilter(text="_"),
    "text-underscore-label": RunFilter(text="ship_to_EU"),
    "text-percent": RunFilter(text="50%"),
    "text-percent-alone": RunFilter(text="%"),
    "text-backslash": RunFilter(text="\\"),
    "text-backslash-path": RunFilter(text="C:\\temp"),
    "text-backslash-percent": RunFilter(text="\\%"),
    "text-quote": RunFilter(text="O'Brien"),
    "text-quote-alone": RunFilter(text="'"),
    "text-case": RunFilter(text="emea"),
    "text-emoji": RunFilter(text="🏦"),
    "text-dev-name": RunFilter(text="loan_app"),
    "orch-and-text": RunFilter(orchestration="Onboarding", text="EMEA"),
    "since-and-text": RunFilter(since=SINCE, text="Onboarding"),
    "status-orch-since": RunFilter(statuses=("Completed", "Error"), orchestration="Onboarding",
                                   since=SINCE),
    "status-text": RunFilter(statuses=("InProgress",), text="_"),
    "everything": RunFilter(statuses=("Completed",), orchestration="Quote",
                            since=datetime(2026, 11, 1, tzinfo=UTC), text="approval"),
}


@pytest.mark.parametrize("flt", FILTERS.values(), ids=FILTERS.keys())
def test_filter_returns_exactly_the_runs_a_brute_force_filter_finds(
        planted: DemoOrg, shared_clock: ManualClock, flt: RunFilter) -> None:
    expected = {r["Id"] for r in store_runs(planted) if by_hand(r, flt)}
    eng = make_engine(planted, shared_clock, flt=flt, page_size=400)  # every match on one page
    snap = eng.poll_once().snapshot
    assert not snap.more
    assert {r.id for r in snap.runs} == expected


@pytest.mark.parametrize("flt", FILTERS.values(), ids=FILTERS.keys())
def test_status_counts_under_the_filter_match_a_brute_force_count(
        planted: DemoOrg, shared_clock: ManualClock, flt: RunFilter) -> None:
    """The counts answer "how many of each status" for the rest of the filter."""
    expected = Counter(r["Status"] for r in store_runs(planted)
                       if by_hand(r, flt, statuses=False))
    eng = make_engine(planted, shared_clock, flt=flt)
    assert dict(eng.poll_once().snapshot.counts) == dict(expected)
    shared_clock.advance(15)
    assert dict(eng.poll_once().snapshot.counts) == dict(expected)  # the incremental poll too


def test_the_planted_rows_make_the_escapes_matter(planted: DemoOrg) -> None:
    """Each special-character filter has both a match and a near miss in the org, so an
    escape that went missing would change the answer (not just agree on an empty one)."""
    def matches(text: str) -> set[str]:
        return {r["Name"] for r in store_runs(planted) if by_hand(r, RunFilter(text=text))}

    assert matches("0000_93") == {"OR-0000_93"}  # not OR-0000193 / OR-0000293
    assert matches("50%") == {"OR-0000_93"}
    assert matches("C:\\temp") == {"OR-X000094"}
    assert matches("O'Brien") == {"OR-X000096"}
    assert matches("ship_to_EU") == {"OR-X000098"}
    assert matches("\\%") == {"OR-X000100"}


@pytest.mark.parametrize("flt", FILTERS.values(), ids=FILTERS.keys())
def test_the_local_match_agrees_with_the_brute_force_filter(
        planted: DemoOrg, every_run: tuple[Run, ...], flt: RunFilter) -> None:
    """`RunFilter.matches` (what a poll uses to drop a changed run that left the filter) says
    the same as the documented meaning, run by run."""
    everything = every_run
    records = {r["Id"]: r for r in store_runs(planted)}
    assert len(everything) == len(records)
    disagree = [r.name for r in everything if flt.matches(r) != by_hand(records[r.id], flt)]
    assert disagree == []
    assert any(flt.matches(r) for r in everything) == any(
        by_hand(rec, flt) for rec in records.values())


def test_ids_match_in_either_length(planted: DemoOrg, shared_clock: ManualClock,
                                    every_run: tuple[Run, ...]) -> None:
    runs = every_run
    a, b, c = runs[0], runs[1], runs[2]
    flt = RunFilter(ids=(a.id, b.id[:15]))
    assert [r.id for r in runs if flt.matches(r)] == [a.id, b.id]
    assert not flt.matches(c)
    eng = make_engine(planted, shared_clock, flt=flt)
    assert {r.id for r in eng.poll_once().snapshot.runs} == {a.id, b.id}
