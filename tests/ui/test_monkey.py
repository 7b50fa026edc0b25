"""The monkey test: seeded random keys and resizes against a misbehaving demo org."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowstage_tui.emulator.org import DemoOrg

from .conftest import make_app, settle
from .monkey import fixed_clock, run_monkey, send


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "tracking"), [(1, True), (2, True), (3, False)],
                         ids=["seed1", "seed2", "seed3-no-tracking"])
async def test_random_keys_and_resizes_on_a_faulty_network_keep_the_app_whole(
        tmp_path: Path, seed: int, tracking: bool) -> None:
    """3 x 1,500 keys: every binding but quit, Esc, Enter, Tab, arrows, printable text,
    resizes from 20x8 to 200x60, polls with 503s, drops, garbage and expired sessions; the
    third walk on an org without Feed/History objects, as most real orgs are (one seed, not
    all of them twice: each walk is half a minute). A failure names its seed: rerun that
    seed to replay it."""
    clock = fixed_clock()
    org = DemoOrg(seed=seed, runs=150, clock=clock, pace=20.0, feed_history=tracking)
    report = await run_monkey(org, clock, seed=seed, presses=1500, export_dir=tmp_path)
    assert report.keys > 1400 and report.resizes > 5
    assert report.exceptions == [], f"seed {seed}: {report.exceptions}"


@pytest.mark.long
async def test_a_long_monkey_run(tmp_path: Path) -> None:
    clock = fixed_clock()
    org = DemoOrg(seed=3, runs=300, clock=clock, pace=5.0)
    report = await run_monkey(org, clock, seed=3, presses=10_000, export_dir=tmp_path)
    assert report.exceptions == []


async def test_enter_and_esc_in_one_read_close_a_dialog_once(tmp_path: Path) -> None:
    """Found by the monkey: both keys closed the export dialog, and the second close popped
    the triage screen itself (ScreenStackError, the app gone)."""
    clock = fixed_clock()
    org = DemoOrg(seed=1, runs=50, clock=clock, frozen=True)
    app = make_app(org, clock, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        for opener in ("e", "y", "question_mark"):
            await pilot.press(opener)
            assert len(app.screen_stack) == 2
            await send(app, pilot, ["enter", "escape", "escape"])
            await settle(app, pilot)
            assert app.is_running and len(app.screen_stack) == 1
