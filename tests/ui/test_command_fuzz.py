"""Fuzz of what users type inside the app: the `:` grammar and the `/` filter."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce.queries import LINE_KEYS as RUNS_KEYS
from flowstage_tui.salesforce.queries import RunFilter
from flowstage_tui.ui.commands_registry import parse_runs_args
from flowstage_tui.ui.widgets.command_line import CommandLine

from .conftest import make_app, settle, tab
from .invariants import check_screen

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
VALUES = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"-?[0-9]{1,40}\s*[mhdwMHDWxs]?", fullmatch=True),
    st.sampled_from(["Error", "error,InProgress", "", ",", "Nope", '"', "'", "\\", "%", "_",
                     "[b]x[/b]", "\x1b[31m", "é€✓", "999999999999999999999d", "1e9h"]),
)
WORDS = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from([*RUNS_KEYS, "bogus", ""]), VALUES),
    st.text(max_size=10), st.sampled_from(['"', "'", "=", "==", "status", "orch=\"a b\""]))


@settings(max_examples=600, derandomize=True, deadline=None)
@given(st.lists(WORDS, max_size=6))
def test_any_runs_arguments_give_a_filter_or_one_line_of_why(words: list[str]) -> None:
    line = " ".join(words)
    try:
        flt = parse_runs_args(line, NOW)
    except ValueError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 400
        return
    assert isinstance(flt, RunFilter)
    assert flt.since is None or flt.since <= NOW
    flt.describe(local=True)  # every filter can be shown


COMMANDS = ["runs", "run", "errors", "refresh", "profile", "nosuch", "", "runs status=Error",
            "r", "open", "q!"]


async def test_typed_commands_and_filters_in_the_running_app(
        clock: ManualClock, tmp_path: Path, feed_history: bool) -> None:
    """300 seeded command lines and 100 `/` filters against the live app, on an org with
    Feed/History tracking and on one without: it stays up, the screen holds together, and
    each bad line is one line of notification."""
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True, feed_history=feed_history)
    rng = random.Random(5)
    alphabet = "abcOR-0123456789=\"' ,%_\\[]é✓\x1b\t"
    app = make_app(org, clock, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        for n in range(400):
            junk = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
            if n % 4 == 3:
                tab(app)._set_local_filter(junk)
            else:
                head = rng.choice(COMMANDS)
                line = f"{head} {junk}".strip() if head not in ("q!",) else head
                tab(app).query_one(CommandLine).run_line(line)
            if n % 20 == 0:
                await settle(app, pilot)
                assert app.is_running
                check_screen(app)
        await settle(app, pilot)
        assert app.is_running
        check_screen(app)
