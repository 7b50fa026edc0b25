"""The `?` screen says what the tab's settings cost a day (engine/budget.py, the demo org's
Sforce-Limit-Info), the Work view's calls included once it is open; the failures view, while
open, re-reads the clusters and raises a toast and the terminal's notification when one
grows — its org text shown literally, never obeyed."""

from __future__ import annotations

from typing import Any

import pytest

from flowstage_tui.config.store import Profile
from flowstage_tui.demo import DEMO_PROFILE
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.budget import daily_budget
from flowstage_tui.ui.screens.dialogs import HelpScreen
from flowstage_tui.ui.screens.failures import FailuresScreen

from .conftest import make_app, make_tabs, settle, tab
from .test_terminal_notify import plain_terminal


def _help_text(app: Any) -> str:
    """The help screen's budget lines, as its first section shows them."""
    assert isinstance(app.screen, HelpScreen)
    return "API budget: " + " ".join(app.screen.budget)


async def test_help_says_what_polling_costs_a_day(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        front = tab(app)
        limit = front.health.api_limit
        assert limit and front.org.interval == 15
        await pilot.press("question_mark")
        await pilot.pause()
        text = _help_text(app)
        share = f"{6048 / limit:.1%}"
        assert f"API budget: polling every 15s ≈ 6,048 calls/day ({share} of this org's " \
            f"{limit:,})" in text, text
        assert "polls 5,760 · deletion checks 288" in text
        assert "Polling slows to half the pace at 80% and stops at 95%." in text
        await pilot.press("escape", "4")  # the Work view: who holds the items, every 5 min
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "≈ 6,336 calls/day" in _help_text(app) and "Work view 288" in _help_text(app)


async def test_an_open_failures_view_notifies_when_a_cluster_grows(
        org: DemoOrg, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    plain_terminal(monkeypatch)
    app = make_app(org, clock, profile=Profile("demo", "demo", {**DEMO_PROFILE.values,
                                                                "notify": "osc9"}))
    said: list[tuple[str, str]] = []
    real_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append((kw.get("title", ""), message))
        real_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        writes: list[str] = []
        driver = app._driver
        assert driver is not None
        real_write = driver.write

        def write(data: str) -> None:
            writes.append(data)
            real_write(data)

        driver.write = write  # type: ignore[method-assign]
        await pilot.press("colon", *"failures", "enter")
        await settle(app, pilot)
        view = app.screen
        assert isinstance(view, FailuresScreen) and view.report is not None
        before = view.report.failures
        tab(app).reread_failures()  # nothing new: nothing said
        await settle(app, pilot)
        assert not [s for s in said if s[0] == "Failure cluster grew"]
        run = next(r for r in tab(app).snapshot.runs if str(r.status) == "InProgress")
        with org.lock:
            record = org.store.get("FlowOrchestrationInstance", run.id)
            assert record is not None
            org.lifecycle.fail_run(record, org.now_ms(),
                                   "BOOM [bold]x[/bold] \x1b]0;pwned\x07 in a test")
        clock.advance(1)
        tab(app).reread_failures()
        await settle(app, pilot)
        assert view.is_current
        report = view.report
        assert report is not None and report.failures == before + 1
        grew = [m for title, m in said if title == "Failure cluster grew"]
        assert len(grew) == 1 and grew[0].endswith(": 0 → 1 runs (+1)")
        assert "[bold]x[/bold]" in grew[0] and "\x1b" not in grew[0]  # literal, not obeyed
        osc = [w for w in writes if w.startswith("\x1b]9;")]
        assert len(osc) == 1 and osc[0].startswith("\x1b]9;flowstage: failure cluster grew: ")
        assert "\x1b]0" not in osc[0] and "\x07" not in osc[0][:-1]
        await pilot.press("escape")
        await settle(app, pilot)
        assert not tab(app).failures_open  # closed: no more reads, none counted in the budget
        assert not tab(app).budget_plan().failures_view


async def test_tabs_on_one_org_share_the_figure_others_do_not(clock: ManualClock) -> None:
    from .test_orgs import PROD, UAT, two_orgs

    prod, _ = two_orgs(clock)
    app = make_tabs([(prod, PROD), (prod, UAT)], clock, budget_keys=("acme", "acme"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        front, back = app.triage_screens()
        assert back.budget_plan().front is False  # it polls at its background interval
        expect = daily_budget([front.budget_plan(), back.budget_plan()],
                              front.health.api_used, front.health.api_limit)
        assert expect.tabs == 2 and app.budget_lines()[0] == expect.headline()
        assert ", 1 more tab on this org ≈ " in expect.headline()
    apart = make_tabs([(prod, PROD), (prod, UAT)], clock)  # not known to be one org
    async with apart.run_test(size=(80, 24)) as pilot:
        await settle(apart, pilot)
        assert "more tab" not in apart.budget_lines()[0]
