"""`flowstage lint`: golden output in every format on the demo org with a fixed seed and clock,
every exit code, `--since-last` and the state it keeps. Regenerate after a deliberate change:
UPDATE_GOLDEN=1 pytest tests/cli/test_lint_cli.py."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.cli.context import Context
from flowstage_tui.cli.lint import state_file
from flowstage_tui.cli.main import main
from flowstage_tui.errors import NetworkDown
from flowstage_tui.salesforce.lint import CHECKS

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "lint_table": (["lint", "--demo"], 1),
    "lint_json": (["lint", "--demo", "--format", "json"], 1),
    "lint_junit": (["lint", "--demo", "--format", "junit"], 1),
}


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("COLUMNS", "100")


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], code: int) -> str:
    assert main(argv) == code
    return capsys.readouterr().out


def golden(name: str, out: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out)
    assert out == path.read_text(), f"{name} changed; see {path}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv, code = CASES[name]
    golden(name, run_cli(argv, capsys, code))


def _json(capsys: pytest.CaptureFixture[str], *extra: str, code: int = 1) -> Any:
    return json.loads(run_cli(["lint", "--demo", "--format", "json", *extra], capsys, code))


def test_json_names_every_check_and_scores_the_findings(
        capsys: pytest.CaptureFixture[str]) -> None:
    rep = _json(capsys)
    assert [c["id"] for c in rep["checks"]] == [c.id for c in CHECKS]
    weights = {"error": 10, "warning": 3, "info": 1}
    assert rep["score"] == max(0, 100 - sum(weights[f["severity"]] for f in rep["findings"]))
    assert {f["check"] for f in rep["findings"]} >= {"expiring", "bad-assignee", "stale",
                                                    "held-long"}
    assert all(f["fix"] and f["message"] and f["key"].startswith(f["check"] + ":")
               for f in rep["findings"])
    first = {c["id"]: c["skipped"] for c in rep["checks"]}
    assert first["cluster-growth"] is not None  # the first lint has nothing to compare with


def test_junit_is_one_testcase_per_check_with_failures_for_findings(
        capsys: pytest.CaptureFixture[str]) -> None:
    root = ET.fromstring(run_cli(["lint", "--demo", "--format", "junit"], capsys, 1))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c.id for c in CHECKS]
    failed = [c for c in cases if c.find("failure") is not None]
    assert suite.get("failures") == root.get("failures") == str(len(failed))
    assert suite.get("tests") == str(len(CHECKS))
    expiring = cases[0].findall("failure")
    assert expiring and all(f.get("type") == "error" and "fix: " in (f.text or "")
                            for f in expiring)


def test_fail_on_sets_the_exit_code(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run_cli(["lint", "--demo", "--fail-on", "info"], capsys, 1)
    # a profile that only fails on errors, with thresholds no finding reaches
    config = tmp_path / "config.toml"
    config.write_text('[profiles.calm]\nauth = "demo"\n[profiles.calm.lint]\n'
                      'expiring_within = "1h"\nstale_after = "400d"\nheld_after = "400d"\n'
                      'fail_on = "error"\n')
    out = run_cli(["lint", "-p", "calm", "--config", str(config)], capsys, 1)
    assert "held-long: work items held too long — ok" in out
    assert "stale: runs InProgress or Suspended with no progress — ok" in out
    assert "expiring: Error runs whose resume window closes soon — ok" in out
    # bad-assignee is an error whatever the thresholds: exit 1 at error, 0 below nothing
    assert "bad-assignee" in out


def test_exit_0_when_nothing_new_since_the_last_lint(capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(["lint", "--demo"], capsys, 1)
    again = _json(capsys, "--since-last", code=0)
    assert again["findings"] == [] and again["score"] == 100 and again["since_last"] is True


def test_since_last_reports_only_new_findings_and_grown_clusters(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The previous lint saw every finding but one work item, and the biggest cluster one run
    smaller: only those two are reported."""
    first = _json(capsys)
    path = state_file("demo")
    state = json.loads(path.read_text())
    dropped = next(f["key"] for f in first["findings"] if f["check"] == "bad-assignee")
    state["findings"].remove(dropped)
    top = max(state["clusters"], key=lambda k: (state["clusters"][k], k))
    state["clusters"][top] -= 1
    path.write_text(json.dumps(state))
    out = run_cli(["lint", "--demo", "--since-last"], capsys, 1)
    golden("lint_since_last", out)
    again = json.loads(run_cli(["lint", "--demo", "--since-last", "--format", "json"],
                               capsys, 0))
    assert again["findings"] == []  # the lint before it saved everything it saw
    assert dropped in out or dropped.split(":")[1] in out


def test_state_is_written_atomically_and_a_broken_one_starts_afresh(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = state_file("demo")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    rep = _json(capsys, "--since-last")
    assert rep["findings"]  # nothing to compare with: everything is new
    assert json.loads(path.read_text())["version"] == 1
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


@pytest.mark.parametrize(("argv", "needle"), [
    (["lint", "--demo", "--fail-on", "critical"], "--fail-on"),
    (["lint", "--demo", "--format", "xml"], "--format"),
    (["lint", "--demo", "--since-last=yes"], "--since-last"),
])
def test_bad_input_is_exit_2(argv: list[str], needle: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err


def test_an_unreachable_org_is_exit_3(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        def open(self) -> Any:
            raise NetworkDown("No answer from https://example.my.salesforce.com (connection "
                              "refused); check the network.")

    monkeypatch.setattr(Context, "connection", lambda self: Down())
    assert main(["lint", "--demo"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: lint could not reach the org: No answer")
    assert not state_file("demo").exists()  # nothing was learnt: the state is untouched


def test_hostile_org_text_stays_data_in_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    """A label with an escape sequence, Rich markup and XML's own characters: shown, never
    obeyed, and the JUnit XML still parses (XML 1.0 cannot carry control bytes at all)."""
    from datetime import UTC, datetime

    from flowstage_tui.cli.lint import junit, write
    from flowstage_tui.salesforce.lint import LintData, LintSettings, PausedInterview, run_checks

    label = "Ren\x1b[31mewal [bold]<b>&\"x\"</b>\x07"
    data = LintData(datetime(2026, 11, 28, 9, tzinfo=UTC),
                    paused=[PausedInterview("0Fo1", "Paused", "0jE1", "OR-1", "Canceled", label)])
    report = run_checks(data, LintSettings(), {})
    root = ET.fromstring(junit(report, "prod\x1b]0;x\x07"))
    (fail,) = root.iter("failure")
    assert "\x1b" not in (fail.get("message") or "") and "<b>&" in (fail.get("message") or "")
    import io

    table = io.StringIO()
    write(report, "table", "prod", "error", False, table)
    assert "\x1b" not in table.getvalue() and "\x07" not in table.getvalue()
    assert "\\x1b[31m" in table.getvalue() and "[bold]" in table.getvalue()
    as_json = io.StringIO()
    write(report, "json", "prod", "error", False, as_json)
    assert json.loads(as_json.getvalue())["findings"][0]["message"].count("\x1b") == 1


def test_table_fits_an_80_column_terminal(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from flowstage_tui.cli.output import width_of

    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli(["lint", "--demo"], capsys, 1)
    assert max(width_of(line) for line in out.splitlines()) <= 80


def test_without_manage_users_the_assignee_check_says_it_saw_only_part(
        capsys: pytest.CaptureFixture[str]) -> None:
    """UserLogin refused: inactive and unresolvable assignees are still found, and the check
    says frozen users were not looked at (a clean result must not read as "nobody frozen")."""
    rep = _json(capsys, "--user-perms", "none")
    (check,) = [c for c in rep["checks"] if c["id"] == "bad-assignee"]
    assert check["findings"] and "Manage Users" in check["note"]
    assert not any("frozen" in f["message"] for f in rep["findings"]
                   if f["check"] == "bad-assignee")
    out = run_cli(["lint", "--demo", "--user-perms", "none", "--format", "junit"], capsys, 1)
    case = ET.fromstring(out).find("testsuite/testcase[@name='bad-assignee']")
    assert case is not None and "Manage Users" in (case.findtext("system-out") or "")


def test_a_refused_query_skips_its_checks_and_fails_nothing(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from flowstage_tui.engine import clusters
    from flowstage_tui.errors import QueryRefused

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise QueryRefused("The org refused the query: INSUFFICIENT_ACCESS \x1b[2J",
                           code="INSUFFICIENT_ACCESS")

    monkeypatch.setattr(clusters, "read_failures", refuse)
    rep = _json(capsys)
    skipped = {c["id"]: c["skipped"] for c in rep["checks"]}
    assert "INSUFFICIENT_ACCESS" in skipped["expiring"] and skipped["cluster-growth"]
    assert {f["check"] for f in rep["findings"]} >= {"bad-assignee", "stale"}
    out = run_cli(["lint", "--demo"], capsys, 1)
    assert "\x1b" not in out and "skipped: the org refused the query" in out


def test_a_check_skipped_once_does_not_make_its_old_findings_new(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from flowstage_tui.engine import clusters
    from flowstage_tui.errors import QueryRefused

    run_cli(["lint", "--demo"], capsys, 1)
    before = json.loads(state_file("demo").read_text())

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise QueryRefused("The org refused the query.", code="INSUFFICIENT_ACCESS")

    with monkeypatch.context() as m:
        m.setattr(clusters, "read_failures", refuse)
        assert _json(capsys, "--since-last", code=0)["findings"] == []
    kept = json.loads(state_file("demo").read_text())
    assert kept["clusters"] == before["clusters"]
    assert sorted(kept["findings"]) == sorted(before["findings"])
    assert _json(capsys, "--since-last", code=0)["findings"] == []
