"""Golden output of `runs`, `show` and `watch` in every format, on the demo org with a fixed
seed and clock. Regenerate after a deliberate change: UPDATE_GOLDEN=1 pytest tests/cli."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.cli.main import main

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "runs_table": ["runs", "--demo", "--limit", "12"],
    "runs_json": ["runs", "--demo", "--limit", "5", "--format", "json"],
    "runs_jsonl": ["runs", "--demo", "--status", "Error", "--limit", "5", "--format", "jsonl"],
    "runs_csv": ["runs", "--demo", "--since", "24h", "--limit", "8", "--format", "csv"],
    # the statuses real orgs declare that the demo org long lacked
    "runs_later_statuses": ["runs", "--demo", "--status", "NotStarted,discontinued,Suspended",
                            "--limit", "8"],
    "show_table": ["show", "--demo", "OR-0000293"],
    "show_json": ["show", "--demo", "OR-0000293", "--format", "json"],
    "watch_text": ["watch", "--demo", "--count", "4", "--interval", "15"],
    "watch_jsonl": ["watch", "--demo", "--count", "3", "--interval", "15", "--format", "jsonl"],
}
RUN_SHAPE = {"id": str, "name": str, "status": str, "orchestration": (str, type(None)),
             "label": (str, type(None)), "current_stage": (str, type(None)), "created": str,
             "modified": str, "duration_seconds": (int, type(None)), "url": str}


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("COLUMNS", "100")


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(CASES[name], capsys)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out)
    assert out == path.read_text(), f"{name} changed; see {path}"


def check_run(item: dict[str, Any]) -> None:
    assert set(item) >= set(RUN_SHAPE)
    for key, kind in RUN_SHAPE.items():
        assert isinstance(item[key], kind), key  # type: ignore[arg-type]


def test_json_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    runs = json.loads(run_cli(CASES["runs_json"], capsys))
    assert isinstance(runs, list) and len(runs) == 5
    for item in runs:
        check_run(item)
    shown = json.loads(run_cli(CASES["show_json"], capsys))
    check_run(shown)
    assert set(shown) >= {"error", "stages", "log", "history", "feed"}
    assert shown["error"]["message"]
    for stage in shown["stages"]:
        assert {"position", "status", "label", "started", "ended", "url", "steps"} <= set(stage)
        for step in stage["steps"]:
            assert {"status", "type", "work_items", "url"} <= set(step)
    for line in run_cli(CASES["watch_jsonl"], capsys).splitlines():
        event = json.loads(line)
        assert event["event"] in ("poll", "run-started", "run-status", "stage-status",
                                  "work-item-assigned", "work-item-completed")
        if event["event"] == "poll":
            assert set(event) >= {"api_usage", "api_limit", "changes", "health"}


def test_csv_opens_in_the_csv_module(capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run_cli(CASES["runs_csv"], capsys))))
    assert rows and set(rows[0]) == set(RUN_SHAPE)


def test_exit_code_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--demo", "--status", "Error", "--exit-code"]) == 1
    assert main(["runs", "--demo", "--status", "Error", "--text", "no-such-run",
                 "--exit-code"]) == 0
    assert "No runs match" in capsys.readouterr().out


def test_text_filter_takes_underscore_and_percent_literally(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`--text 0000_93` means those seven characters: in SOQL LIKE an unescaped `_` is any one
    character, and the search would also list OR-0000293 and OR-0000193."""
    def names(text: str) -> list[str]:
        assert main(["runs", "--demo", "--text", text, "--limit", "500", "--format", "json"]) == 0
        return [r["name"] for r in json.loads(capsys.readouterr().out)]

    assert names("0000293") == ["OR-0000293"]  # the demo org has the look-alikes
    assert names("0000193") == ["OR-0000193"]
    assert names("0000_93") == []
    assert names("0000%93") == []


def test_table_fits_the_terminal(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli(["runs", "--demo", "--limit", "20"], capsys)
    from flowstage_tui.cli.output import width_of

    assert max(width_of(line) for line in out.splitlines()) <= 80


def test_show_unknown_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--demo", "OR-9999999"]) == 2
    assert "no orchestration run 'OR-9999999'" in capsys.readouterr().err


def test_snapshot_replays_as_demo_data(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    data = run_cli(["snapshot", "--demo", "--status", "Error", "--limit", "5"], capsys)
    path = tmp_path / "incident.json"
    path.write_text(data)
    records = json.loads(data)["records"]
    assert len(records["FlowOrchestrationInstance"]) == 5
    assert {"FlowOrchestrationStageInstance", "FlowOrchestrationLog", "FlowInterview", "User",
            "Organization"} <= set(records)
    replay = json.loads(run_cli(["runs", "--demo", "--data", str(path), "--format", "json"],
                                capsys))
    original = json.loads(run_cli(["runs", "--demo", "--status", "Error", "--limit", "5",
                                   "--format", "json"], capsys))
    assert [r["name"] for r in replay] == [r["name"] for r in original]
    assert [r["status"] for r in replay] == ["Error"] * 5
