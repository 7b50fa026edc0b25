"""`flowstage failures`: golden output in every format on the demo org with a fixed seed and
clock (its deploy cluster first), `--cluster`, bad input, an unreachable org. Regenerate after a
deliberate change: UPDATE_GOLDEN=1 pytest tests/cli/test_failures_cli.py."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
from pathlib import Path

import pytest

from flowstage_tui.cli.failures import CSV_COLUMNS
from flowstage_tui.cli.main import main
from flowstage_tui.cli.output import width_of
from flowstage_tui.emulator.demo_data import DEPLOYED_STEP

GOLDEN = Path(__file__).parent / "golden"
DEPLOY_CLUSTER = "ad654ad83383"  # UNABLE_TO_LOCK_ROW in Account_Setup / Create_Billing_Account
CASES = {
    "failures_table": ["failures", "--demo", "--since", "14d"],
    "failures_json": ["failures", "--demo", "--orchestration", "Customer_Onboarding",
                      "--format", "json"],
    "failures_jsonl": ["failures", "--demo", "--since", "2d", "--format", "jsonl"],
    "failures_csv": ["failures", "--demo", "--since", "7d", "--format", "csv"],
    "failures_cluster_runs": ["failures", "--demo", "--cluster", DEPLOY_CLUSTER[:6]],
    "failures_cluster_runs_json": ["failures", "--demo", "--cluster", DEPLOY_CLUSTER,
                                   "--format", "json"],
    "failures_nothing": ["failures", "--demo", "--orchestration", "No_Such_Orchestration"],
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


def test_the_deploy_is_the_biggest_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo org's deploy: runs failing on locked rows of different Accounts are one
    cluster, every member's text naming its own record."""
    clusters = json.loads(run_cli(["failures", "--demo", "--format", "json"], capsys))
    assert sum(c["count"] for c in clusters) == 29  # every Error run of the demo org, once
    top = clusters[0]
    assert top["fingerprint"] == DEPLOY_CLUSTER and top["count"] >= 3
    assert top["codes"] == ["UNABLE_TO_LOCK_ROW"] and top["step"] == DEPLOYED_STEP
    assert "<id>" in top["normalised"] and len(top["per_hour"]) == 24
    runs = json.loads(run_cli(["failures", "--demo", "--cluster", DEPLOY_CLUSTER, "--format",
                               "json"], capsys))
    assert sorted(r["id"] for r in runs) == sorted(top["run_ids"])
    assert {r["status"] for r in runs} == {"Error"}


def test_csv_opens_in_the_csv_module(capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run_cli(["failures", "--demo", "--format", "csv"],
                                                   capsys))))
    assert rows and tuple(rows[0]) == CSV_COLUMNS
    assert all(len(r["per_hour"].split()) == 24 for r in rows)


def test_table_fits_the_terminal_but_the_message(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line but the representative messages (shown in full) fits 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli(["failures", "--demo", "--since", "3d"], capsys)
    assert all(width_of(line) <= 80 for line in out.splitlines() if not line.startswith("    "))


@pytest.mark.parametrize(("argv", "needle"), [
    (["--since", "soon"], "--since: 'soon' is not an age"),
    (["--orchestration", " "], "--orchestration: empty"),
    (["--cluster", "xyz"], "--cluster: 'xyz' is not a fingerprint"),
    (["--cluster", "ffff0000"], "--cluster: no cluster of these failures starts with"),
    (["--format", "xml"], "argument --format: invalid choice: 'xml'"),
])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], needle: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["failures", "--demo", *argv]) == 2
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
    assert main(["failures", "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "cannot be reached" in err


def test_ascii_sparkline(capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_ASCII", "1")
    out = run_cli(["failures", "--demo", "--since", "1d"], capsys)
    bars = [line for line in out.splitlines() if line.startswith("  last 24h |")]
    assert bars and all(line.isascii() for line in bars) and any("@" in b for b in bars)
