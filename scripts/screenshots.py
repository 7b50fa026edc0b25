"""Regenerate screenshots/*.svg from the demo org with a fixed seed, clock and time zone.

Run: .venv/bin/python scripts/screenshots.py [NAME…]   (then look at them; the README embeds
them). With names, only those pictures are taken again.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ["TZ"] = "UTC"  # the screen shows local time: the same pictures on every machine

from flowstage_tui.cli.tui import build_app, org_tab
from flowstage_tui.clock import utc_clock
from flowstage_tui.config.store import Profile
from flowstage_tui.demo import DEMO_PROFILE, demo_connection
from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.poller import all_answered
from flowstage_tui.ui.screens.triage import TriageScreen

OUT = Path(__file__).resolve().parent.parent / "screenshots"
NOW = "2026-11-28T09:00:00Z"


def make(org: DemoOrg, clock: ManualClock, read_only: bool = True) -> FlowstageApp:
    return build_app(connection=demo_connection(org), profile=DEMO_PROFILE,
                     clock=utc_clock(clock), rng_seed=0, details_delay=0,
                     read_only=read_only)


def make_two(org: DemoOrg, clock: ManualClock) -> FlowstageApp:
    """PROD (read-only) in front and UAT (read-write, another demo org) in a second tab."""
    prod = Profile("prod", "prod", {"auth": "demo", "label": "PROD", "color": "red",
                                    "read_only": True})
    uat = Profile("uat", "uat", {"auth": "demo", "label": "UAT", "color": "green",
                                 "read_only": False})
    other = DemoOrg(seed=11, runs=90, clock=clock, frozen=True)
    return build_app(connection=demo_connection(org), profile=prod, clock=utc_clock(clock),
                     rng_seed=0, details_delay=0, more=(org_tab(
                         connection=demo_connection(other), profile=uat,
                         clock=utc_clock(clock), read_only=False, rng_seed=0,
                         details_delay=0),))


async def shoot(name: str, size: tuple[int, int], keys: Sequence[str] = (),
                offline: bool = False, feed_history: bool = True,
                two_orgs: bool = False, write: bool = False) -> None:
    if sys.argv[1:] and name not in sys.argv[1:]:
        return
    clock = ManualClock(sf_to_ms(NOW) / 1000)
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True, feed_history=feed_history)
    app = make(org, clock, read_only=not write) if not two_orgs else make_two(org, clock)

    def front() -> TriageScreen:
        screen = app.triage
        assert screen is not None
        return screen

    async with app.run_test(size=size) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await all_answered(lambda: [s.poller for s in app.triage_screens()])
            await pilot.pause()
        if offline:
            org.faults.update(offline=True)
            clock.advance(95)
            front().poll_now()
        for key in keys:
            await pilot.press(key)
            for _ in range(2):
                await app.workers.wait_for_complete()
                await all_answered(lambda: [s.poller for s in app.triage_screens()])
                await pilot.pause()
        await pilot.pause(0.3)
        front()._tick()  # ages on the pinned clock, whether or not a real second has passed
        await pilot.pause()
        app.save_screenshot(f"{name}.svg", str(OUT))
    print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    time.tzset()
    OUT.mkdir(exist_ok=True)
    await shoot("runs-error-selected", (120, 36), ["n"])
    await shoot("history-tab", (120, 36), ["n", "2", "3", "right_square_bracket"])
    await shoot("feed-tab", (120, 36), ["n", "n", "2", "3", "right_square_bracket",
                                        "right_square_bracket"])
    # an org without feed and history tracking (most real orgs): History from the run log
    await shoot("history-tab-no-tracking", (120, 36), ["n", "2", "3", "right_square_bracket"],
                feed_history=False)
    await shoot("error-tab", (120, 36), ["n", "3", "left_square_bracket"])
    await shoot("offline", (120, 36), ["j"], offline=True)
    await shoot("small-80x24", (80, 24), ["n"])
    await shoot("two-orgs", (120, 36), ["n"], two_orgs=True)
    # --write: the two newest runs marked, C: the confirm dialog with the exact requests
    await shoot("confirm-dialog", (80, 24), ["space", "j", "space", "C"], write=True)
    # the Work view: every open work item of the org, the second one's flags explained
    await shoot("work-queue-120x36", (120, 36), ["4", "j"])
    await shoot("work-queue-80x24", (80, 24), ["4", "j"])
    # --write: from the Work view, the two longest-held items (inactive and frozen holders)
    # marked, R, Grace Hopper picked: the confirm dialog with the two PATCH requests
    await shoot("work-reassign", (80, 24), ["4", "space", "j", "space", "R", *"grace",
                                             "enter"], write=True)
    # :failures: the clusters view, the demo org's deploy cluster on top
    await shoot("failure-clusters", (120, 36), ["colon", *"failures", "enter"])
    # ?: what the settings cost a day (the API budget), above the keys
    await shoot("help-budget-80x24", (80, 24), ["question_mark"])
    # :versions: the demo org's Contract Renewal, v9 activated mid-month, runs still on v8
    await shoot("version-drift", (80, 24), ["colon", *"versions", "enter"])
    # s s S: the runs sorted on the server by Orchestration, ascending (80x24)
    await shoot("runs-sorted-80x24", (80, 24), ["s", "s", "S"])


if __name__ == "__main__":
    asyncio.run(main())
