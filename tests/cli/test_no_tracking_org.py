"""The headless `show` and `snapshot` on the demo org without Feed/History tracking
(`--demo --no-feed-history`, as most real orgs are), held against the same org with tracking
on: everything but history and feed is the same, and those say plainly that the org has none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.cli.main import main

TRACKED = {"FlowOrchestrationInstanceHistory", "FlowOrchestrationStageInstanceHistory",
           "FlowOrchestrationInstanceFeed", "FlowOrchestrationStageInstanceFeed", "FeedComment"}


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("COLUMNS", "100")


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, argv
    return out


def sections(text: str) -> dict[str, str]:
    """`show`'s blank-line separated sections by their first line's first word."""
    return {block.split("\n", 1)[0].split(":")[0].split()[0]: block
            for block in text.strip("\n").split("\n\n")}


def test_show_without_tracking_is_the_tracked_show_but_for_history_and_feed(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`show` of the failed run: the same run, error, stages, steps, work items and run log
    (with its step and work-item rows) as with tracking on; History and Feed are one line
    each saying the org has no such object, not an error and not an empty heading."""
    without = sections(run_cli(["show", "--demo", "--no-feed-history", "OR-0000293"], capsys))
    tracked = sections(run_cli(["show", "--demo", "OR-0000293"], capsys))
    assert list(without) == list(tracked)
    for name in tracked:
        if name not in ("History", "Feed"):
            assert without[name] == tracked[name], name
    assert without["History"] == "History: this org has no History object for orchestration runs."
    assert without["Feed"] == "Feed: this org has no Feed object for orchestration runs."
    assert len(tracked["History"].splitlines()) > 1 and len(tracked["Feed"].splitlines()) > 1
    log = without["Run"]
    for kind in ("StartInstance", "StartStep", "StartWorkItem", "FailStep", "FailInstance"):
        assert f"  {kind} " in log, kind


def snapshot(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run_cli(["snapshot", "--demo", *argv, "--status", "Error",
                                               "--limit", "5"], capsys))
    return data


def test_snapshot_without_tracking_has_no_tracking_objects_and_replays(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`snapshot` asks no query of objects the org does not have: no history, feed or
    comment records, and every other record exactly as with tracking on. Replayed with
    `--data FILE --no-feed-history`, `show` of a run in it has the live org's run log and no
    history or feed."""
    without = snapshot(["--no-feed-history"], capsys)
    tracked = snapshot([], capsys)
    assert TRACKED <= set(tracked["records"]) and not TRACKED & set(without["records"])
    assert without["records"] == {k: v for k, v in tracked["records"].items()
                                  if k not in TRACKED}
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(without))
    name = without["records"]["FlowOrchestrationInstance"][0]["Name"]
    replay = json.loads(run_cli(["show", "--demo", "--data", str(path), "--no-feed-history",
                                 name, "--format", "json"], capsys))
    live = json.loads(run_cli(["show", "--demo", "--no-feed-history", name, "--format",
                               "json"], capsys))
    assert replay["history"] is None and replay["feed"] is None
    assert replay["log"] and replay["log"] == live["log"]
    assert (replay["status"], replay["error"]) == (live["status"], live["error"])
