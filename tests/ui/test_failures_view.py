"""`:failures` in the TUI: the clusters read on the org's API thread, the highlighted one's
sparkline, place and message, Enter listing its runs in the Runs pane, bad words refused."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Sparkline, Static

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.demo_data import DEPLOYED_STEP
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.screens.failures import FailuresScreen

from .conftest import make_app, settle, tab


def _view(app: Any) -> FailuresScreen:
    assert isinstance(app.screen, FailuresScreen), app.screen
    return app.screen


async def test_failures_view_lists_clusters_and_enter_shows_their_runs(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"failures", "enter")
        await settle(app, pilot)
        view = _view(app)
        report = view.report
        assert report is not None and report.failures == sum(
            1 for r in org.store.table("FlowOrchestrationInstance").rows.values()
            if r["Status"] == "Error")
        table: DataTable[Any] = view.query_one(DataTable)
        assert table.row_count == len(report.clusters)
        top = report.clusters[0]
        assert top.step == DEPLOYED_STEP and top.count >= 3
        assert view.query_one(Sparkline).data == list(top.per_hour(report.now))
        detail = str(view.query_one("#failures-detail", Static).render())
        assert "UNABLE_TO_LOCK_ROW" in detail and "Account_Setup / Create_Billing_Account" \
            in detail
        await pilot.press("down")
        second = report.clusters[1]
        assert view.query_one(Sparkline).data == list(second.per_hour(report.now))
        await pilot.press("up", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, FailuresScreen)
        shown = tab(app).snapshot.runs
        assert sorted(r.id for r in shown) == sorted(top.run_ids)
        assert tab(app).snapshot.filter.ids == top.run_ids


async def test_failures_since_and_bad_words(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    said: list[str] = []
    real_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append(message)
        real_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"failures since=soon", "enter")
        await pilot.pause()
        assert any(m.startswith("since: 'soon' is not an age") for m in said), said
        await pilot.press("colon", *"failures everything", "enter")
        await pilot.pause()
        assert "Usage: :failures [since=24h]" in said
        await pilot.press("colon", *"failures since=2d", "enter")
        await settle(app, pilot)
        report = _view(app).report
        assert report is not None and 0 < report.failures < 29
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FailuresScreen)


async def test_org_text_in_the_view_is_text_not_markup(org: DemoOrg, clock: ManualClock) -> None:
    """An error text with Rich markup and an escape sequence is shown as written: the markup
    literally, the control byte as \\x1b (it must not restyle the view or reach the terminal)."""
    hostile = "[bold red]LOCKED[/] \x1b]52;c;AAAA\x07 UNABLE_TO_LOCK_ROW on 001RM0000abcDEF"
    with org.lock:
        record = next(r for r in org.store.table("FlowOrchestrationInstance").rows.values()
                      if r["Status"] == "InProgress" and r.get("CurrentStage"))
        org.lifecycle.fail_run(record, org.now_ms(), hostile)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"failures since=1h", "enter")
        await settle(app, pilot)
        view = _view(app)
        assert view.report is not None and view.report.failures == 1
        detail = view.query_one("#failures-detail", Static).render()
        plain = str(detail)
        assert "[bold red]LOCKED[/]" in plain and "\\x1b]52;c;AAAA\\x07" in plain
        assert "\x1b" not in plain and "\x07" not in plain
