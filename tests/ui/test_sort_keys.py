"""`s` and `S` in the Runs pane: the server sorts, the table shows the server's order from its
first row, the pane's subtitle says the order, and an idle poll after it is still one call."""

from __future__ import annotations

from typing import Any

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce.run_sort import RunSort
from flowstage_tui.ui.messages import PollDone
from flowstage_tui.ui.widgets.runs import RunsTable

from .conftest import make_app, settle, tab


def org_order(org: DemoOrg, field: str, descending: bool) -> list[str]:
    """The demo org's run Ids as Salesforce orders them (no nulls in these fields)."""
    rows = [r for r in org.store.table("FlowOrchestrationInstance").rows.values()
            if not r.get("IsDeleted")]
    rows.sort(key=lambda r: (r[field].upper() if isinstance(r[field], str) else r[field],
                             r["Id"]), reverse=descending)
    return [r["Id"] for r in rows]


def shown(app: Any) -> list[str]:
    table = tab(app).query_one(RunsTable)
    return [str(k.value) for k in table.rows]


async def test_s_cycles_the_server_sort_and_S_reverses_it(org: DemoOrg,
                                                         clock: ManualClock) -> None:
    polls: list[PollDone] = []
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36), message_hook=lambda m: polls.append(m)
                            if isinstance(m, PollDone) else None) as pilot:
        await settle(app, pilot)
        assert shown(app)[:200] == org_order(org, "CreatedDate", True)[:200]
        tab(app).query_one(RunsTable).focus()
        await pilot.press("j", "j", "j")  # away from the top: a new order starts from it
        await pilot.press("s")  # Started → Modified, still descending
        await settle(app, pilot)
        assert tab(app).snapshot.sort == RunSort("modified", True)
        assert shown(app) == org_order(org, "LastModifiedDate", True)[:200]
        assert tab(app).query_one(RunsTable).cursor_row == 0
        pane = str(tab(app).query_one("#runs-pane").border_subtitle)
        assert "by Modified ↓" in pane
        await pilot.press("s", "s")  # Orchestration, then Name
        await pilot.press("S")
        await settle(app, pilot)
        assert tab(app).snapshot.sort == RunSort("name", False)
        assert shown(app) == org_order(org, "Name", False)[:200]
        assert "by Name ↑" in str(tab(app).query_one("#runs-pane").border_subtitle)
        polls.clear()
        tab(app).poll_now()
        await settle(app, pilot)
        assert [p.result.calls for p in polls] == [1]  # sorted, an idle poll is one call
        await pilot.press("s")  # back to Started, ascending: the oldest runs first
        await settle(app, pilot)
        assert shown(app) == org_order(org, "CreatedDate", False)[:200]


async def test_G_loads_the_next_page_in_the_sort_order(org: DemoOrg,
                                                      clock: ManualClock) -> None:
    app = make_app(org, clock, page_size=50)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        tab(app).query_one(RunsTable).focus()
        await pilot.press("s", "s", "s")  # Started → Modified → Orchestration → Name
        await settle(app, pilot)
        assert tab(app).snapshot.sort == RunSort("name", True)
        await pilot.press("G")
        await settle(app, pilot)
        assert shown(app) == org_order(org, "Name", True)[:100]
