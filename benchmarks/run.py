"""Every performance figure flowstage promises, printed side by side with its target.

Run: .venv/bin/python benchmarks/run.py [--runs N] [--only SECTION ...]
Figures are medians over repeated runs on this machine; nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {}


def section(name: str) -> Callable[[Callable[[argparse.Namespace], None]],
                                   Callable[[argparse.Namespace], None]]:
    def register(fn: Callable[[argparse.Namespace], None]) -> Callable[[argparse.Namespace], None]:
        SECTIONS[name] = fn
        return fn

    return register


def median_ms(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(median, p95) wall time of fn in milliseconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def row(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58} {value:>14}   {target}")


def machine() -> str:
    return (f"{platform.node()} · {platform.system()} {platform.machine()} · "
            f"{os.cpu_count()} CPUs · Python {platform.python_version()}")


@section("emulator")
def bench_emulator(args: argparse.Namespace) -> None:
    """Demo-org generation and query latency on a large org."""
    import resource

    from flowstage_tui.emulator.adapter import demo_session
    from flowstage_tui.emulator.handler import ApiHandler, Request
    from flowstage_tui.emulator.org import DemoOrg

    print(f"\n[emulator] {args.runs:,} runs")
    t = time.perf_counter()
    org = DemoOrg(seed=7, runs=args.runs, frozen=True)
    gen = time.perf_counter() - t
    records = sum(len(tb.rows) for tb in org.store.tables.values())
    row(f"generate {args.runs:,} runs", f"{gen:.1f} s", "target < 10 s")
    row("peak RSS after generation",
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    # A run's other records are written when first read: say what that costs, per run.
    sample = min(2000, args.runs)
    t = time.perf_counter()
    with org.lock:
        org.store.ensure_ids(list(org.store.table("FlowOrchestrationInstance").rows)[:sample])
    per_run = (time.perf_counter() - t) / max(sample, 1)
    written = sum(len(tb.rows) for tb in org.store.tables.values()) - records
    row(f"  records written by generation: {records:,} (runs, interviews, people; the rest on read)", "")
    row(f"  writing a run's records on first read ({written / max(sample, 1):.0f} per run)",
        f"{per_run * 1e6:.0f} us")
    handler = ApiHandler(org)
    with org.lock:
        token = org.new_session().token
    soql = ("SELECT Id, Name, Status, OrchestrationLabel, CurrentStage, CreatedDate, Duration, "
            "Owner.Name FROM FlowOrchestrationInstance ORDER BY CreatedDate DESC, Id DESC "
            "LIMIT 200")
    from urllib.parse import quote_plus

    req = Request("GET", f"/services/data/v66.0/query?q={quote_plus(soql)}",
                  {"authorization": f"Bearer {token}"})
    first = time.perf_counter()
    handler.handle(req)
    first_ms = (time.perf_counter() - first) * 1000
    med, p95 = median_ms(lambda: handler.handle(req), 30)
    row("200-row page query (parent path, ORDER BY), handler", f"{med:.1f} ms",
        "target < 50 ms median")
    row("  p95 / first (cold sort)", f"{p95:.1f} / {first_ms:.0f} ms")
    keyset = soql.replace("ORDER BY", "WHERE Status IN ('Error','InProgress') AND CreatedDate < "
                          "2099-01-01T00:00:00Z ORDER BY")
    req2 = Request("GET", f"/services/data/v66.0/query?q={quote_plus(keyset)}",
                   {"authorization": f"Bearer {token}"})
    med2, _ = median_ms(lambda: handler.handle(req2), 30)
    row("200-row keyset page with a status filter, handler", f"{med2:.1f} ms")
    from simple_salesforce.api import Salesforce

    sf = Salesforce(instance_url="https://demo.flowstage.invalid", session_id=token,
                    session=demo_session(org), version="66.0")
    med3, _ = median_ms(lambda: sf.query(soql), 30)
    row("same page through simple-salesforce, in-process", f"{med3:.1f} ms",
        "target < 50 ms median")
    from flowstage_tui.demo import demo_connection
    from flowstage_tui.engine.sync import SyncEngine

    t = time.perf_counter()
    res = SyncEngine(demo_connection(org)).poll_once()
    first = time.perf_counter() - t
    assert len(res.snapshot.runs) == 200, res.health
    row("engine: connect + first page with children, in-process", f"{first * 1000:.0f} ms",
        "target < 1 s (memory: see first-page)")




@section("engine")
def bench_engine(args: argparse.Namespace) -> None:
    """API calls and bytes of a simulated 10-minute session: SyncEngine vs a naive client."""
    from datetime import UTC, datetime

    from flowstage_tui.clock import utc_clock
    from flowstage_tui.demo import demo_connection
    from flowstage_tui.emulator.adapter import EmulatorAdapter
    from flowstage_tui.emulator.clock import ManualClock
    from flowstage_tui.emulator.org import DemoOrg
    from flowstage_tui.engine.sync import SyncEngine
    from flowstage_tui.salesforce.client import Credentials, SalesforceClient, TimeoutSession

    print("\n[engine] simulated 10-minute session, poll every 15 s, 300-run org with live "
          "simulation (same seed for both)")

    def org_and_clock() -> tuple[DemoOrg, ManualClock]:
        clock = ManualClock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
        return DemoOrg(seed=7, runs=300, clock=clock, pace=3.0), clock

    def measure(org: DemoOrg, start: int) -> tuple[int, int]:
        log = org.request_log[start:]
        return sum(r.counted for r in log), sum(r.response_bytes for r in log)

    # flowstage's engine
    org, clock = org_and_clock()
    eng = SyncEngine(demo_connection(org), clock=utc_clock(clock))
    eng.poll_once()
    clock.advance(15)
    mark = len(org.request_log)
    eng.poll_once()
    idle_calls, _ = measure(org, mark)
    org2, clock2 = org_and_clock()
    eng = SyncEngine(demo_connection(org2), clock=utc_clock(clock2))
    start = len(org2.request_log)
    for _ in range(40):
        eng.poll_once()
        clock2.advance(15)
    e_calls, e_bytes = measure(org2, start)

    # a naive client: re-query runs, stages, steps, work items and logs on every refresh
    org3, clock3 = org_and_clock()
    session = TimeoutSession()
    session.mount("https://", EmulatorAdapter(org3))
    with org3.lock:
        token = org3.new_session().token
    client = SalesforceClient(Credentials(token, "https://demo.flowstage.invalid"), "66.0",
                              session)
    start = len(org3.request_log)
    for _ in range(40):
        runs = client.query("SELECT Id, Name, Status, OrchestrationLabel, CurrentStage, "
                            "CreatedDate, Duration FROM FlowOrchestrationInstance ORDER BY "
                            "CreatedDate DESC LIMIT 200")
        ids = ", ".join(f"'{r['Id']}'" for r in runs)
        client.query("SELECT Id, OrchestrationInstanceId, Name, Label, Position, Status, "
                     f"CreatedDate FROM FlowOrchestrationStageInstance WHERE "
                     f"OrchestrationInstanceId IN ({ids})")
        client.query("SELECT Id, StageInstanceId, Name, Label, Status, StepType FROM "
                     f"FlowOrchestrationStepInstance WHERE OrchestrationInstanceId IN ({ids})")
        client.query("SELECT Id, StepInstanceId, Status, AssigneeId, Assignee.Name FROM "
                     "FlowOrchestrationWorkItem WHERE StepInstance.OrchestrationInstanceId IN "
                     f"({ids})")
        client.query("SELECT Id, OrchestrationInstanceId, Kind, Timestamp, StageName FROM "
                     f"FlowOrchestrationLog WHERE OrchestrationInstanceId IN ({ids})")
        clock3.advance(15)
    n_calls, n_bytes = measure(org3, start)
    row("idle poll (frozen moment, after the first load)", f"{idle_calls} call", "target 1 call")
    row("flowstage engine: API calls / response bytes", f"{e_calls} / {e_bytes / 1e6:.2f} MB")
    row("naive re-query client: API calls / response bytes",
        f"{n_calls} / {n_bytes / 1e6:.2f} MB")
    row("ratio (naive / engine): calls, bytes",
        f"{n_calls / e_calls:.1f}x, {n_bytes / max(e_bytes, 1):.1f}x", "target >= 5x, >= 10x")


@section("first-page")
def bench_first_page(args: argparse.Namespace) -> None:
    """Time and client memory to show the first page of a large org."""
    import json
    import subprocess
    import tempfile

    print(f"\n[first-page] {args.runs:,}-run org")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "client.py"
        script.write_text(FIRST_PAGE_CLIENT)
        serve = subprocess.Popen(
            [sys.executable, "-m", "flowstage_tui", "demo", "serve", "--frozen", "--runs",
             str(args.runs)], stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            assert serve.stdout is not None
            info: dict[str, str] = {}
            while "access token" not in info:
                line = serve.stdout.readline()
                if not line:
                    raise SystemExit("demo serve did not start")
                key, _, value = line.partition(":")
                info[key.strip()] = value.strip()
            results = []
            for _ in range(5):
                out = subprocess.run([sys.executable, str(script), info["instance URL"],
                                      info["access token"]], capture_output=True, text=True,
                                     check=True)
                results.append(json.loads(out.stdout))
        finally:
            serve.terminate()
            serve.wait()
    secs = statistics.median(r["seconds"] for r in results)
    rss = statistics.median(r["rss_mb"] for r in results)
    row("connect + first page (200 runs with children), loopback", f"{secs:.2f} s",
        "target < 1 s")
    row("client peak RSS (the org runs in another process)", f"{rss:.0f} MB", "target < 150 MB")


FIRST_PAGE_CLIENT = '''
import json, sys, time
t = time.perf_counter()
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.salesforce.client import Credentials, RedirectSession
from flowstage_tui.salesforce.connect import Connection
url, token = sys.argv[1], sys.argv[2]
conn = Connection(login=lambda: Credentials(token, url),
                  session_factory=lambda: RedirectSession(url))
res = SyncEngine(conn).poll_once()
assert res.health.state == "live", res.health
assert len(res.snapshot.runs) == 200
# VmHWM, not ru_maxrss: the latter survives exec and would report the parent's peak
hwm = next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - t, "rss_mb": hwm / 1024}))
'''




def _wall(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> float:
    import subprocess

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


@section("startup")
def bench_startup(args: argparse.Namespace) -> None:
    """Wall time of the command line, next to bare Python and a bare Textual import."""
    _compile_package()
    exe = Path(sys.executable).parent / "flowstage"
    py = sys.executable
    print("\n[startup] wall time, median of 15 runs")
    base = _wall([py, "-c", "pass"], 15)
    version = _wall([str(exe), "--version"], 15)
    textual = _wall([py, "-c", "import textual.app"], 15)
    runs = _wall([str(exe), "runs", "--demo", "--limit", "20", "--format", "json"], 7)
    row("python -c pass", f"{base:.0f} ms")
    row("flowstage --version", f"{version:.0f} ms", f"target <= {base * 1.5:.0f} ms (1.5x)")
    row("python -c 'import textual.app'", f"{textual:.0f} ms")
    row("flowstage runs --demo --limit 20 --format json", f"{runs:.0f} ms",
        "(includes generating the 300-run demo org)")
    _connect_cost()


def _connect_cost() -> None:
    """What connecting costs in round trips and bytes, counted by the demo org: its global
    describe is a real org's size (1,089 listed objects beside its own), as start-up pays."""
    import tempfile

    from flowstage_tui.demo import demo_connection
    from flowstage_tui.emulator.clock import ManualClock
    from flowstage_tui.emulator.org import DemoOrg

    org = DemoOrg(seed=7, runs=300, clock=ManualClock(1_800_000_000), frozen=True)
    print("\n[startup] connect cost (requests after the login; counted, not timed)")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("cold", "warm"):
            start = len(org.request_log)
            demo_connection(org, cache_dir=Path(tmp)).open()
            log = org.request_log[start:]
            sent = sum(r.request_bytes for r in log)
            got = sum(r.response_bytes for r in log)
            row(f"connect {kind}: round trips / API calls",
                f"{len(log)} / {sum(r.counted for r in log)}",
                "(the login not included)")
            row(f"connect {kind}: bytes sent / received",
                f"{sent / 1e3:.1f} kB / {got / 1e6:.2f} MB")
        glob = next(r for r in log if r.path.endswith("/composite"))
        row("  of which Organization + global describe (one composite)",
            f"{glob.response_bytes / 1e6:.2f} MB")


BARE_APP = '''
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare-ready")
Bare().run()
'''


def _alias_env(tmp: Path) -> dict[str, str]:
    """A profile as `alias orch='flowstage prod'` would use it: its last-known runs cached by an
    earlier session, and an org that does not answer (a closed port), so the figure is the
    cache's first frame and nothing else."""
    from flowstage_tui.demo import demo_connection
    from flowstage_tui.emulator.org import DemoOrg
    from flowstage_tui.engine.cache import save_runs, target_of
    from flowstage_tui.engine.sync import SyncEngine

    snapshot = SyncEngine(demo_connection(DemoOrg(seed=7, runs=300, frozen=True))).poll_once()
    profile = {"auth": "access-token", "instance_url": "http://127.0.0.1:9"}
    save_runs(tmp / "state" / "flowstage" / "last-runs" / "prod.json",
              snapshot.snapshot.runs, snapshot.snapshot.org, target_of(profile))
    (tmp / "config").mkdir()
    (tmp / "config" / "config.toml").write_text(
        'default_profile = "prod"\n[profiles.prod]\nauth = "access-token"\n'
        f'instance_url = "{profile["instance_url"]}"\ntoken_env = "BENCH_TOKEN"\n')
    return {"FLOWSTAGE_CONFIG_DIR": str(tmp / "config"), "XDG_STATE_HOME": str(tmp / "state"),
            "XDG_CACHE_HOME": str(tmp / "cache"), "BENCH_TOKEN": "not-a-token"}


def _pty_times(cmd: list[str], markers: list[bytes], timeout: float = 30.0,
               env_extra: dict[str, str] | None = None) -> list[float]:
    """Seconds from spawn until each marker appears on a 120x36 pseudo-terminal."""
    import fcntl
    import pty
    import select
    import struct
    import subprocess
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none",
           **(env_extra or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                            close_fds=True)
    os.close(slave)
    seen = b""
    found: list[float] = []
    try:
        while len(found) < len(markers) and time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
            while len(found) < len(markers) and markers[len(found)] in seen:
                found.append(time.perf_counter() - start)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    return found


WIDGETS_APP = '''
from textual.app import App
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane
class Widgets(App):
    def compose(self):
        yield Static("widgets-ready")
        with Vertical():
            yield Input()
            yield DataTable()
            with Horizontal():
                yield DataTable()
                with TabbedContent():
                    with TabPane("Steps"):
                        yield DataTable()
                    for name in ("History", "Feed", "Error"):
                        with TabPane(name):
                            with VerticalScroll():
                                yield Static(name)
        yield Input()
Widgets().run()
'''


def _compile_package() -> None:
    """Write flowstage's bytecode first, as an installed copy has it. (This machine sets
    PYTHONDONTWRITEBYTECODE, so otherwise every launch recompiles the sources.)"""
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "flowstage_tui"),
                           quiet=1)


@section("tui")
def bench_tui(args: argparse.Namespace) -> None:
    """Launch to first frame and to first data, from outside the process, on a pty."""
    import tempfile

    _compile_package()
    exe = str(Path(sys.executable).parent / "flowstage")
    rounds = 9
    print(f"\n[tui] measured from outside the process on a 120x36 pty, median (min) of {rounds},"
          " the apps taking turns")
    bare_t: list[float] = []
    widgets_t: list[float] = []
    runs: list[list[float]] = []
    alias_t: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        alias_env = _alias_env(Path(tmp))
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        widgets = Path(tmp) / "widgets.py"
        widgets.write_text(WIDGETS_APP)
        for _ in range(rounds):
            bare_t += _pty_times([sys.executable, str(bare)], [b"bare-ready"])[:1]
            widgets_t += _pty_times([sys.executable, str(widgets)], [b"widgets-ready"])[:1]
            runs.append(_pty_times([exe, "--demo"], [b"DEMO", b"OR-0000"]))
            alias_t += _pty_times([exe, "prod"], [b"OR-0000"], env_extra=alias_env)[:1]

    def fig(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ({min(values) * 1000:.0f}) ms"

    first_frame = [r[0] for r in runs if r]
    first_data = [r[1] for r in runs if len(r) > 1]
    def ratio(values: list[float]) -> str:  # the machine's speed swings; this ratio less so
        return f"{statistics.median(values) / statistics.median(bare_t):.2f}x bare"

    row("bare Textual app (one Static): first frame", fig(bare_t))
    row("Textual app with flowstage's widgets, no logic: first frame", fig(widgets_t),
        ratio(widgets_t))
    row("flowstage --demo: first frame", fig(first_frame), f"target < 500 ms · {ratio(first_frame)}")
    row("flowstage --demo: first data (300-run demo org)", fig(first_data),
        f"target < 1000 ms · {ratio(first_data)}")
    row("flowstage PROFILE: first frame from 200 cached runs", fig(alias_t),
        f"target < 500 ms · {ratio(alias_t)}")


@section("keys")
def bench_keys(args: argparse.Namespace) -> None:
    """Keypress-to-repaint latency with 5,000 runs loaded, from outside the process: a key is
    written to the pty and the clock stops at the first byte of the repaint."""
    import fcntl
    import pty
    import select
    import struct
    import subprocess
    import termios

    _compile_package()
    exe = str(Path(sys.executable).parent / "flowstage")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none",
           "FLOWSTAGE_DEMO_CLOCK": "2026-11-28T09:00:00Z"}
    proc = subprocess.Popen([exe, "--demo", "--runs", "5000"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)

    def drain(quiet: float, limit: float = 30.0) -> bytes:
        out = b""
        start = time.perf_counter()
        last = start
        while time.perf_counter() - start < limit:
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                out += os.read(master, 1 << 16)
                last = time.perf_counter()
            elif time.perf_counter() - last > quiet:
                break
        return out

    try:
        seen = b""
        deadline = time.perf_counter() + 60
        while b"OR-000" not in seen and time.perf_counter() < deadline:
            seen += drain(0.2, 2)
        for _ in range(30):  # page down to the end: 5,000 runs, loaded 200 at a time
            os.write(master, b"G")
            drain(0.6, 5)
        drain(2.0, 10)
        times = []
        for i in range(150):
            os.write(master, b"k" if i % 2 else b"j")
            t = time.perf_counter()
            ready, _, _ = select.select([master], [], [], 5)
            if ready:
                times.append((time.perf_counter() - t) * 1000)
            drain(0.03, 2)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    times.sort()
    print("\n[keys] flowstage --demo --runs 5000, all pages loaded (G), j/k on a 120x36 pty")
    row("keypress to first repaint byte, median", f"{statistics.median(times):.1f} ms")
    row("keypress to first repaint byte, p95", f"{times[int(len(times) * 0.95)]:.1f} ms",
        "target p95 < 50 ms")


@section("monkey")
def bench_monkey(args: argparse.Namespace) -> None:
    """The monkey test at length: seeded random key bursts and resizes against a demo org with
    faults on, screen invariants checked as it goes (tests/ui/monkey.py)."""
    import asyncio
    import tempfile

    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    from flowstage_tui.emulator.org import DemoOrg
    from tests.ui.monkey import FAULTS, fixed_clock, run_monkey

    print(f"\n[monkey] 3 seeds x {args.monkey_keys:,} keys, faults {FAULTS}")
    for seed in (11, 12, 13):
        clock = fixed_clock()
        org = DemoOrg(seed=seed, runs=300, clock=clock, pace=10.0)
        failure = ""
        with tempfile.TemporaryDirectory() as tmp:
            try:
                report = asyncio.run(run_monkey(org, clock, seed=seed,
                                                presses=args.monkey_keys,
                                                export_dir=Path(tmp)))
            except AssertionError as exc:
                failure = str(exc).splitlines()[0]
        if failure:
            row(f"seed {seed}", "FAILED", failure[:80])
            continue
        row(f"seed {seed}: keys/s ({report.keys:,} keys, {report.resizes} resizes)",
            f"{report.keys_per_second:.0f}", f"exceptions: {len(report.exceptions)}")


@section("work")
def bench_work(args: argparse.Namespace) -> None:
    """Calls per idle poll with the Work view open; the queue's first data on a large org."""
    import work_queue  # beside this file (benchmarks/ is this script's directory)

    work_queue.bench(args, row)


@section("failures")
def bench_failures(args: argparse.Namespace) -> None:
    """Calls and time to build the failure clusters of every Error run on a large org."""
    import failure_clusters  # beside this file (benchmarks/ is this script's directory)

    failure_clusters.bench(args, row)


@section("latency")
def bench_latency(args: argparse.Namespace) -> None:
    """First data for the TUI and `runs` at 0/100/200 ms round trip, warm and cold describe
    cache, and the round trips on the critical path (slope of time over latency)."""
    import latency  # beside this file (benchmarks/ is this script's directory)

    _compile_package()
    latency.bench(row, _pty_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100_000, help="size of the large org")
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="sections to run")
    parser.add_argument("--monkey-keys", type=int, default=5_000, help="keys per monkey seed")
    args = parser.parse_args()
    print(f"flowstage benchmarks · {machine()}")
    for name, fn in SECTIONS.items():
        if not args.only or name in args.only:
            fn(args)


if __name__ == "__main__":
    main()
