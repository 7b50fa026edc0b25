"""The header: at most two lines, never wrapped, the status counts always there, and words
that say what is happening now (waiting, offline, org errors, when it tries again)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from flowstage_tui.cli.tui import build_app
from flowstage_tui.clock import utc_clock
from flowstage_tui.demo import DEMO_PROFILE
from flowstage_tui.emulator.adapter import EmulatorAdapter
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.state import Health, HealthState
from flowstage_tui.salesforce.client import TimeoutSession
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.widgets.header import HeaderBar, freshness

from ..engine.conftest import quiet_connection
from .conftest import make_app, settle, tab

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
COUNTS = {"Error": 27, "InProgress": 35, "Suspended": 8, "Completed": 218, "Canceled": 12}


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Case:
    name: str
    health: Health
    says: str  # what the first line must start to say, at any width
    paused: bool = False
    stale_cache: bool = False


U, L = 14_990, 15_000  # API usage the cases show
CASES = [
    Case("live", Health(HealthState.LIVE, last_success=ago(4), next_poll=later(11),
                        api_used=U, api_limit=L), "updated"),
    Case("live-waiting", Health(HealthState.LIVE, last_success=ago(49), next_poll=ago(34),
                                in_flight_since=ago(34), api_used=U, api_limit=L), "updated"),
    Case("connecting", Health(HealthState.CONNECTING, in_flight_since=ago(12)), "connecting"),
    Case("cached-connecting", Health(HealthState.CONNECTING, in_flight_since=ago(3)),
         "last-known", stale_cache=True),
    Case("paused", Health(HealthState.LIVE, last_success=ago(300)), "⏸", paused=True),
    Case("limit-low", Health(HealthState.LIMIT_LOW, "API usage at 85%: polling every 30s "
                             "instead of 15s.", ago(4), later(26), 12_750, 15_000,
                             interval=30), "updated"),
    Case("limit-exhausted-403", Health(HealthState.LIMIT_EXHAUSTED,
                                       "The org's daily API allowance is used up.", ago(600),
                                       later(300), 15_000, 15_000, failures=1), "API"),
    Case("limit-exhausted-governor", Health(HealthState.LIMIT_EXHAUSTED, "API usage at 96%",
                                            ago(30), None, 14_400, 15_000), "API"),
    Case("offline", Health(HealthState.OFFLINE, "The org cannot be reached.", ago(95),
                           later(20), failures=3, reason="no connection", api_used=U,
                           api_limit=L), "offline"),
    Case("offline-waiting", Health(HealthState.OFFLINE, "x", ago(3600), ago(40), failures=9,
                                   reason="no answer", in_flight_since=ago(38)), "offline"),
    Case("offline-cached", Health(HealthState.OFFLINE, "x", None, later(5), failures=1,
                                  reason="no connection"), "offline", stale_cache=True),
    Case("org-error", Health(HealthState.ORG_ERROR, "x", ago(20), later(9), failures=2,
                             reason="503", api_used=U, api_limit=L), "org errors"),
    Case("org-error-garbage", Health(HealthState.ORG_ERROR, "x", ago(20), later(9),
                                     failures=2, reason="bad answer"), "org errors"),
    Case("reauth", Health(HealthState.REAUTH, "The session expired.", ago(20), later(30)),
         "re-auth"),
    # a failed login in front of an earlier session's runs: say they are old (a new user's
    # trial saw them counting up as if live)
    Case("reauth-cached", Health(HealthState.REAUTH, "Login failed.", None, later(30)),
         "last-known runs", stale_cache=True),
    Case("stale", Health(HealthState.STALE, "The org refused a query (INVALID_FIELD): "
                         "No such column 'Bacon__c' on entity 'FlowOrchestrationInstance'.",
                         ago(75), later(10), failures=1), "stale"),
]


class HeaderOnly(App[None]):
    CSS = "#header { height: auto; max-height: 2; padding: 0 1; }"  # as flowstage.tcss

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")


def screen_lines(bar: HeaderBar) -> list[str]:
    """What the header's rows really show on screen (after Textual laid the text out)."""
    return [strip.text.rstrip() for strip in bar.render_lines(bar.region.reset_offset)]


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 200])
@pytest.mark.parametrize("label", ["DEMO", "PRODUCTION-EMEA-SERVICE-CLOUD"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_header_lines_fit_and_keep_the_counts_in_every_state(
        case: Case, label: str, width: int) -> None:
    """Defect 8: at 80 columns the API-limit text was cut mid-sentence, then wrapped over the
    counts. Every state, every width: each line fits, nothing wraps, the counts stay."""
    app = HeaderOnly()
    async with app.run_test(size=(width, 10)) as pilot:
        bar = app.query_one(HeaderBar)
        bar.render_header(label=label, color="cyan", read_only=True,
                          org="Acme Demo Org (Enterprise Edition, EU)", health=case.health,
                          counts=dict(COUNTS), now=NOW, paused=case.paused,
                          stale_cache=case.stale_cache, filter_text="status=Error",
                          width=width)
        await pilot.pause()
        lines = str(bar.render()).split("\n")
        assert len(lines) <= 2
        assert all(cell_len(line) <= width - 2 for line in lines), lines
        shown = screen_lines(bar)
        assert len(shown) == len(lines)  # no wrapped row pushed a line out of the header
        assert [s.strip() for s in shown] == [line.strip() for line in lines]
        counts_line = lines[-1]
        for n in COUNTS.values():  # full words or glyphs, every count is on screen
            assert str(n) in counts_line
        assert case.says in lines[0]


def text(health: Health, *, paused: bool = False, stale_cache: bool = False,
         short: bool = False) -> str:
    return freshness(health, NOW, paused, stale_cache, short=short).plain


def test_a_request_in_flight_says_waiting_not_retry_in_0s() -> None:
    """Defect 7: while a request hangs, the retry time is in the past; the header said
    'retry in 0s' for 90 s. It says how long it has been waiting for the org."""
    offline = Health(HealthState.OFFLINE, "x", ago(95), ago(30), failures=2,
                     reason="no connection", in_flight_since=ago(34))
    assert "waiting for the org, 34s" in text(offline)
    assert "retry in 0s" not in text(offline) and "retry in 0s" not in text(offline,
                                                                            short=True)
    live = Health(HealthState.LIVE, last_success=ago(49), next_poll=ago(34),
                  in_flight_since=ago(34))
    assert text(live) == "updated 49s ago · waiting for the org, 34s"
    # a normal poll takes under a second or two: no flicker of 'waiting'
    quick = Health(HealthState.LIVE, last_success=ago(15), in_flight_since=ago(1))
    assert text(quick) == "updated 15s ago"
    retrying = Health(HealthState.OFFLINE, "x", ago(95), ago(1), failures=2,
                      reason="no connection", in_flight_since=ago(1))
    assert "retrying" in text(retrying) and "retry in" not in text(retrying)


def test_a_past_retry_time_without_a_request_never_says_retry_in_0s() -> None:
    due = Health(HealthState.OFFLINE, "x", ago(95), ago(3), failures=2, reason="no connection")
    assert "retry in 0s" not in text(due) and "retrying" in text(due)


def test_org_errors_are_not_called_offline() -> None:
    """A 503 or a garbled answer comes from a reachable org: say so, with the status."""
    for reason in ("503", "500", "bad answer"):
        words = text(Health(HealthState.ORG_ERROR, "x", ago(20), later(9), failures=1,
                            reason=reason))
        assert words.startswith(f"org errors ({reason})") and "offline" not in words
    offline = text(Health(HealthState.OFFLINE, "x", ago(20), later(9), failures=1,
                          reason="no connection"))
    assert offline.startswith("offline (no connection)") and "retry in 9s (r now)" in offline


def test_api_allowance_used_up_says_when_it_tries_again() -> None:
    used_up = Health(HealthState.LIMIT_EXHAUSTED, "x", ago(600), later(312), 15_000, 15_000,
                     failures=1)
    assert text(used_up) == "API allowance used up · retry 09:05 (r now)"
    governor = Health(HealthState.LIMIT_EXHAUSTED, "x", ago(30), None, 14_400, 15_000)
    words = text(governor)
    assert words.startswith("API 96% used") and "r polls once" in words
    polled_once = replace(governor, in_flight_since=ago(5))  # the user pressed r
    assert text(polled_once) == "API 96% used · waiting for the org, 5s"
    slowed = Health(HealthState.LIMIT_LOW, "x", ago(4), later(26), 12_750, 15_000,
                    interval=30)
    assert text(slowed) == "updated 4s ago · API 85% used, polling every 30s"


def test_every_state_has_a_short_form_for_80_columns() -> None:
    """With a 12-cell profile badge, every state's short text leaves room for the org at 80
    columns (STALE carries the org's own words, which the header cuts with …)."""
    for case in CASES:
        if case.health.state == HealthState.STALE:
            continue
        short = text(case.health, paused=case.paused, stale_cache=case.stale_cache,
                     short=True)
        assert len(short) <= 52, (case.name, short)


def header(app: FlowstageApp) -> list[str]:
    return str(tab(app).query_one(HeaderBar).render()).split("\n")


async def test_the_header_shows_a_poll_in_flight(org: DemoOrg, clock: ManualClock) -> None:
    """The app tells the header when it sent a poll; a hanging poll reads 'waiting for the
    org, 34s' (on the pinned clock: the org's answer waits at a gate the test opens)."""
    gate = threading.Event()
    conn = quiet_connection(org)

    def session() -> TimeoutSession:
        s = TimeoutSession()
        s.mount("https://", EmulatorAdapter(org, sleep=lambda _s: gate.wait(30)))
        return s

    conn.session_factory = session
    app = build_app(connection=conn, profile=DEMO_PROFILE, rng_seed=0, clock=utc_clock(clock),
                    details_delay=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "updated 0s ago" in header(app)[0]
        org.faults.update(latency_ms=1)  # every call now waits at the gate
        clock.advance(15)
        tab(app).poll_now()
        await pilot.pause()
        clock.advance(34)
        tab(app).render_header()  # what the once-a-second tick does
        try:
            first = header(app)[0]
            assert "waiting for the org, 34s" in first and "retry" not in first
        finally:
            gate.set()
        await settle(app, pilot)
        tab(app).render_header()
        assert "waiting" not in header(app)[0] and "updated 0s ago" in header(app)[0]


@pytest.mark.parametrize("used_share", [1.0, 0.96])
async def test_api_allowance_used_up_at_80_columns(clock: ManualClock,
                                                   used_share: float) -> None:
    """`demo serve --api-limit 60` at 80x24: used up (403 REQUEST_LIMIT_EXCEEDED) or nearly
    (the budget governor stops polling at 95%); the header says so on one line, says when it
    tries again, and the counts stay on the second."""
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True, api_limit=1000)
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        org.api_used = int(org.api_limit * used_share)
        clock.advance(15)
        tab(app).poll_now()
        await settle(app, pilot)
        assert tab(app).health.state == HealthState.LIMIT_EXHAUSTED
        lines = header(app)
        assert len(lines) == 2 and all(len(line) <= 78 for line in lines)
        # the seven status counts fit 80 columns as glyphs and numbers
        assert "✖29" in lines[1] and "✔211" in lines[1]  # 27 + two stuck Error runs
        if used_share == 1.0:
            assert "API allowance used up · retry 09:" in lines[0] and "(r now)" in lines[0]
        else:
            assert "API 96% used" in lines[0] and "r polls once" in lines[0]


def test_freshness_text_is_data_not_markup() -> None:
    """The STALE text carries the org's own message: it must stay literal."""
    odd = Health(HealthState.STALE, "[bold]boom[/bold]", ago(5), later(5), failures=1)
    assert "[bold]boom[/bold]" in text(odd)
