"""What a user types into the running app: every bad value is one line of notification, the
app stays up, and nothing they type is taken as markup."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.config.store import Profile
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.cache import CachedRuns, load_runs, save_runs, target_of
from flowstage_tui.salesforce.models import OrgInfo
from flowstage_tui.salesforce.queries import RunFilter
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.commands_registry import parse_runs_args
from flowstage_tui.ui.widgets.header import HeaderBar
from flowstage_tui.ui.widgets.runs import RunsTable

from .conftest import engine_of, make_app, settle, tab, type_text

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class Said:
    """Every notification the app shows, as (severity, message)."""

    def __init__(self, app: FlowstageApp) -> None:
        self.items: list[tuple[str, str]] = []
        real = app.notify

        def notify(message: str, **kw: Any) -> None:
            self.items.append((str(kw.get("severity", "information")), message))
            real(message, **kw)

        app.notify = notify  # type: ignore[method-assign]

    def last(self) -> tuple[str, str]:
        return self.items[-1]


async def command(app: FlowstageApp, pilot: Any, line: str) -> None:
    await pilot.press("colon")
    await type_text(app, pilot, line)
    await pilot.press("enter")
    await settle(app, pilot)


@pytest.mark.parametrize("line", [
    "runs since=99999999d",  # was OverflowError: the app closed with exit 0
    "runs since=abc", "runs since=-5h", "runs since=0x10d",
    "runs status=Nope", "runs bogus=1", "runs orch=\"unclosed",
    "runs text=" + "x" * 300, "nosuch", "run",
])
async def test_a_bad_value_typed_on_the_command_line_is_one_line_and_the_app_stays(
        org: DemoOrg, clock: ManualClock, line: str) -> None:
    app = make_app(org, clock)
    said = Said(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        before = tab(app).snapshot.filter
        await command(app, pilot, line)
        assert app.is_running
        severity, message = said.last()
        assert severity in ("error", "warning") and "\n" not in message, message
        assert tab(app).snapshot.filter == before
        assert "Refreshed" not in " ".join(m for _, m in said.items)


def test_quoted_values_and_bare_words_after_a_value_keep_their_spaces() -> None:
    flt = parse_runs_args('orch="Employee Onboarding" text=Loan Application', NOW)
    assert flt.orchestration == "Employee Onboarding" and flt.text == "Loan Application"
    assert parse_runs_args("status=error,InProgress since=2h", NOW) == RunFilter(
        statuses=("Error", "InProgress"), since=datetime(2026, 11, 28, 7, 0, tzinfo=UTC),
        since_age="2h")  # as typed: what a saved view keeps
    assert parse_runs_args("", NOW) == RunFilter()


async def test_a_run_the_org_does_not_have_is_reported_not_found_and_the_filter_stays(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    said = Said(app)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await command(app, pilot, "runs status=Error")
        errors = tab(app).query_one(RunsTable).row_count
        said.items.clear()
        await command(app, pilot, "run OR-9999999")
        await settle(app, pilot)
        messages = [m for _, m in said.items]
        assert any("OR-9999999 not found" in m for m in messages), messages
        assert not any("Refreshed" in m for m in messages)
        assert tab(app).snapshot.filter == RunFilter(statuses=("Error",))
        assert tab(app).query_one(RunsTable).row_count == errors


async def test_a_run_beyond_the_first_page_is_found_by_name_and_by_id(
        clock: ManualClock, feed_history: bool) -> None:
    """Typed names and Ids of runs not loaded, on an org with Feed/History tracking and on one
    without: each is fetched, selected and its stage's details loaded."""
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True, feed_history=feed_history)
    runs = sorted(org.store.table("FlowOrchestrationInstance").rows.values(),
                  key=lambda r: str(r["CreatedDate"]))
    oldest, second = runs[0], runs[1]
    app = make_app(org, clock, page_size=50)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert tab(app).snapshot.run(str(oldest["Id"])) is None  # not on the first page
        await command(app, pilot, f"run {oldest['Name']}")
        await settle(app, pilot)
        assert tab(app).query_one(RunsTable).selected_id == oldest["Id"]
        await command(app, pilot, f"run {str(second['Id'])[:15]}")
        await settle(app, pilot)
        assert tab(app).query_one(RunsTable).selected_id == second["Id"]
        details = tab(app).details
        assert details is not None and details.run_id == second["Id"]
        assert (details.history is None) is (details.feed is None) is (not feed_history)


async def test_ctrl_c_says_how_to_quit_and_does_not_end_the_session(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock, keymap={"quit": "x"})
    said = Said(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        assert said.last()[1] == "Ctrl+C does not quit flowstage: press x or ctrl+q to quit."


async def test_a_local_filter_shows_in_the_runs_title_and_the_header(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", "K", "Y", "C", "enter")
        await pilot.pause()
        pane = tab(app).query_one("#runs-pane")
        assert str(pane.border_subtitle).endswith("· /KYC")
        assert "filter: /KYC" in str(tab(app).query_one(HeaderBar).render())
        await pilot.press("escape")
        await pilot.pause()
        assert "/KYC" not in str(pane.border_subtitle)


async def test_typed_and_org_text_in_titles_and_notifications_is_never_markup(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    said = Said(app)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"[red]x", "enter")
        await pilot.pause()
        assert "[red]x" in str(tab(app).query_one("#runs-pane").border_subtitle).replace("\\", "")
        await command(app, pilot, "runs text=[b]x")
        assert app.is_running and "filter: text=[b]x" in header(app)
        await command(app, pilot, "runs status=[b]x")
        assert said.last()[1].startswith("status: unknown status '[b]x'")


def _org(org_id: str) -> OrgInfo:
    return OrgInfo(org_id=org_id, name="Old Org", instance_url="https://old.my.salesforce.com",
                   api_version="62.0", is_sandbox=False, org_type=None)


def test_a_cache_written_for_what_the_profile_pointed_at_before_is_not_loaded(
        tmp_path: Path, org: DemoOrg) -> None:
    path = tmp_path / "prod.json"
    before = {"auth": "sf-cli", "sf_alias": "prod"}
    runs = demo_runs(org)
    save_runs(path, runs, _org("00D000000000001AAA"), target_of(before))
    assert load_runs(path, target_of(before)).org_id == "00D000000000001AAA"
    assert load_runs(path, target_of({**before, "sf_alias": "uat"})) == CachedRuns()


async def test_cached_runs_of_another_org_go_the_moment_the_org_answers(
        org: DemoOrg, clock: ManualClock) -> None:
    """The profile's sf alias now logs in to another org: its old rows must not stay up under
    the new org's name."""
    old_runs = tuple(replace(r, id=f"0jEOLD{i:09d}AAA", name=f"OLD-{i}")
                     for i, r in enumerate(demo_runs(org)[:5]))
    old = CachedRuns(old_runs, "Old Org", "00D000000000001AAA", "https://old")
    app = make_app(org, clock, cached=old, profile=Profile("p", "demo", {}), autostart=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert tab(app).query_one(RunsTable).row_count == 5 and "Old Org" in header(app)
        poller = tab(app).poller
        assert poller is not None
        poller.start()
        await settle(app, pilot)
        names = [r.name for r in tab(app).snapshot.runs]
        assert names and not any(n.startswith("OLD-") for n in names)
        assert "Old Org" not in header(app) and "Acme Demo Org" in header(app)


def header(app: FlowstageApp) -> str:
    return str(tab(app).query_one(HeaderBar).render())


def demo_runs(org: DemoOrg) -> tuple[Any, ...]:
    from flowstage_tui.engine.sync import SyncEngine

    from ..engine.conftest import quiet_connection

    return SyncEngine(quiet_connection(org)).poll_once().snapshot.runs


async def test_the_re_auth_dialog_for_an_access_token_does_not_contradict_itself(
        org: DemoOrg, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: 'quit, export a fresh one and start flowstage again. When that is done, r
    retries.' — r cannot see a new value of an environment variable."""
    from flowstage_tui.errors import AuthNeeded
    from flowstage_tui.salesforce.auth import build_connection
    from flowstage_tui.ui.screens.dialogs import MessageScreen

    monkeypatch.setenv("OLD_TOKEN", "expired")
    expired = build_connection(Profile("p", "access-token", {
        "auth": "access-token", "instance_url": "https://acme.my.salesforce.com",
        "token_env": "OLD_TOKEN"}))
    assert expired.reauth is not None
    with pytest.raises(AuthNeeded) as refused:
        expired.reauth()
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        engine = engine_of(app)
        assert engine.client is not None

        def refuse() -> object:
            raise refused.value

        engine.client.reauth = refuse  # type: ignore[assignment]
        engine.connection.login = refuse  # type: ignore[assignment]
        org.faults.update(session_expiry_calls=1)
        clock.advance(20)
        tab(app).poll_now()
        await settle(app, pilot)
        assert isinstance(app.screen, MessageScreen)
        body = str(app.screen.body)
        assert "start flowstage again" in body and "OLD_TOKEN" in body
        assert "r retries" not in body and "needs a restart" in body
