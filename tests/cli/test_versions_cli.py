"""`flowstage versions`: golden output in every format on the demo org with a fixed seed and
clock (Contract_Renewal's v9 activated mid-month, runs still on v8), one orchestration, bad
input, an org that cannot say which version is active, an unreachable org. Regenerate after a
deliberate change: UPDATE_GOLDEN=1 pytest tests/cli/test_versions_cli.py."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowstage_tui.cli.main import main
from flowstage_tui.cli.output import width_of
from flowstage_tui.cli.versions import CSV_COLUMNS, write_table
from flowstage_tui.emulator.demo_data import DRIFT_ORCHESTRATION
from flowstage_tui.salesforce.versions import ActiveVersion, OpenRun, build_report

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "versions_table": ["versions", "--demo"],
    "versions_json": ["versions", "--demo", "--format", "json"],
    "versions_jsonl": ["versions", "--demo", "--orchestration", "renewal", "--format", "jsonl"],
    "versions_csv": ["versions", "--demo", "--format", "csv"],
    "versions_one": ["versions", "--demo", "--orchestration", "Employee_Onboarding"],
}


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("COLUMNS", "80")


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


def test_the_demo_drift(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo org's mid-month activation: runs started before it are still on v8, one of
    them in a stage no v9 run has been in; every other orchestration has no drift."""
    recs = json.loads(run_cli(["versions", "--demo", "--format", "json"], capsys))
    (drift,) = [r for r in recs if r["older"]]
    assert drift["orchestration"] == DRIFT_ORCHESTRATION and drift["active_version"] == 9
    (v8,) = drift["older"]
    assert v8["version"] == 8 and v8["runs"] == v8["in_progress"] + v8["suspended"] + v8["error"]
    assert v8["runs"] == len(v8["run_ids"]) >= 2
    assert v8["not_seen_on_active_version"] == ["Manual_Provisioning"]
    assert v8["oldest_age_seconds"] >= 15 * 86400  # started before the activation
    assert all(r["active_version"] is not None for r in recs)


def test_csv_opens_in_the_csv_module(capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run_cli(["versions", "--demo", "--format", "csv"],
                                                   capsys))))
    assert rows and tuple(rows[0]) == CSV_COLUMNS and len(rows) == 7


def test_table_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(["versions", "--demo"], capsys)
    assert all(width_of(line) <= 80 for line in out.splitlines())


def test_an_org_that_cannot_say_which_version_is_active() -> None:
    """Pre-v62 (no FlowOrchestration.ActiveVersionId): said in one line; nothing called older."""
    now = datetime(2026, 11, 28, 9, tzinfo=UTC)
    runs = [OpenRun("0jE1", "Onb", "Error", now - timedelta(days=3), 6),
            OpenRun("0jE2", "Onb", "InProgress", now - timedelta(days=1), 7)]
    report = build_report([], runs, [], now, missing=["FlowOrchestration.ActiveVersionId"])
    buf = io.StringIO()
    write_table(report, list(report.orchestrations), buf)
    lines = buf.getvalue().splitlines()
    assert "ActiveVersionId needs API v62" in lines[0]
    assert "older" not in buf.getvalue().split("\n", 1)[1]
    assert lines[-1].split() == ["Onb", "?", "2"]


def test_hostile_labels_are_shown_as_text() -> None:
    now = datetime(2026, 11, 28, 9, tzinfo=UTC)
    report = build_report([ActiveVersion("X", "\x1b[31m[bold]evil", None, 2)],
                          [OpenRun("0jE1", "X", "Error", now, 1, None, "St\x07age")], [], now)
    buf = io.StringIO()
    write_table(report, list(report.orchestrations), buf)
    assert "\x1b" not in buf.getvalue() and "\x07" not in buf.getvalue()
    assert "[bold]evil" in buf.getvalue()


@pytest.mark.parametrize(("argv", "needle"), [
    (["--orchestration", " "], "--orchestration: empty"),
    (["--orchestration", "No_Such"], "--orchestration: no orchestration of this org is named"),
    (["--format", "xml"], "argument --format: invalid choice: 'xml'"),
])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], needle: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["versions", "--demo", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err


def test_an_unreachable_org_is_one_line_and_exit_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "config.toml"
    config.write_text('default_profile = "sandbox"\n[profiles.sandbox]\nauth = "password"\n'
                      f'login_url = "http://127.0.0.1:{port}"\n'
                      'username = "admin@flowstage-demo.example"\npassword_env = "T_PW"\n'
                      'security_token_env = "T_TOKEN"\n')
    monkeypatch.setenv("T_PW", "pw")
    monkeypatch.setenv("T_TOKEN", "token")
    assert main(["versions", "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "cannot be reached" in err
