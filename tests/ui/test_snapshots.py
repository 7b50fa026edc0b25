"""Snapshot tests: fixed seed (7), fixed clock (2026-11-28 09:00 UTC), animations off.

Each docstring says what the picture must show. Update after a deliberate UI change with
`pytest tests/ui/test_snapshots.py --snapshot-update`, then look at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import FlowstageApp

from .conftest import make_app, settle, tab

SnapCompare = Callable[..., bool]


def fixed_app(**org_kw: Any) -> tuple[FlowstageApp, DemoOrg, ManualClock]:
    clock = ManualClock(sf_to_ms("2026-11-28T09:00:00Z") / 1000)
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True, **org_kw)
    return make_app(org, clock), org, clock


def keys(*pressed: str) -> Callable[[Any], Awaitable[None]]:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await settle(app, pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(app, pilot)

    return run_before


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
def test_errored_run_selected(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The runs list with the first errored run (OR-0000293, Employee Onboarding) highlighted
    after `n`; the header shows DEMO, [RO], Acme Demo Org, API usage, 'updated 0s ago' and
    the counts 27 Error · 33 InProgress · 8 Suspended · 3 NotStarted · 211 Completed ·
    6 Discontinued · 12 Canceled (as glyphs and numbers at 80x24); the runs columns fill the
    pane (names cut with … only at 80x24); the stages pane shows its five stages: Prepare
    Paperwork failed (✖ and ◀), the four after it NotStarted (· and '—'); the steps pane
    shows Create HR Record in Error and Sign Contract Discontinued (as glyphs in the
    half-width pane at 120x36, as words at 80x24, where the pane is full width but has no
    room for Type), held by Katherine Johnson, the whole name, Held 'done'; the work item's
    context record, the Contact Chloé Dubois, under the steps at 120x36 (with its URL), on
    the Detail pane's border at 80x24."""
    app, _, _ = fixed_app()
    assert snap_compare(app, terminal_size=size, run_before=keys("n"))


def test_history_tab(snap_compare: SnapCompare) -> None:
    """The History tab of the failed stage: 'history' rows (stage created, Status
    NotStarted → InProgress as it started, InProgress → Error) and 'run log' rows
    (StartInstance … FailInstance) on one timeline; the 'history' label cyan, the 'run log'
    label purple (the theme's blue), only the Fail… milestones red."""
    app, _, _ = fixed_app()
    assert snap_compare(app, terminal_size=(120, 36),
                        run_before=keys("n", "3", "right_square_bracket"))


def test_feed_tab(snap_compare: SnapCompare) -> None:
    """The Feed tab of the second errored run (OR-0000290): the tracked status changes, then
    Margaret Hamilton's link post (the runbook URL) with its comments indented under it, one
    of them '[link=…]not a link[/link]' shown literally, not as markup."""
    app, _, _ = fixed_app()
    assert snap_compare(app, terminal_size=(120, 36),
                        run_before=keys("n", "n", "3", "right_square_bracket",
                                        "right_square_bracket"))


def test_error_tab(snap_compare: SnapCompare) -> None:
    """The Error tab: 'OR-0000293 failed at stage Prepare Paperwork, step Create HR Record',
    the UNABLE_TO_LOCK_ROW error text, and the time left in the 14-day resume window with
    the moment it closes."""
    app, _, _ = fixed_app()
    assert snap_compare(app, terminal_size=(120, 36),
                        run_before=keys("n", "3", "left_square_bracket"))


def test_offline(snap_compare: SnapCompare) -> None:
    """The header in red: 'offline (no connection) · stale 1m · retry in …s (r now)'; the
    runs list still shows the last good data."""
    app, org, clock = fixed_app()

    async def run_before(pilot: Any) -> None:
        await settle(app, pilot)
        org.faults.update(offline=True)
        clock.advance(95)
        tab(app).poll_now()
        await settle(app, pilot)
        # the once-a-second tick re-times the ages on the pinned clock; run it here so the
        # picture does not depend on whether a real second passed
        tab(app)._tick()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_help(snap_compare: SnapCompare) -> None:
    """The help screen over the app: the panes' paragraph, the API budget (polling every 5s
    ≈ 17,568 calls/day, its share of the demo org's 100,000, what it is made of and the
    governor's 80%/95% thresholds), every key with its description and binding id, then the
    command-line commands."""
    app, _, _ = fixed_app()
    assert snap_compare(app, terminal_size=(120, 36), run_before=keys("question_mark"))


def test_no_feed_history_org(snap_compare: SnapCompare) -> None:
    """An org without Feed/History objects: the History tab says so in yellow and still lists
    the run-log milestones, their 'run log' label purple, not red; at 80x24 the focused
    detail pane has most of the height, the runs pane keeps the selected run (OR-0000293) in
    view."""
    app, _, _ = fixed_app(feed_history=False)
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=keys("n", "3", "right_square_bracket"))


def test_statuses_real_orgs_declare(snap_compare: SnapCompare) -> None:
    """The runs filtered to status=NotStarted,Discontinued,Suspended: rows with · NotStarted
    (dim italic), ↷ Discontinued (blue, whole: the Status column takes its 14 cells) and
    ⏸ Suspended (yellow), no "?" and no unknown word; the header's counts name all seven
    statuses (3 NotStarted, 6 Discontinued, 8 Suspended among them), the runs pane's border
    the filter. OR-0000139 (Vendor Onboarding) is selected: its stages Completed, Suspended
    (selected), then two NotStarted with no times ('—'); the steps pane shows the suspended
    stage's steps Suspended, and under them the work item's context record: 'Context Oceanic
    Air · Account' and its Lightning URL, cut with … at the pane's edge."""
    from flowstage_tui.salesforce.queries import RunFilter

    app, _, _ = fixed_app()

    async def run_before(pilot: Any) -> None:
        await settle(app, pilot)
        tab(app).set_server_filter(RunFilter(statuses=("NotStarted", "Discontinued", "Suspended")))
        await settle(app, pilot)
        assert tab(app).select_run("OR-0000139")
        await settle(app, pilot)
        tab(app)._tick()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
def test_two_orgs_in_tabs(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Two orgs open: a tab bar on the top line with ' 1 PROD RO ' (in front, reversed) and
    ' 2 UAT RW ✖n' (its runs in Error), each label in its profile's colour, 'offline' on UAT
    (its org unreachable since the last poll). Below it the PROD org as one tab shows it:
    header [RO], its runs (seed 7), stages and steps; the UAT org is another demo org (seed
    11) that is not drawn. The tab bar takes one line at 80x24 too."""
    from flowstage_tui.config.store import Profile

    from .conftest import make_tabs

    clock = ManualClock(sf_to_ms("2026-11-28T09:00:00Z") / 1000)
    prod = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    uat = DemoOrg(seed=11, runs=90, clock=clock, frozen=True)
    app = make_tabs([
        (prod, Profile("prod", "prod", {"auth": "demo", "label": "PROD", "color": "red",
                                        "read_only": True})),
        (uat, Profile("uat", "uat", {"auth": "demo", "label": "UAT", "color": "green",
                                     "read_only": False}))], clock)

    async def run_before(pilot: Any) -> None:
        await settle(app, pilot)
        uat.faults.update(offline=True)
        back = next(s for s in app.triage_screens() if s.org.profile.name == "uat")
        back.poll_now(manual=True)
        await settle(app, pilot)
        tab(app)._tick()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_no_feed_history_org_feed_tab(snap_compare: SnapCompare) -> None:
    """The Feed tab of the same org without Feed/History objects at 80x24: one italic
    sentence in the History note's orange-yellow, 'This org has no Feed object for
    orchestration runs or stages (feed tracking is off): there are no posts to show.',
    wrapped whole inside the focused detail pane; no error text; the runs pane keeps the
    selected run (OR-0000293) in view."""
    app, _, _ = fixed_app(feed_history=False)
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=keys("n", "3", "right_square_bracket",
                                        "right_square_bracket"))


def test_confirm_dialog(snap_compare: SnapCompare) -> None:
    """A writable tab (as --write makes it) at 80x24 with the two newest runs marked and C pressed:
    the confirm dialog over the runs; its title ' DEMO ' reversed in the profile's colour,
    then 'Cancel 2 runs?' and '· Acme Demo Org' plain; first the two runs by name, '•
    OR-0000300 …' and '• OR-0000299 …' with their orchestration labels, then under 'Will
    send exactly:' the two requests whole (wrapped, never cut), each 'PATCH' in bold then
    /services/data/v66.0/sobjects/FlowOrchestrationInstance/<Id> {"Status": "Canceled"}
    (OR-0000300's and OR-0000299's), then how they travel, dim: '2 records, 1 API call: 1
    /composite call (up to 25 each, allOrNone=false: …); never retried.'; 'This writes 2
    records: type 2 to send.' above the focused one-line input; the No and Send buttons on
    one line (Send disabled) and the hint 'type 2 then Enter to send · Esc: No'. No toast
    covers it. Behind it the runs pane's title says '1 Runs · 2 marked' and its first column
    '+' on both marked rows; the key bar has C Cancel and D Delete."""
    clock = ManualClock(sf_to_ms("2026-11-28T09:00:00Z") / 1000)
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    app = make_app(org, clock, read_only=False)
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=keys("space", "j", "space", "C"))


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
def test_work_queue(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The Work view after `4`, space and `j`: the header's second line counts the flags (⚑ 1
    inactive · 8 frozen · 1 unresolvable · … stuck>24h · 1 no-active-member); the pane
    titled '4 Work · 1 marked' over the runs, stages and detail panes lists every open work
    item of the org longest held first (Linus Pauling 'inactive stuck' 44d23h on top,
    marked: '+' in the one-cell first column, blank on the other rows), flags as words
    ('inactive stuck', 'frozen stuck', 'unresolvable stuck', 'no-active-member stuck' at
    120x36; at 80x24 the short words 'inact', 'unres', 'no-member' only for the flags that
    do not fit), queues with their active members ('Vendor Management… (queue 0)', 'Deal
    Desk (queue 3)'); at 120x36 the Orchestration and Stage columns too, at 80x24 only
    Flags, Assignee, Held, Item and Run, no cell cut mid-word without …; the subtitle '…
    open items · longest held first'; the second row (Tim O'Brien's Sign Contract)
    highlighted and explained in the 'Work item' pane below: '⚑ Tim O'Brien is frozen
    (UserLogin.IsFrozen)', '⚑ held 38d 2h, longer than 24h …', 'Held 38d02h since assigned
    (ElapsedTimeSinceAsgntInSec)', the holder, item, run OR-0000302 Employee Onboarding, its
    stage and step; the key bar: Open run, Back, Group, Filter (and Copy at 120x36)."""
    app, _, _ = fixed_app()
    assert snap_compare(app, terminal_size=size, run_before=keys("4", "space", "j"))


def test_failure_clusters_view(snap_compare: SnapCompare) -> None:
    """`:failures` over the triage screen at 120x36: the bordered 'Failure clusters' view, its
    first line '26 clusters of 29 Error runs, biggest first · Enter: … · Esc: close', the
    table (FINGERPRINT, RUNS, RESUMABLE, LAST SEEN, ERROR AND WHERE) with the demo org's deploy
    cluster highlighted on top (ad654ad83383, 3 runs, 3 resumable, 'UNABLE_TO_LOCK_ROW in
    Account_Setup / Create_Billing_Account'), a flat sparkline (none of its runs failed in the
    last 24 hours), and under it 'Customer_Onboarding_EMEA v3 · Account_Setup /
    Create_Billing_Account', first and last seen, '3 resumable', and the newest run's locked-row
    message in full."""
    app, _, _ = fixed_app()
    assert snap_compare(app, terminal_size=(120, 36),
                        run_before=keys("colon", *"failures", "enter"))


def test_version_drift_view(snap_compare: SnapCompare) -> None:
    """`:versions` over the triage screen at 80x24: the bordered 'Version drift' view, its
    first line '2 unfinished runs on older versions of 1 orchestration · Enter: … · Esc:
    close', the table (ORCHESTRATION, ACTIVE, OLDER, INPROG, SUSP, ERROR, OLDEST) with
    'Contract Renewal v9 v8 1 0 1 45d00h' highlighted on top and the six other orchestrations
    under it with '—' for OLDER, every column inside 80 cells; and under it 'Contract Renewal
    (Contract_Renewal) · active v9 · 9 unfinished on it', 'v8: 2 runs (1 InProgress, 0
    Suspended, 1 Error) · oldest started …' and 'Current stages not seen on the active
    version: Manual_Provisioning'."""
    app, _, _ = fixed_app()
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=keys("colon", *"versions", "enter"))


def test_runs_sorted_by_orchestration_without_took(snap_compare: SnapCompare) -> None:
    """After `s s` (Started → Modified → Orchestration) and `S`, the Runs pane sorted by
    Orchestration ascending on the server: the Case Escalation runs first (the label
    earliest A→Z), ties by Id (OR-0000003, OR-0000004, …, oldest first); its bottom border
    says '200+ · by Orchestration ↑ · all runs'. `:columns -Took` hid the Took column: the
    other columns (Status, Orchestration, Run, Stage, Started, Age) share the width, and a
    toast lists the columns with Took as '-Took'."""
    app, _, _ = fixed_app()
    # settled after every key: each sort is a reload on the API thread, and the picture must
    # not depend on how many of them a loaded machine let finish between the presses
    assert snap_compare(app, terminal_size=(120, 36), run_before=keys(
        "s", "s", "S", "colon", *"columns -Took", "enter", "escape"))
