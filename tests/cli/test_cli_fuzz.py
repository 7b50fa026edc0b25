"""Fuzz the command line (issue 10, "make the class of bug impossible to ship").

Generated argv — commands, actions and options in any order, global options before and after
the command, out-of-range, huge, negative, non-finite and empty numbers, unicode, bytes that
were not UTF-8 (argv carries them as surrogate escapes), unknown names — drive `cli.main`
against the demo org and a temporary config directory. Whatever the input: no exception
escapes, the exit code is one the command documents, a failure is one line on stderr, and no
file changes unless a `profiles add|remove|set` succeeded (and then it still loads).

FLOWSTAGE_FUZZ_LOG=FILE appends every case (argv, exit code, stderr) to FILE as JSON lines.

Never opens the TUI (run_tui is a stub), never serves (serve is a stub), never polls without
a bound (`watch` always ends with `--count`), never leaves loopback. Deterministic:
hypothesis is derandomized, the demo clock is pinned, sleeps advance that clock, and a profile
that is not the demo org (its clock the real one) has its sleeps recorded, never slept: a
`watch` on a profile that cannot log in would wait 30 s between its polls.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowstage_tui.cli.main as cli
from flowstage_tui.config.store import PROFILE_KEYS, parse_config
from flowstage_tui.errors import UsageError

EXAMPLES = 500

CONFIG = """\
# fuzz config: byte-identical afterwards unless a write succeeded
default_profile = "local"

[profiles.local]
auth = "demo"
label = "LOCAL"
theme = "ansi-dark"

[profiles.prod]
auth = "sf-cli"
sf_alias = "prod"

[profiles.tok]
auth = "access-token"
instance_url = "https://127.0.0.1:9"
token_env = "FLOWSTAGE_FUZZ_UNSET"

[keymap]
refresh = "ctrl+r"
"""
BROKEN = '[profiles.prod]\nauth = "sf-cli"\ncolour = "red"\n'

WEIRD = ["", " ", "-", "--", "-5h", "-x", "--demo", "0", "-1", "1e308", "nan", "inf", "-inf",
         "9" * 30, "٣", "ü", "名前", "\udcff", "a b", "'; DROP", "OR-0000001", "%", "\\", "\t",
         "\x00", "\x1b[2J", "a\nb"]
GOOD_NUMBERS = ["1", "2", "5", "30", "86400", "3.5", "٣"]
NUMBERS = [*GOOD_NUMBERS, "0", "86401", "-1", "-5", "1e308", "nan", "inf", "-inf", "9" * 25,
           "0x10", "", "five"]
GOOD_AGES = ["24h", "7d", "30m", "2w", "0m", "36525d", " 2W "]
AGES = [*GOOD_AGES, "-5h", "800000d", "99999999d", "5", "h", "", "١h"]
GOOD_STATUSES = ["Error", "InProgress", "error,completed", "Error,,Canceled", "in progress"]
STATUSES = [*GOOD_STATUSES, "Nope", ",", ""]
PROFILE_NAMES = ["local", "prod", "tok", "nosuch", "", "runs", "ü", "-p"]
THEMES = ["ansi-dark", "textual-light", "nope", ""]
URLS = ["https://acme.my.salesforce.com", "http://acme.my.salesforce.com", "http://127.0.0.1:8",
        "https://acme.force.com/customers", "ftp://x", "https://", "https://a:b@c.com",
        "https://acme.lightning.force.com", ""]


def weird() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(WEIRD), st.text(max_size=6))


def mostly(good: list[str], bad: list[str] | None = None) -> st.SearchStrategy[str]:
    """Two draws in three from the values that work, so that examples get past parsing and
    reach the commands; the rest from `bad` and anything at all."""
    wrong = st.sampled_from(bad) | weird() if bad else weird()
    return st.one_of(st.sampled_from(good), st.sampled_from(good), wrong)


@dataclass
class Files:
    root: Path
    config: Path
    broken: Path
    data: dict[str, Path] = field(default_factory=dict)

    def snapshot(self) -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in self.root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "config").mkdir()
    f = Files(root, root / "config" / "config.toml", root / "broken.toml")
    f.config.write_text(CONFIG)
    f.broken.write_text(BROKEN)
    samples = {"dump.json": None, "bad.json": "{not json", "list.json": "[]",
               "records-list.json": '{"records": []}',
               "wrong-shape.json": '{"records": {"FlowOrchestrationInstance": [{"Id": 5}]}}',
               "empty-records.json": '{"records": {}}'}
    for name, text in samples.items():
        path = root / name
        if text is None:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                assert cli.main(["demo", "dump", "--runs", "4", "--at",
                                 "2026-11-28T09:00:00Z"]) == 0
            text = out.getvalue()
        path.write_text(text)
        f.data[name] = path
    f.data["dir"] = root
    f.data["missing"] = root / "missing.json"
    return f


def option(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(values.map(lambda v: [name, v]), values.map(lambda v: [f"{name}={v}"]))


def global_options(files: Files) -> st.SearchStrategy[list[str]]:
    paths = [str(files.config), str(files.broken), str(files.root / "nope.toml"),
             str(files.root), ""]
    return st.one_of(
        option("-p", mostly(["local", "local", "prod", "tok"], PROFILE_NAMES)),
        option("--profile", mostly(["local"], PROFILE_NAMES)),
        st.just(["--demo"]), st.just(["-v"]), st.just(["--verbose"]),
        option("--config", mostly(paths[:1], paths[1:])),
        option("--data", mostly([str(files.data["dump.json"])],
                                [str(p) for p in files.data.values()])),
        option("--seed", mostly(["0", "7", "-3", "9" * 30], ["x", ""])),
        option("--runs", mostly(["0", "3", "20"], ["-1", "1000001", "x", ""])),
    )


FILTERS = [option("--status", mostly(GOOD_STATUSES, STATUSES)),
           option("--orchestration", mostly(["Employee_Onboarding", "Loan", "供应商", "%"])),
           option("--since", mostly(GOOD_AGES, AGES)),
           option("--text", mostly(["OR-00002", "Onboarding", "", "'", "\\%_"]))]
PER_COMMAND: dict[str | None, list[st.SearchStrategy[list[str]]]] = {
    None: [*FILTERS, st.just(["--read-only"]), st.just(["--write"]),
           option("--refresh", mostly(["5", "30", "86400"], NUMBERS)),
           option("--run", mostly(["OR-0000293", "OR-9999999"])),
           option("--theme", mostly(THEMES[:2], THEMES)), st.just(["-h"])],
    "runs": [*FILTERS, option("--limit", mostly(GOOD_NUMBERS, NUMBERS)),
             st.just(["--exit-code"]),
             option("--format", st.sampled_from(["table", "json", "jsonl", "csv", "xml", ""]))],
    "show": [option("--format", mostly(["table", "json"], ["csv", "jsonl"]))],
    "watch": [*FILTERS, option("--interval", mostly(["5", "15", "86400", "30.5"], NUMBERS)),
              option("--format", st.sampled_from(["text", "jsonl", "x"])),
              st.just(["--alert"])],  # no profile here has watch rules: exit 2, one line
    "snapshot": [*FILTERS, option("--limit", mostly(GOOD_NUMBERS, NUMBERS))],
    "config": [], "profiles": [], "demo": [],
}
PROFILE_VALUE = st.sampled_from(URLS + NUMBERS + ["true", "false", "red", "crimson", "62.0",
                                                  "v62", "24h", "ansi-dark"]) | weird()


@st.composite
def command_words(draw: st.DrawFn, command: str | None) -> list[str]:
    """The command and the words that must follow it (action, positionals)."""
    if command is None:
        return draw(st.sampled_from([[], ["local"], ["nosuch"], ["ü"], [""]]))
    if command == "show":
        return [command, draw(st.sampled_from(["OR-0000293", "OR-9999999", "0jE000000000001"])
                              | weird())]
    if command == "config":
        return [command, draw(st.sampled_from(["path", "validate", "show", "frob", ""]))]
    if command == "demo":  # never `serve` (it stays up until interrupted)
        action = draw(st.sampled_from(["dump", "frob", ""]))
        extra = draw(st.lists(st.one_of(
            option("--at", st.sampled_from(["2026-11-28T09:00:00Z", "0001-01-01T00:00:00Z",
                                            "9999-12-31T23:59:59Z", "yesterday", ""])),
            option("--runs", mostly(["0", "3"], ["-1", "1000001", "x"])),
            option("--max-api-version", st.sampled_from(["55.0", "v62", "99", "nan", ""])),
            st.just(["--no-feed-history"])), max_size=3))
        return [command, action, *[w for group in extra for w in group]]
    if command == "profiles":
        action = draw(st.sampled_from(["list", "show", "add", "remove", "set", "test", "frob"]))
        name = draw(st.sampled_from([*PROFILE_NAMES, "new", "watch", "a.b"]) | weird())
        if action == "list":
            return [command, action]
        if action == "add":
            opts = draw(st.lists(st.one_of(
                option("--auth", st.sampled_from(["demo", "sf-cli", "password", "nope", ""])),
                *[option("--" + k.replace("_", "-"), PROFILE_VALUE)
                  for k in cli.PROFILE_OPTION_KEYS],
                st.just(["--default"])), max_size=4))
            return [command, action, name, *[w for group in opts for w in group]]
        if action == "set":
            key = draw(st.sampled_from([*PROFILE_KEYS, "colour", ""]))
            return [command, action, name, key, draw(PROFILE_VALUE)]
        if action == "test":
            return [command, action, *draw(st.sampled_from([[], [name]]))]
        return [command, action, name]
    return [command]


@st.composite
def argvs(draw: st.DrawFn, files: Files) -> list[str]:
    command = draw(st.sampled_from([None, "runs", "show", "watch", "snapshot", "profiles",
                                    "config", "demo"]))
    head = draw(command_words(command))
    groups = draw(st.lists(st.one_of(*PER_COMMAND[command]), max_size=4)) if PER_COMMAND[
        command] else []
    groups += draw(st.lists(global_options(files), max_size=3))
    groups = list(draw(st.permutations(groups)))
    at = draw(st.integers(0, len(groups)))
    argv = [w for g in groups[:at] for w in g] + head + [w for g in groups[at:] for w in g]
    if draw(st.integers(0, 9)) == 0:  # now and then a stray word anywhere
        argv.insert(draw(st.integers(0, len(argv))), draw(weird()))
    if "watch" in argv:  # bound every poll loop; the last --count wins
        argv += ["--count", draw(st.sampled_from(["1", "2", "1", "2", "0", "-1", "x", ""]))]
    return argv


def detected(argv: list[str]) -> tuple[str | None, bool]:
    try:
        return cli.split_command(argv)[0], True
    except UsageError:
        return None, False


WRITES = ("add", "remove", "set")


@pytest.fixture
def quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in root.handlers[:]:
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_no_argv_crashes_hangs_or_rewrites_a_file(
        data: st.DataObject, files: Files, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, quiet_root_logger: None) -> None:
    argv = data.draw(argvs(files), label="argv")
    files.config.write_text(CONFIG)  # a previous example may have written it
    before = files.snapshot()
    monkeypatch.setenv("FLOWSTAGE_CONFIG_DIR", str(files.config.parent))
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `sf` to run
    monkeypatch.delenv("FLOWSTAGE_FUZZ_UNSET", raising=False)
    opened: list[argparse.Namespace] = []

    def fake_run_tui(args: argparse.Namespace, *rest: Any) -> int:
        opened.append(args)
        return 0

    def no_serve(args: argparse.Namespace) -> int:
        raise AssertionError(f"demo serve reached with {argv!r}")

    monkeypatch.setattr(cli, "run_tui", fake_run_tui)
    monkeypatch.setattr(cli, "serve", no_serve)
    # A real terminal: stdout strict UTF-8, stderr backslash-escapes what it cannot encode.
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    slept: list[float] = []
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            pytest.MonkeyPatch.context() as real_time:
        real_time.setattr(time, "sleep", slept.append)
        code = cli.main(argv)
    err.seek(0)
    message = err.read().strip()
    command, parses = detected(argv)
    if os.environ.get("FLOWSTAGE_FUZZ_LOG"):  # for looking at what was tried
        with open(os.environ["FLOWSTAGE_FUZZ_LOG"], "a", encoding="utf-8",
                  errors="backslashreplace") as log:
            log.write(json.dumps({"argv": argv, "code": code, "err": message,
                                  "command": command}, ensure_ascii=False) + "\n")

    allowed = {0, 2} if command in (None, "config", "demo") else {0, 1, 2}
    assert code in allowed, (argv, code, message)
    assert "Traceback" not in message, argv
    assert all(math.isfinite(s) and s >= 0 for s in slept), (argv, slept)
    if code == 1:  # the demo org has no faults here: only --exit-code and logins may fail
        assert (not message and "--exit-code" in argv) or any(
            why in message for why in ("sf CLI", "No access token")), (argv, message)
    if code != 0:
        assert (message or code == 1) and "\n" not in message, (argv, message)
    else:
        assert all(line.startswith(("warning: ", "wrote ")) for line in message.splitlines()
                   if line), (argv, message)
    if opened:
        assert command is None and code == 0
    after = files.snapshot()
    wrote = code == 0 and command == "profiles" and any(w in argv for w in WRITES)
    if wrote:
        parse_config(files.config, files.config.read_text())
        after[files.config] = before[files.config]
    assert after == before, argv
    assert parses or code == 2

