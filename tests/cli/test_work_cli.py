"""`flowstage work` and the runs presets (`--preset stale|expiring`): golden output in every
format on the demo org with a fixed seed and clock, bad input, exit codes. Regenerate after a
deliberate change: UPDATE_GOLDEN=1 pytest tests/cli/test_work_cli.py."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from flowstage_tui.cli.main import main
from flowstage_tui.cli.output import width_of
from flowstage_tui.cli.work import CSV_COLUMNS
from flowstage_tui.emulator.triage_data import FROZEN_NAMES, MEMBERLESS_QUEUE

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "work_table": ["work", "--demo"],
    "work_json": ["work", "--demo", "--flag", "frozen", "--format", "json"],
    "work_jsonl": ["work", "--demo", "--flag", "unresolvable", "--flag", "no-active-member",
                   "--format", "jsonl"],
    "work_csv": ["work", "--demo", "--filter", "held>20d", "--format", "csv"],
    "work_no_manage_users": ["work", "--demo", "--user-perms", "none", "--assignee", "o'brien"],
    "work_nothing_matches": ["work", "--demo", "--filter", "run=no-such-run held<1h"],
    "runs_preset_stale": ["runs", "--demo", "--preset", "stale"],
    "runs_preset_expiring": ["runs", "--demo", "--preset", "expiring", "--format", "json"],
}


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("COLUMNS", "100")


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 0) -> str:
    assert main(argv) == code
    return capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(CASES[name], capsys)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out)
    assert out == path.read_text(), f"{name} changed; see {path}"


def test_json_is_every_open_item_with_its_flags(capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(run_cli(["work", "--demo", "--format", "json"], capsys))
    assert rows and {"id", "label", "flags", "reasons", "held_seconds", "held_since",
                     "held_source", "assignee", "run", "stage", "step", "context",
                     "url"} == set(rows[0])
    flags = {f for r in rows for f in r["flags"]}
    assert flags == {"inactive", "frozen", "unresolvable", "stuck", "no-active-member"}
    held = [r["held_seconds"] for r in rows]
    assert held == sorted(held, reverse=True)
    frozen = {r["assignee"]["name"] for r in rows if "frozen" in r["flags"]}
    assert frozen == set(FROZEN_NAMES)
    (empty,) = [r for r in rows if "no-active-member" in r["flags"]]
    assert empty["assignee"] == {"id": empty["assignee"]["id"], "name": MEMBERLESS_QUEUE,
                                 "kind": "Queue", "member_count": 0}


@pytest.mark.parametrize("word", ["no-active-member", "no-member"])
def test_flag_takes_the_word_the_table_shows(word: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """--flag and flag= take the flag's word and the TUI's short form alike."""
    for argv in (["--flag", word], ["--filter", f"flag={word}"]):
        rows = json.loads(run_cli(["work", "--demo", "--format", "json", *argv], capsys))
        assert [r["assignee"]["name"] for r in rows] == [MEMBERLESS_QUEUE]


def test_csv_opens_in_the_csv_module(capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run_cli(CASES["work_csv"], capsys))))
    assert rows and tuple(rows[0]) == CSV_COLUMNS
    assert all(int(r["held_seconds"]) > 20 * 86400 for r in rows)


def test_table_fits_the_terminal(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli(["work", "--demo"], capsys)
    assert max(width_of(line) for line in out.splitlines()) <= 80


def test_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["work", "--demo", "--flag", "inactive", "--exit-code"]) == 1
    assert main(["work", "--demo", "--filter", "held<1s", "--exit-code"]) == 0
    assert "No open work items match (held<1s)." in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "needle"), [
    (["--filter", "held>soon"], "--filter: 'held>soon' in the work filter: 'soon' is not a "
     "duration"),
    (["--filter", "who=me"], "--filter: 'who=me' in the work filter: unknown word"),
    (["--assignee", " "], "--assignee: empty; give part of a name or an Id"),
    (["--flag", "sleepy"], "argument --flag: invalid choice: 'sleepy'"),
    (["--format", "xml"], "argument --format: invalid choice: 'xml'"),
])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], needle: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["work", "--demo", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err


def test_a_bad_preset_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("runs", "watch", "snapshot"):
        assert main([command, "--demo", "--preset", "old"]) == 2
        err = capsys.readouterr().err.strip()
        assert "argument --preset: invalid choice: 'old'" in err and "\n" not in err


def test_snapshot_and_watch_take_the_presets(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run_cli(["snapshot", "--demo", "--preset", "stale"], capsys))
    runs = data["records"]["FlowOrchestrationInstance"]
    assert sorted(r["Status"] for r in runs) == ["InProgress", "Suspended"]
    events = [json.loads(line) for line in run_cli(
        ["watch", "--demo", "--preset", "expiring", "--count", "1", "--format", "jsonl"],
        capsys).splitlines()]
    assert events[-1]["event"] == "poll" and events[-1]["health"] == "live"


def test_the_profiles_stuck_after_counts(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.demo]\nauth = "demo"\nstuck_after = "30d"\n')
    rows = json.loads(run_cli(["work", "--config", str(config), "--flag", "stuck", "--format",
                               "json"], capsys))
    assert rows and all(r["held_seconds"] > 30 * 86400 for r in rows)
    assert all("longer than 30d" in r["reasons"][-1] for r in rows)
