"""The write commands and `audit` on the demo org (fixed seed and clock): golden output of
--dry-run and --yes in each format, the refusals (read-only, no terminal, the resume window),
partial failure, exit codes and the audit log holding every write.
Regenerate after a deliberate change: UPDATE_GOLDEN=1 pytest tests/cli/test_write_commands.py"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.cli import write_output
from flowstage_tui.cli.main import main
from flowstage_tui.engine.audit import AuditLog

GOLDEN = Path(__file__).parent / "golden"
ITEM = "0jRRM0000000B1N2AU"  # Sign Contract, OR-0000300, held by Chen Wei
INACTIVE_HOLDER = "0jRRM0000000B3R2AU"  # Review Pricing, held by Linus Pauling (inactive)
APPROVAL_ITEM = "0jRRM0000000A3X2AU"  # a Vendor Onboarding (approval) run's work item
FAILED_RUN = "OR-0000293"  # Error, failed yesterday: inside its resume window
OLD_FAILED_RUN = "OR-0000011"  # Error, its window closed
OPEN_RUN = "OR-0000300"
DONE_RUN = "OR-0000286"

CASES: dict[str, tuple[list[str], int]] = {
    "reassign_dry_run": (["reassign", "--demo", ITEM, INACTIVE_HOLDER, APPROVAL_ITEM,
                          "--to", "alovelace@flowstage-demo.example", "--dry-run"], 0),
    "reassign_yes": (["--demo", "--write", "reassign", ITEM, "--to", "Ada Lovelace",
                      "--yes"], 0),
    "reassign_partial_json": (["reassign", "--demo", ITEM, APPROVAL_ITEM, "--to", "Ada "
                               "Lovelace", "--write", "--yes", "--format", "json",
                               "--user-perms", "ManageUsers,ManageFlow,"
                               "ManageOrchestrationRuns"], 1),
    "cancel_dry_run_json": (["cancel", "--demo", OPEN_RUN, "OR-0000299", "--dry-run",
                             "--format", "json"], 0),
    "cancel_left_out": (["cancel", "--demo", "--write", OPEN_RUN, DONE_RUN, "--yes"], 0),
    "nudge_yes_csv": (["nudge", OPEN_RUN, "--demo", "--write", "-y", "--format", "csv"], 0),
    "nudge_dry_run_jsonl": (["nudge", OPEN_RUN, "OR-0000298", "--demo", "--dry-run",
                             "--format", "jsonl"], 0),
    "interviews_delete_confirmed": (["--demo", "interviews", "--write", "delete", FAILED_RUN,
                                     "--confirm", FAILED_RUN, "--yes"], 0),
    "interviews_delete_dry_run": (["interviews", "delete", "--demo", OLD_FAILED_RUN,
                                   "--dry-run"], 0),
}


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr("sys.stdin", NoTerminal())


class NoTerminal:
    """Standard input from a pipe: never a terminal, and never to be read."""

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        raise AssertionError("prompted without a terminal")


class Terminal:
    """A person at a terminal who will type `answer`."""

    def __init__(self, answer: str) -> None:
        self.lines = io.StringIO(answer)
        self.asked = 0

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        self.asked += 1
        return self.lines.readline()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def audit_entries() -> list[dict[str, Any]]:
    return AuditLog().entries()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv, expected = CASES[name]
    code, out, err = run(argv, capsys)
    assert code == expected, err
    path = GOLDEN / f"writes_{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out)
    assert out == path.read_text(), f"{name} changed; see {path}"
    sent = "--dry-run" not in argv
    entries = audit_entries()
    assert bool(entries) == sent  # a dry run records nothing: it sends nothing
    if sent:
        phases = [e["phase"] for e in entries]
        assert phases == ["before", "after"] * (len(phases) // 2) and phases


def test_read_only_refuses_with_one_line_and_sends_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["cancel", "--demo", OPEN_RUN, "--yes"],
                 ["reassign", "--demo", ITEM, "--to", "Ada Lovelace", "--yes"],
                 ["interviews", "delete", "--demo", OLD_FAILED_RUN, "--yes"],
                 ["nudge", "--demo", OPEN_RUN, "--yes", "--write", "--read-only"]):
        code, out, err = run(argv, capsys)
        if "--read-only" in argv:  # the two flags exclude each other
            assert code == 2 and "not allowed with" in err
            continue
        assert (code, out) == (2, "")
        assert err == ("error: profile 'demo' is read-only; pass --write, or set read_only = "
                       "false in the profile, to allow writes\n")
    assert audit_entries() == []


@pytest.mark.parametrize("argv", [["cancel", OPEN_RUN], ["nudge", OPEN_RUN],
                                  ["reassign", ITEM, "--to", "Ada Lovelace"],
                                  ["interviews", "delete", OLD_FAILED_RUN]])
def test_without_a_terminal_and_without_yes_it_refuses_and_never_prompts(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*argv, "--demo", "--write"], capsys)
    assert (code, out) == (2, "")
    assert err == ("error: no terminal to confirm on: pass --yes to send without asking, or "
                   "--dry-run to see the requests\n")
    assert audit_entries() == []


@pytest.mark.parametrize(("answer", "code"), [("\n", 1), ("n\n", 1), ("yes\n", 0), ("", 1)])
def test_the_question_defaults_to_no(answer: str, code: int, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    person = Terminal(answer)
    monkeypatch.setattr("sys.stdin", person)
    got, out, err = run(["cancel", "--demo", "--write", OPEN_RUN], capsys)
    assert got == code and person.asked == 1
    assert err.endswith("Send 1 request(s) to DEMO (Acme Demo Org)? [y/N] ")
    assert "PATCH /services/data/v66.0/sobjects/FlowOrchestrationInstance/" in out
    if code == 1:
        assert out.endswith("Nothing sent.\n") and audit_entries() == []
    else:
        assert "1 write: 1 succeeded, 0 failed." in out and len(audit_entries()) == 2


def test_delete_inside_the_resume_window_needs_the_run_name(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["interviews", "delete", "--demo", "--write", FAILED_RUN, "--yes"],
                         capsys)
    assert (code, out) == (2, "")
    assert "can still be resumed for 13d05h" in err and f"--confirm {FAILED_RUN}" in err
    code, _out, err = run(["interviews", "delete", "--demo", "--write", FAILED_RUN, "--yes",
                           "--confirm", "OR-0000001"], capsys)
    assert code == 2 and "--confirm OR-0000001: wrong" in err  # another run's name does not do
    code, _out, err = run(["interviews", "delete", "--demo", "--write", OPEN_RUN, "--yes"],
                          capsys)
    assert code == 2 and "its run is InProgress" in err and "cancel the run first" in err
    assert audit_entries() == []


@pytest.mark.parametrize(("argv", "says"), [
    (["cancel", DONE_RUN], f"nothing to send: {DONE_RUN}: it is Completed already"),
    (["cancel", "OR-0000260"], "nothing to send: OR-0000260: it is Canceled already"),
    (["nudge", DONE_RUN], f"nothing to send: {DONE_RUN}: it is Completed; only an InProgress"),
    (["reassign", ITEM, "--to", "cwei@flowstage-demo.example"],
     "nothing to send: Sign Contract: already held by Chen Wei"),
])
def test_what_the_tui_leaves_out_the_cli_leaves_out(argv: list[str], says: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI prepares through engine.write_plans as the TUI does: a run that has ended, or
    an item already held by the new holder, is left out; with nothing left it is exit 2."""
    code, out, err = run([*argv, "--demo", "--write", "--yes"], capsys)
    assert (code, out) == (2, "") and says in err and err.count("\n") == 1, err
    assert audit_entries() == []


@pytest.mark.parametrize(("argv", "says"), [
    (["reassign", ITEM, "--to", "Linus Pauling"], "is an inactive user"),
    (["reassign", ITEM, "--to", "Ada"], "--to 'Ada' is a partial name: did you mean Ada "
     "Lovelace <alovelace@flowstage-demo.example>? pass the whole name, username or Id"),
    (["reassign", ITEM, "--to", "al"], "Fatima Al-Sayed"),
    (["reassign", ITEM, "--to", "O'Brien"], "matches only Tim O'Brien <"),
    (["reassign", ITEM, "--to", "Tim O'Brien"], "is a frozen user (UserLogin.IsFrozen"),
    (["reassign", ITEM, "--to", "Vendor Management"], "queue with no active member"),
    (["reassign", ITEM, "--to", "nobody-like-this"], "matches no active user"),
    (["reassign", ITEM, "--to", " "], "--to: empty"),
    (["reassign", "0jRbogus", "--to", "Ada Lovelace"], "'0jRbogus' is not a work item Id"),
    (["reassign", "0jERM0000000B1N2AU", "--to", "Ada Lovelace"], "is not a work item Id"),
    (["reassign", "0jRRM000000zzzz2AA", "--to", "Ada Lovelace"], "no work item"),
    (["cancel", "OR-9999999"], "no orchestration run 'OR-9999999'"),
    (["nudge", "OR-0000300", "OR-nope"], "no orchestration run 'OR-nope'"),
    (["interviews", "delete", "0FoRM000000zzzz0AA"], "no interview"),
    (["interviews", "delete", "0FoBOGUS"], "'0FoBOGUS' is not an interview Id"),
    (["reassign", ITEM], "the following arguments are required: --to"),
])
def test_bad_input_is_exit_2_with_one_line(argv: list[str], says: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*argv, "--demo", "--write", "--yes"], capsys)
    assert code == 2 and out == "" and says in err and err.count("\n") == 1, err
    assert audit_entries() == []


def test_the_audit_log_holds_every_write(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["audit", "--demo"], capsys)[1].startswith("No writes recorded (")
    run(["cancel", "--demo", "--write", OPEN_RUN, "OR-0000299", "--yes"], capsys)
    run(["reassign", "--demo", "--write", ITEM, "--to", "Ada Lovelace", "--yes"], capsys)
    code, out, _err = run(["audit", "--demo", "--format", "json"], capsys)
    entries = json.loads(out)
    assert code == 0 and entries == audit_entries() and len(entries) == 4
    assert [(e["action"], e["phase"]) for e in entries] == [
        ("cancel", "before"), ("cancel", "after"), ("reassign", "before"),
        ("reassign", "after")]
    assert entries[0]["method"] == "POST" and entries[0]["path"].endswith("/composite")
    assert len(entries[1]["results"]) == 2
    assert all(e["org_id"].startswith("00D") and e["user"] and e["profile"] == "demo"
               and e["time"] == "2026-11-28T09:00:00.000+00:00" for e in entries)
    assert "Bearer" not in AuditLog().path.read_text()
    code, out, _err = run(["audit", "--demo", "--limit", "2"], capsys)
    path = GOLDEN / "writes_audit_table.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out)
    assert out == path.read_text()
    lines = run(["audit", "--format", "jsonl", "-p", "prod"], capsys)[1]
    assert lines == ""  # another profile's writes: none
    csv_out = run(["audit", "--format", "csv"], capsys)[1].splitlines()
    assert csv_out[0].startswith("time,phase,profile") and len(csv_out) == 5


def test_an_error_naming_many_ids_is_capped(capsys: pytest.CaptureFixture[str]) -> None:
    """A pasted list of unknown Ids names the first ten and how many more, on one line."""
    unknown = [f"0jRRM9{n:09d}" for n in range(1200)]
    code, out, err = run(["reassign", *unknown, "--to", "Ada Lovelace", "--demo", "--write",
                          "--yes"], capsys)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "… and 1,190 more in this org" in err and len(err) < 600, err


@pytest.mark.parametrize(("after", "says"), [
    ({"status": 404, "error_code": "ENTITY_IS_DELETED",
      "results": [{"ok": False, "error_code": "ENTITY_IS_DELETED"}]}, "failed ENTITY_IS_DELETED"),
    ({"status": 200, "error_code": "FIELD_INTEGRITY_EXCEPTION",
      "results": [{"ok": True}, {"ok": False}]}, "1 ok, 1 failed FIELD_INTEGRITY_EXCEPTION"),
    ({"status": 200, "results": [{"ok": True}, {"ok": True}]}, "all 2 ok"),
    ({"status": None, "error_code": "NO_ANSWER", "outcome": "unknown"}, "unknown NO_ANSWER"),
    ({"status": 204, "results": [{"ok": True}]}, "ok"),
])
def test_the_audit_table_says_failed_plainly(after: dict[str, Any], says: str) -> None:
    """A refused write must not read like a success ("404 0/1 ok ENTITY_IS_DELETED" did)."""
    entry = {"time": "2026-11-28T09:00:00", "phase": "after", "profile": "demo",
             "action": "delete", "record_ids": ["0FoRM0000000001AAA"],
             "labels": ["[b]x"], "method": "DELETE", "path": "sobjects/FlowInterview/x",
             **after}
    stream = io.StringIO()
    write_output.audit(stream, "table", [entry], "audit.jsonl")
    row = stream.getvalue().splitlines()[1]
    assert f"  {says}  " in row and "  [b]x  " in row, row


def test_a_dry_run_for_scripts_says_what_it_left_out_aside(
        capsys: pytest.CaptureFixture[str]) -> None:
    """JSON goes to stdout untouched; the records left out are named on stderr."""
    code, out, err = run(["cancel", "--demo", OPEN_RUN, DONE_RUN, "--dry-run", "--format",
                          "json"], capsys)
    assert code == 0 and [r["label"] for r in json.loads(out)["requests"]] == [OPEN_RUN]
    assert f"left out: {DONE_RUN}: it is Completed already" in err
