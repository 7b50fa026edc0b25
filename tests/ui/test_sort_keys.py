"""`s` and `S` in the Runs pane: the server sorts, the table shows the server's order from its
first row, the pane's subtitle says the order, and an idle poll after it is still one call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowstage_tui.config.columns import ColumnPrefs
from flowstage_tui.config.store import load
from flowstage_tui.config.views import ViewBook
from flowstage_tui.demo import DEMO_PROFILE
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


async def test_save_writes_the_view_and_view_opens_it(org: DemoOrg, clock: ManualClock,
                                                      tmp_path: Path) -> None:
    """`:save` writes config.toml (only then: nothing before), `:view` brings back the filter
    and the sort after both were changed, an unknown name says which views there are."""
    config = tmp_path / "config.toml"
    config.write_text("# mine\n[profiles.sandbox]\nauth = \"demo\"\n")
    said: list[str] = []
    app = make_app(org, clock, views=ViewBook({}, config))
    real_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append(message)
        real_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        tab(app).query_one(RunsTable).focus()
        await pilot.press("colon", *"runs status=Error since=7d", "enter")
        await pilot.press("s", "S")  # by Modified, ascending
        await settle(app, pilot)
        assert "[views" not in config.read_text()  # nothing is written unasked
        await pilot.press("colon", *"save old-errors", "enter")
        await settle(app, pilot)
        assert any(m.startswith("Saved view old-errors") for m in said), said
        saved = load(config).views["old-errors"]
        assert saved.status == ("Error",) and saved.since == "7d"  # as typed
        assert saved.sort == RunSort("modified", False)
        assert config.read_text().startswith("# mine")
        await pilot.press("colon", *"runs", "enter")
        await pilot.press("s")
        await settle(app, pilot)
        assert tab(app).snapshot.filter.statuses == ()
        await pilot.press("colon", *"view old-errors", "enter")
        await settle(app, pilot)
        snap = tab(app).snapshot
        assert snap.sort == RunSort("modified", False) and snap.filter.statuses == ("Error",)
        assert snap.runs and all(str(r.status) == "Error" for r in snap.runs)
        modified = [r.modified for r in snap.runs]
        assert modified == sorted(modified)
        await pilot.press("colon", *"view nope", "enter")
        await pilot.pause()
        assert any("No view named nope; views: old-errors" in m for m in said), said
        await pilot.press("colon", *"save a b", "enter")
        await pilot.pause()
        assert any("not a view name" in m for m in said), said


def header_labels(app: Any) -> list[str]:
    table = tab(app).query_one(RunsTable)
    return [str(c.key.value) for c in table.ordered_columns]


async def test_columns_hide_show_and_are_remembered_per_profile(
        org: DemoOrg, clock: ManualClock, tmp_path: Path) -> None:
    prefs = ColumnPrefs(tmp_path / "columns")
    said: list[str] = []
    app = make_app(org, clock, columns=prefs)
    real_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append(message)
        real_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert {"Took", "Age", "Stage"} <= set(header_labels(app))
        await pilot.press("colon", *"columns -took -Age", "enter")
        await pilot.pause()
        assert "Took" not in header_labels(app) and "Age" not in header_labels(app)
        assert tab(app).query_one(RunsTable).row_count == 200  # every row drawn again
        assert any("-Took, -Age" in m for m in said), said
        await pilot.press("colon", *"columns nope", "enter")
        await pilot.pause()
        assert any("unknown column 'nope'" in m for m in said), said
        await pilot.press("colon", *"columns -Status -Orchestration -Run -Stage -Started",
                          "enter")
        await pilot.pause()
        assert any("hides every column" in m for m in said), said
        assert "Run" in header_labels(app)  # refused: nothing changed
    assert prefs.load(DEMO_PROFILE.name) == {"Took", "Age"}
    again = make_app(org, clock, columns=prefs)  # the next session of this profile
    async with again.run_test(size=(120, 36)) as pilot:
        await settle(again, pilot)
        assert "Took" not in header_labels(again) and "Run" in header_labels(again)
        await pilot.press("colon", *"columns Status Run", "enter")
        await pilot.pause()
        assert header_labels(again) == ["mark", "Status", "Run"]
        await pilot.press("colon", *"columns all", "enter")
        await pilot.pause()
        assert "Took" in header_labels(again)
    assert prefs.load(DEMO_PROFILE.name) == frozenset()


async def test_a_view_keeps_its_columns(org: DemoOrg, clock: ManualClock,
                                        tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    app = make_app(org, clock, views=ViewBook({}, config))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"columns -Stage", "enter")
        await pilot.press("colon", *"save nostage", "enter")
        await pilot.press("colon", *"columns all", "enter")
        await pilot.pause()
        assert "Stage" in header_labels(app)
        await pilot.press("colon", *"view nostage", "enter")
        await settle(app, pilot)
        assert "Stage" not in header_labels(app)
    assert load(config).views["nostage"].columns == (
        "Status", "Orchestration", "Run", "Started", "Took", "Age")


async def test_opened_on_a_view_its_sort_and_columns_show_first(org: DemoOrg,
                                                               clock: ManualClock) -> None:
    """`flowstage --view NAME`: the first page already comes in the view's order."""
    app = make_app(org, clock, run_sort=RunSort("name", False),
                   run_columns=("Status", "Run", "Started"))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert shown(app) == org_order(org, "Name", False)[:200]
        assert header_labels(app) == ["mark", "Status", "Run", "Started"]
