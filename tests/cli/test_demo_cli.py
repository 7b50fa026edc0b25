"""`flowstage demo ...`: serve, dump and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from flowstage_tui.cli.main import main

FLOWSTAGE = [sys.executable, "-m", "flowstage_tui"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("flowstage 0.")


def test_dump_is_deterministic_and_loadable(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    args = ["demo", "dump", "--seed", "4", "--runs", "12", "--at", "2026-11-28T09:00:00Z"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    data = json.loads(first)
    assert len(data["records"]["FlowOrchestrationInstance"]) == 12
    run = data["records"]["FlowOrchestrationInstance"][0]
    assert run["CreatedDate"].endswith("+0000") and "Status" in run
    path = tmp_path / "org.json"
    path.write_text(first)
    assert main(["demo", "dump", "--data", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == data


@pytest.mark.parametrize(("args", "needle"), [
    (["demo", "serve", "--port", "abc"], "--port: expected a whole number"),
    (["demo", "serve", "--error-rate", "2"], "expected a number from 0 to 1"),
    (["demo", "serve", "--commit-lag", "-1"],
     "--commit-lag: expected a number of seconds from 0 to 3,600, got '-1'"),
    (["demo", "serve", "--commit-lag", "soon"], "--commit-lag: expected a number of seconds"),
    (["demo", "serve", "--clock-skew", "90000"],
     "--clock-skew: expected a number of seconds from -86,400 to 86,400, got '90000'"),
    (["demo", "serve", "--clock-skew", "nan"], "--clock-skew: expected a number of seconds"),
    (["demo", "serve", "--query-batch-size", "0"],
     "--query-batch-size: expected a whole number from 1 to 2,000, got '0'"),
    (["demo", "serve", "--subrequest-error-rate", "1.5"],
     "--subrequest-error-rate: expected a number from 0 to 1, got '1.5'"),
    (["demo", "dump", "--at", "yesterday"], "is not an ISO-8601 date-time"),
    (["demo", "dump", "--data", "/no/such/file.json"], "cannot read /no/such/file.json"),
    (["demo", "frobnicate"], "invalid choice"),
    (["nonsense"], "no profile named 'nonsense'"),
    (["--demo", "--refresh", "-1"], "--refresh: expected at least 5 seconds, got '-1'"),
    (["--demo", "--refresh", "soon"], "--refresh: expected seconds, got 'soon'"),
    (["runs", "--demo", "--limit", "0"], "--limit: expected 1 or more, got '0'"),
])
def test_bad_input_is_one_clear_line_and_exit_2(args: list[str], needle: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err


def test_serve_options_set_the_timing_knobs() -> None:
    """`demo serve --commit-lag 5 --clock-skew -30 ...` builds the org they describe: its
    clock 30 s behind this one from the start (its generated history too)."""
    from flowstage_tui.cli.main import demo_parser
    from flowstage_tui.demo import build_demo_org
    from flowstage_tui.emulator.clock import ManualClock

    args = demo_parser().parse_args(["serve", "--runs", "5", "--commit-lag", "5",
                                     "--clock-skew", "-30", "--query-batch-size", "250",
                                     "--subrequest-error-rate", "0.25"])
    clock = ManualClock(1_800_000_000)
    org = build_demo_org(args, clock)
    assert (org.faults.commit_lag_seconds, org.faults.clock_skew_seconds,
            org.faults.query_batch_size, org.faults.subrequest_error_rate) == (5, -30, 250, 0.25)
    assert org.now_ms() == 1_800_000_000_000 - 30_000
    newest = max(r["CreatedDate"] for r in org.store.table("FlowOrchestrationInstance")
                 .rows.values())
    assert newest <= org.now_ms()


def test_serve_help_lists_the_timing_knobs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--commit-lag S", "--clock-skew S", "--query-batch-size N",
                   "--subrequest-error-rate P"):
        assert option in out


def test_bad_data_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["demo", "dump", "--data", str(bad)]) == 2
    assert "is not valid JSON (line 1" in capsys.readouterr().err


def test_serve_prints_url_and_token_and_answers_curl_style_requests() -> None:
    proc = subprocess.Popen([*FLOWSTAGE, "demo", "serve", "--token", "tok", "--runs", "20",
                             "--frozen"], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        lines = {}
        deadline = time.monotonic() + 30
        while "access token" not in lines and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if ":" in line:
                key, _, value = line.partition(":")
                lines[key.strip()] = value.strip()
        url = lines["instance URL"]
        assert url.startswith("http://127.0.0.1:") and lines["access token"] == "tok"
        resp = requests.get(f"{url}/services/data/v66.0/query",
                            params={"q": "SELECT Name FROM FlowOrchestrationInstance"},
                            headers={"Authorization": "Bearer tok"}, timeout=10)
        assert resp.status_code == 200 and resp.json()["totalSize"] == 20
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize("argv", [["--help"], ["--demo", "--status", "Error", "-h"]])
def test_help_anywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "flowstage runs" in out and "--exit-code" in out and "JSON output" in out
