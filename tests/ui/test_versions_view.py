"""`:versions` in the TUI: the drift read on the org's API thread (its cost is counted in
tests/engine/test_versions.py), the
highlighted row's counts and stages not seen on the active version, Enter listing that
version's runs in the Runs pane, `orch=` narrowing it, bad words refused."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Static

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.demo_data import DRIFT_ORCHESTRATION
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.screens.versions import VersionsScreen

from .conftest import make_app, settle, tab


def _open(app: Any) -> bool:
    return isinstance(app.screen, VersionsScreen)


def _view(app: Any) -> VersionsScreen:
    assert isinstance(app.screen, VersionsScreen), app.screen
    return app.screen


async def test_versions_view_shows_the_drift_and_enter_lists_its_runs(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"versions", "enter")
        await settle(app, pilot)
        view = _view(app)
        assert view.report is not None
        table: DataTable[Any] = view.query_one(DataTable)
        assert table.row_count == len(view.rows) == 7  # one older version + six without drift
        top = view.rows[0]
        assert top.drift.orchestration == DRIFT_ORCHESTRATION and top.older is not None
        older = top.older
        detail = str(view.query_one("#versions-detail", Static).render())
        assert "active v9" in detail and f"v8: {older.total} runs" in detail
        assert "not seen on the active version: Manual_Provisioning" in detail
        assert "removed" not in detail
        await pilot.press("down")
        assert "v8:" not in str(view.query_one("#versions-detail", Static).render())
        await pilot.press("enter")  # a row without drift: nothing to list, the view stays
        await pilot.pause()
        assert _open(app)
        await pilot.press("up", "enter")
        await settle(app, pilot)
        assert not _open(app)
        shown = tab(app).snapshot.runs
        assert sorted(r.id for r in shown) == sorted(older.run_ids)
        assert all(r.status in ("InProgress", "Suspended", "Error") for r in shown)


async def test_versions_orch_and_bad_words(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    said: list[str] = []
    real_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append(message)
        real_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"versions everything", "enter")
        await pilot.pause()
        assert "Usage: :versions [orch=NAME]" in said
        await pilot.press("colon", *"versions orch=onboarding", "enter")
        await settle(app, pilot)
        view = _view(app)
        assert {r.drift.orchestration for r in view.rows} == {
            "Employee_Onboarding", "Customer_Onboarding_EMEA", "Vendor_Onboarding"}
        assert "Every unfinished run is on its orchestration's active version" in str(
            view.query_one("#versions-status", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert not _open(app)
        await pilot.press("colon", *"versions orch=[red]nope", "enter")
        await settle(app, pilot)
        status = str(_view(app).query_one("#versions-status", Static).render())
        assert "No orchestration of this org is named or labelled '[red]nope'" in status
