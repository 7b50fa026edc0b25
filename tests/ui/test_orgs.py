"""Several orgs at once: one tab per org, each with its own API thread, health and dialogs."""

from __future__ import annotations

from datetime import UTC, datetime

from flowstage_tui.config.store import Profile
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.triage_data import STUCK_RUNS
from flowstage_tui.engine.state import HealthState
from flowstage_tui.errors import AuthNeeded
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.config import OrgConfig
from flowstage_tui.ui.screens.dialogs import MessageScreen
from flowstage_tui.ui.widgets.header import HeaderBar
from flowstage_tui.ui.widgets.org_tabs import OrgTabs
from flowstage_tui.ui.widgets.runs import RunsTable

from ..engine.conftest import quiet_connection
from .conftest import engine_of, make_app, make_tabs, settle, tab

PROD = Profile("prod", "prod", {"auth": "demo", "label": "PROD", "color": "red",
                                "read_only": True})
UAT = Profile("uat", "uat", {"auth": "demo", "label": "UAT", "color": "green",
                             "read_only": False})


def two_orgs(clock: ManualClock) -> tuple[DemoOrg, DemoOrg]:
    return (DemoOrg(seed=7, runs=120, clock=clock, frozen=True),
            DemoOrg(seed=11, runs=80, clock=clock, frozen=True))


def header(app: FlowstageApp) -> str:
    return str(tab(app).query_one(HeaderBar).render())


def tabs_line(app: FlowstageApp) -> str:
    return str(tab(app).query_one(OrgTabs).render())


async def test_one_org_has_no_tab_bar(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not tab(app).query_one(OrgTabs).display  # 80x24 keeps its rows


async def test_two_tabs_switch_with_braces_and_each_shows_its_own_org(
        clock: ManualClock) -> None:
    prod, uat = two_orgs(clock)
    app = make_tabs([(prod, PROD), (uat, UAT)], clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        bar = tab(app).query_one(OrgTabs)
        assert bar.display and bar.size.height == 1
        assert "PROD" in tabs_line(app) and "UAT" in tabs_line(app)
        assert "PROD" in header(app) and "[RO]" in header(app)
        assert tab(app).query_one(RunsTable).row_count == 120 + STUCK_RUNS
        await pilot.press("right_curly_bracket")
        await settle(app, pilot)
        assert "UAT" in header(app) and "[RW]" in header(app)
        assert tab(app).query_one(RunsTable).row_count == 80 + STUCK_RUNS
        assert {r.name for r in tab(app).snapshot.runs} != {
            r.name for r in next(s for s in app.triage_screens() if s is not tab(app))
            .snapshot.runs}
        await pilot.press("left_curly_bracket")
        await settle(app, pilot)
        assert "PROD" in header(app)
        await pilot.press("left_curly_bracket")  # wraps round
        await settle(app, pilot)
        assert "UAT" in header(app)


async def test_an_org_offline_leaves_the_other_live(clock: ManualClock) -> None:
    prod, uat = two_orgs(clock)
    app = make_tabs([(prod, PROD), (uat, UAT)], clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        uat.faults.update(offline=True)
        screens = {s.org.profile.name: s for s in app.triage_screens()}
        clock.advance(30)
        screens["uat"].poll_now(manual=True)
        screens["prod"].poll_now(manual=True)
        await settle(app, pilot)
        assert screens["uat"].health.state == HealthState.OFFLINE
        assert screens["prod"].health.state == HealthState.LIVE
        assert "offline" in tabs_line(app) and "PROD" in header(app)
        assert "offline" not in header(app)  # the tab in front is fine
        assert screens["uat"].query_one(RunsTable).row_count == 80 + STUCK_RUNS  # kept on screen


async def test_a_background_tab_that_needs_reauth_shows_a_badge_not_a_dialog(
        clock: ManualClock) -> None:
    prod, uat = two_orgs(clock)
    app = make_tabs([(prod, PROD), (uat, UAT)], clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        background = next(s for s in app.triage_screens() if s.org.profile.name == "uat")
        poller = background.poller
        assert poller is not None and poller.engine is not None
        engine = poller.engine

        def refuse() -> object:
            raise AuthNeeded("The sf CLI has no login for 'uat'.",
                             command="sf org login web --alias uat")

        assert engine.client is not None
        engine.client.reauth = refuse  # type: ignore[assignment]
        engine.connection.login = refuse  # type: ignore[assignment]
        uat.faults.update(session_expiry_calls=1)
        clock.advance(30)
        background.poll_now(manual=True)
        await settle(app, pilot)
        assert background.health.state == HealthState.REAUTH
        assert not isinstance(app.screen, MessageScreen)  # the front tab is not interrupted
        assert "re-auth" in tabs_line(app)
        await pilot.press("right_curly_bracket")
        await settle(app, pilot)
        assert isinstance(app.screen, MessageScreen)  # in front now: how to log in again
        assert "sf org login web --alias uat" in str(app.screen.body)


async def test_open_and_profile_commands_add_and_find_tabs(clock: ManualClock) -> None:
    prod, uat = two_orgs(clock)
    opened: list[str] = []
    aware = lambda: datetime.fromtimestamp(clock(), UTC)  # noqa: E731

    def opener(name: str) -> OrgConfig:
        opened.append(name)
        return OrgConfig(profile=UAT, connection=quiet_connection(uat), clock=aware,
                         rng_seed=0, details_delay=0)

    app = make_tabs([(prod, PROD)], clock, profiles=("prod", "uat"), opener=opener)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"open uat", "enter")
        await settle(app, pilot)
        assert opened == ["uat"] and "UAT" in header(app)
        assert tab(app).query_one(OrgTabs).display
        await pilot.press("colon", *"profile prod", "enter")
        await settle(app, pilot)
        assert "PROD" in header(app) and opened == ["uat"]  # found, not opened again
        await pilot.press("colon", *"profile uat", "enter")
        await settle(app, pilot)
        assert "UAT" in header(app) and opened == ["uat"]
        await pilot.press("colon", *"close", "enter")
        await settle(app, pilot)
        assert "PROD" in header(app) and len(app.triage_screens()) == 1
        assert not tab(app).query_one(OrgTabs).display


async def test_a_background_tab_polls_slower(clock: ManualClock) -> None:
    prod, uat = two_orgs(clock)
    app = make_tabs([(prod, PROD), (uat, UAT)], clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        front, back = (next(s for s in app.triage_screens() if s.org.profile.name == n)
                       for n in ("prod", "uat"))
        for screen in (front, back):
            screen.poll_now()
        await settle(app, pilot)
        assert engine_of(front).next_delay() == front.org.interval
        assert engine_of(back).next_delay() == 4 * back.org.interval
        await pilot.press("right_curly_bracket")
        await settle(app, pilot)
        assert engine_of(back).next_delay() == back.org.interval


async def test_tabs_on_one_org_share_its_budget(clock: ManualClock) -> None:
    prod, _ = two_orgs(clock)
    app = make_tabs([(prod, PROD), (prod, UAT)], clock, budget_keys=("acme", "acme"))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        a, b = (engine_of(s) for s in app.triage_screens())
        assert a.governor is b.governor
    other = make_tabs([(prod, PROD), (prod, UAT)], clock)
    async with other.run_test(size=(120, 36)) as pilot:
        await settle(other, pilot)
        a, b = (engine_of(s) for s in other.triage_screens())
        assert a.governor is not b.governor
