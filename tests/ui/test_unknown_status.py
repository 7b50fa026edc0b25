"""A status Salesforce adds after this release ("Paused", "OnHold") comes through the engine
onto the screen as its own word: no crash, no blank, no stale row."""

from __future__ import annotations

from typing import Any

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.state import HealthState

from .conftest import make_app, settle, tab
from .invariants import screen_text

RUN = "FlowOrchestrationInstance"
STAGE = "FlowOrchestrationStageInstance"


def newest_runs(org: DemoOrg) -> list[dict[str, Any]]:
    with org.lock:
        org.store.ensure_all()  # else a held-back run's replay would undo the edits below
        return sorted(org.store.table(RUN).rows.values(),
                      key=lambda r: (r["CreatedDate"], r["Id"]), reverse=True)


def rows_with(app: Any, *words: str) -> list[str]:
    return [line for line in screen_text(app) if all(w in line for w in words)]


async def test_new_run_and_stage_statuses_show_as_their_own_words(
        org: DemoOrg, clock: ManualClock) -> None:
    first, second = newest_runs(org)[:2]
    with org.lock:
        stage = min((s for s in org.store.table(STAGE).rows.values()
                     if s["OrchestrationInstanceId"] == first["Id"]),
                    key=lambda s: s["Position"])
        org.store.update(RUN, first["Id"], {"Status": "Paused"}, org.now_ms(), org.admin_id)
        org.store.update(STAGE, stage["Id"], {"Status": "OnHold"}, org.now_ms(), org.admin_id)
    app = make_app(org, clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        assert tab(app).health.state == HealthState.LIVE
        assert rows_with(app, first["Name"], "Paused")  # the runs list, top row
        # the selected run's stages show a glyph only, but "?" alone would say nothing
        assert rows_with(app, f"? OnHold {stage['Label'][:6]}")
        assert "1 Paused" in screen_text(app)[0] + screen_text(app)[1]  # the header's counts
        # a run that turns "Paused" while we watch: the incremental poll brings it
        with org.lock:
            org.store.update(RUN, second["Id"], {"Status": "Paused"}, org.now_ms(),
                             org.admin_id)
        clock.advance(15)
        await pilot.press("r")
        await settle(app, pilot)
        assert tab(app).health.state == HealthState.LIVE
        assert rows_with(app, second["Name"], "Paused")
        assert "2 Paused" in screen_text(app)[0] + screen_text(app)[1]


def test_the_statuses_real_orgs_declare_have_their_own_glyph_colour_and_filter() -> None:
    """NotStarted, Discontinued and Suspended are not "unknown": each has a glyph, an ASCII
    twin, a colour, a place in the header's counts and a word the status filter accepts."""
    from flowstage_tui.salesforce.models import RUN_STATUSES as STATUSES
    from flowstage_tui.salesforce.queries import status_names
    from flowstage_tui.ui import ascii as A
    from flowstage_tui.ui import present as P
    from flowstage_tui.ui.widgets.header import STATUS_ORDER

    for status in ("NotStarted", "Discontinued", "Suspended"):
        glyph, twin = P.GLYPHS[status]
        assert glyph != "?" and A.to_ascii(glyph) == twin and twin.isascii()
        assert P.TEXT_STYLES[status]
        assert P.status_text(status, with_word=False).plain == glyph  # no word: it is known
        assert status in STATUS_ORDER
    # told apart by colour from Canceled, and from Error: Textual's default terminal theme
    # draws magenta as it draws red
    assert P.TEXT_STYLES["Discontinued"] not in (P.TEXT_STYLES["Canceled"], "magenta", "red")
    assert {"NotStarted", "Discontinued", "Suspended"} <= set(STATUSES)
    assert status_names("not started, discontinued") == ("NotStarted", "Discontinued")
