"""`flowstage watch --alert` on the demo org's live simulation (pinned clock, as the golden
watch tests): the rules fire, stdout carries one JSON line per alert, the notification goes
to the terminal (a file standing in for /dev/tty), and on_alert gets the JSON on stdin —
run without a shell, stopped at its timeout, its failure one stderr line."""

from __future__ import annotations

import io
import json
import re
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import flowstage_tui.cli.alerts as alerts
from flowstage_tui.cli.main import main
from flowstage_tui.config.store import load
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce.models import InterviewError, RunStatus

from ..engine.conftest import make_engine

HOOK = textwrap.dedent("""\
    import json, os, sys
    data = sys.stdin.read()
    with open(sys.argv[1], "a", encoding="utf-8") as out:
        out.write(json.dumps({"stdin": data, "secret": "FLOWSTAGE_TEST_SECRET" in os.environ,
                              "args": sys.argv[2:]}) + "\\n")
    """)
WATCH = ["watch", "-p", "d", "--alert", "--count", "4", "--interval", "15"]


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("FLOWSTAGE_TEST_SECRET", "hunter2")
    tty = tmp_path / "tty"
    monkeypatch.setattr(alerts, "TTY_PATH", str(tty))
    return tty


def config(tmp_path: Path, body: str, on_alert: list[str] | None = None,
           rules: str = '[[profiles.d.watch]]\nname = "failures"\nstatus = ["Error"]\n') -> Path:
    path = tmp_path / "config.toml"
    hook = "" if on_alert is None else f"on_alert = {json.dumps(on_alert)}\n"
    path.write_text(f'[profiles.d]\nauth = "demo"\npassword_env = "FLOWSTAGE_TEST_SECRET"\n'
                    f"{body}{hook}\n{rules}")
    return path


def hook_argv(tmp_path: Path, *extra: str) -> list[str]:
    script = tmp_path / "hook.py"
    script.write_text(HOOK)
    return [sys.executable, str(script), str(tmp_path / "hook.out"), *extra]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    got = capsys.readouterr()
    return code, got.out, got.err


def test_alerts_go_to_stdout_the_terminal_and_on_alert(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], _fixed: Path) -> None:
    argv = hook_argv(tmp_path, "--channel", "ops; rm -rf ~")  # an argv: no shell reads it
    path = config(tmp_path, 'notify = "osc777"\n', argv)
    code, out, err = run([*WATCH, "--config", str(path)], capsys)
    assert code == 0 and err == ""
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(a["event"], a["rule"], a["kind"], a["run"], a["to"]) for a in lines] == [
        ("alert", "failures", "run-status", "OR-0000297", "Error"),
        ("alert", "failures", "run-status", "OR-0000298", "Error")]
    first = lines[0]
    assert first["from"] == "InProgress" and first["stage_label"] == "Deal Desk Review"
    assert first["error"] == "An unhandled fault has occurred in this flow"
    assert first["url"].endswith(f"/FlowOrchestrationInstance/{first['run_id']}/view")
    assert first["profile"] == "d" and first["rule_index"] == 1
    # the hook: the same JSON on stdin, its argv as given, none of the profile's secrets
    calls = [json.loads(line) for line in (tmp_path / "hook.out").read_text().splitlines()]
    assert [json.loads(c["stdin"]) for c in calls] == lines
    assert all(c["args"] == ["--channel", "ops; rm -rf ~"] and not c["secret"] for c in calls)
    # the terminal: one OSC 777 per alert, and nothing of it on stdout
    assert _fixed.read_text(encoding="utf-8") == (
        "\x1b]777;notify;flowstage: failures;OR-0000297 Quote Approval [Enterprise] → Error "
        "at Deal Desk Review: An unhandled fault has occurred in this flow\x1b\\"
        "\x1b]777;notify;flowstage: failures;OR-0000298 Case Escalation → Error at Tier 2 "
        "Investigation: Error element Update_ERP (FlowActionCall).\x1b\\")
    assert "\x1b" not in out


def test_jsonl_keeps_the_events_beside_the_alerts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], _fixed: Path) -> None:
    path = config(tmp_path, 'notify = "off"\n')
    code, out, _ = run([*WATCH, "--config", str(path), "--format", "jsonl"], capsys)
    assert code == 0
    kinds = [json.loads(line)["event"] for line in out.splitlines()]
    assert kinds.count("alert") == 2 and kinds.count("poll") == 4 and "run-status" in kinds
    assert not _fixed.exists()  # notify = "off": the terminal is never opened


def test_a_failing_or_missing_on_alert_is_one_stderr_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failing = [sys.executable, "-c", "import sys; sys.stderr.write('no route\\x1b[31m\\n'); "
               "sys.exit(3)"]
    path = config(tmp_path, "", failing)
    code, out, err = run([*WATCH, "--config", str(path)], capsys)
    assert code == 0 and len(out.splitlines()) == 2  # the watch went on
    assert err.splitlines() == [
        f"flowstage watch: on_alert for 'failures': {sys.executable!r} exited with 3: "
        "no route [31m"] * 2  # its escape sequence shown as text, not obeyed
    path = config(tmp_path, "", [str(tmp_path / "no-such-hook")])
    code, out, err = run([*WATCH, "--config", str(path)], capsys)
    assert code == 0 and len(out.splitlines()) == 2
    assert all("cannot run" in line and "no-such-hook" in line for line in err.splitlines())
    assert len(err.splitlines()) == 2


def test_on_alert_is_stopped_at_its_timeout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A hook that never ends (and one child it started, holding its stderr) is killed
    with its session when on_alert_timeout passes; the watch goes on."""
    forever = [sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen("
               "[sys.executable, '-c', 'import time; time.sleep(600)']); time.sleep(600)"]
    path = config(tmp_path, "on_alert_timeout = 0.5\n", forever)
    code, out, err = run([*WATCH, "--config", str(path)], capsys)
    assert code == 0 and len(out.splitlines()) == 2
    assert err.splitlines() == [f"flowstage watch: on_alert for 'failures': "
                                f"{sys.executable!r} took longer than 0.5s "
                                "(on_alert_timeout); stopped it"] * 2


def test_a_rule_on_alert_overrides_the_profile_s(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = ('[[profiles.d.watch]]\nname = "quotes"\nstatus = "Error"\n'
             'orchestration = "quote"\n'
             f"on_alert = {json.dumps(hook_argv(tmp_path, 'rule'))}\n"
             '[[profiles.d.watch]]\nname = "cases"\nstatus = "Error"\n'
             'orchestration = "Case_Escalation"\n')
    path = config(tmp_path, "", hook_argv(tmp_path, "profile"), rules)
    code, out, _ = run([*WATCH, "--config", str(path)], capsys)
    assert code == 0
    assert [(a["rule"], a["run"]) for a in map(json.loads, out.splitlines())] == [
        ("quotes", "OR-0000297"), ("cases", "OR-0000298")]
    calls = [json.loads(line) for line in (tmp_path / "hook.out").read_text().splitlines()]
    assert [(c["args"], json.loads(c["stdin"])["rule"]) for c in calls] == [
        (["rule"], "quotes"), (["profile"], "cases")]


def test_without_a_terminal_alerts_still_flow(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """cron, systemd: no controlling terminal. Said once; stdout and on_alert unaffected."""
    monkeypatch.setattr(alerts, "TTY_PATH", str(tmp_path / "no-such-dir" / "tty"))
    path = config(tmp_path, 'notify = "osc9"\n', hook_argv(tmp_path))
    code, out, err = run([*WATCH, "--config", str(path)], capsys)
    assert code == 0 and len(out.splitlines()) == 2
    assert len((tmp_path / "hook.out").read_text().splitlines()) == 2
    (line,) = err.splitlines()
    assert line.startswith("flowstage watch: no terminal to notify (") and \
        "alerts still go to stdout and on_alert" in line


def test_alert_without_rules_is_bad_input(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = config(tmp_path, "", rules="")
    code, out, err = run([*WATCH, "--config", str(path)], capsys)
    assert code == 2 and out == ""
    assert err == (f"error: --alert: profile 'd' has no watch rules; add a "
                   f"[[profiles.d.watch]] table to {path} (see README, Alerts)\n")
    code, out, err = run(["watch", "--demo", "--alert", "--count", "1", "--config",
                          str(path)], capsys)
    assert code == 2 and out == ""
    assert err == ("error: --alert: the built-in --demo profile has no watch rules; add a "
                   f"profile with auth = \"demo\" and [[profiles.NAME.watch]] rules to {path}, "
                   "then `flowstage watch -p NAME --alert` (see README, Alerts)\n")


def test_a_work_rule_turns_the_engine_s_work_mode_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from flowstage_tui.engine.sync import SyncEngine

    modes: list[bool] = []
    real = SyncEngine.set_work_mode

    def record(self: SyncEngine, on: bool) -> None:
        modes.append(on)
        real(self, on)

    monkeypatch.setattr(SyncEngine, "set_work_mode", record)
    rules = '[[profiles.d.watch]]\nname = "stuck"\nstuck_work = true\n'
    path = config(tmp_path, "", rules=rules)
    code, out, _ = run([*WATCH, "--config", str(path), "--count", "2"], capsys)
    assert code == 0 and modes == [True]
    for line in out.splitlines():  # whatever newly matched in 15 s, in the documented shape
        alert: dict[str, Any] = json.loads(line)
        assert alert["kind"] == "work-item" and alert["flags"] and alert["reasons"]


@pytest.mark.slow
def test_on_a_real_terminal_the_notification_goes_to_dev_tty_not_stdout(
        tmp_path: Path) -> None:
    """A real process on a pty, its stdout a file (`watch --alert >> alerts.jsonl`): the OSC 9
    still reaches the terminal, through /dev/tty, and the file holds only JSON."""
    import shlex

    from .terminal import Terminal, child_env, flowstage_argv

    path = config(tmp_path, 'notify = "osc9"\n')
    out = tmp_path / "alerts.jsonl"
    command = " ".join(shlex.quote(a) for a in flowstage_argv(*WATCH, "--config", str(path)))
    env = child_env(FLOWSTAGE_DEMO_CLOCK="2026-11-28T09:00:00Z")
    for name in ("TMUX", "STY"):
        env.pop(name, None)
    term = Terminal(["/bin/sh", "-c", f"exec {command} > {shlex.quote(str(out))}"], env)
    try:
        term.expect(r"\x1b\]9;flowstage: failures: OR-0000298 [^\x1b]*\x1b\\")
        assert term.wait() == 0
    finally:
        term.close()
    assert term.output.count("\x1b]9;flowstage: failures: ") == 2
    assert "{" not in term.output  # the JSON went to the file only
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["run"] for line in lines] == ["OR-0000297", "OR-0000298"]
    assert "\x1b" not in "".join(lines)


def test_a_hostile_run_label_reaches_no_terminal_raw(tmp_path: Path, org: DemoOrg,
                                                     clock: ManualClock) -> None:
    """A label and an error holding ESC, BEL, the 8-bit ST and CSI, `;`, line breaks and
    Rich markup: the JSON line carries the text exactly but no control character raw, and
    the notification is one sequence with its fields intact."""
    before = make_engine(org, clock).poll_once().snapshot
    run = next(r for r in before.runs if str(r.status) == "InProgress")
    hostile = "Onb\x1b]52;c;cHduZWQ=\x07; [bold red]x[/]\x9c\x9b31m\x7f\nline 2"
    after = replace(before, runs=tuple(
        replace(r, status=RunStatus.ERROR, label=hostile) if r.id == run.id else r
        for r in before.runs), errors={**before.errors, run.id: InterviewError(
            run.id, run.interview_id or "", "Error", f"boom {hostile}", None)})
    profile = load(config(tmp_path, 'notify = "osc777"\n')).profiles["d"]
    out, tty = io.StringIO(), tmp_path / "tty"
    runner = alerts.AlertRunner(profile, out, tty_path=str(tty), env={"TERM": "xterm"})
    assert runner.poll(before, "https://acme.my.salesforce.com") == 0  # the baseline
    assert runner.poll(after, "https://acme.my.salesforce.com") == 1
    runner.close()
    line = out.getvalue()
    assert line.endswith("\n") and not re.search(r"[\x00-\x1f\x7f-\x9f]", line[:-1])
    record = json.loads(line)
    assert record["label"] == hostile and record["error"] == "boom " + hostile.split("\n")[0]
    sent = tty.read_text(encoding="utf-8")
    assert sent.startswith("\x1b]777;notify;flowstage: failures;") and sent.endswith("\x1b\\")
    payload = sent[2:-2]
    assert payload.count(";") == 3 and not re.search(r"[\x00-\x1f\x7f-\x9f]", payload)
    assert "[bold red]x[/]" in payload  # markup is text
