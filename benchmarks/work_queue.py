"""The stuck-work queue's figures (issue 14): API calls per idle poll with the Work view open,
and the time to the queue's first data on a large org (a `demo serve` in another process, so
the client's time is the client's and the wire's, not the emulator's generation).

Run through benchmarks/run.py (`--only work`); nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

Row = Callable[..., None]


def idle_calls() -> tuple[int, int, int]:
    """(calls of an idle poll without the Work view, of the poll that opens it, of an idle
    poll with it open), on the 300-run demo org at a frozen moment."""
    from datetime import UTC, datetime

    from flowstage_tui.clock import utc_clock
    from flowstage_tui.demo import demo_connection
    from flowstage_tui.emulator.clock import ManualClock
    from flowstage_tui.emulator.org import DemoOrg
    from flowstage_tui.engine.sync import SyncEngine

    clock = ManualClock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    eng = SyncEngine(demo_connection(org), clock=utc_clock(clock))
    eng.poll_once()
    figures = []
    for opened in (False, True, True):
        if opened:
            eng.set_work_mode(True)
        clock.advance(15)
        mark = len(org.request_log)
        eng.poll_once()
        figures.append(sum(r.counted for r in org.request_log[mark:]))
    return figures[0], figures[1], figures[2]


CLIENT = '''
import json, sys, time
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.salesforce.client import Credentials, RedirectSession
from flowstage_tui.salesforce.connect import Connection
url, token = sys.argv[1], sys.argv[2]
conn = Connection(login=lambda: Credentials(token, url),
                  session_factory=lambda: RedirectSession(url))
eng = SyncEngine(conn)
res = eng.poll_once()
assert res.health.state == "live", res.health
eng.set_work_mode(True)  # the user opens the Work view on a loaded screen
t = time.perf_counter()
res = eng.poll_once()
opened = time.perf_counter() - t
assert res.health.state == "live", res.health
rows, open_calls = len(res.snapshot.work.rows), res.calls
t = time.perf_counter()
res = eng.poll_once()
idle = time.perf_counter() - t
from datetime import UTC, datetime
from flowstage_tui.salesforce.work import build_queue
items = [r.item for r in res.snapshot.work.rows]
t = time.perf_counter()
build_queue(items, now=datetime.now(UTC))
build = time.perf_counter() - t
cold = SyncEngine(conn)
cold.set_work_mode(True)  # flowstage started with the Work view open
t = time.perf_counter()
res2 = cold.poll_once()
first = time.perf_counter() - t
assert res2.health.state == "live" and len(res2.snapshot.work.rows) == rows
print(json.dumps({"open_view": opened, "open_calls": open_calls, "rows": rows,
                  "idle": idle, "idle_calls": res.calls, "build": build, "cold": first,
                  "cold_calls": res2.calls}))
'''


def warm_up(url: str, token: str) -> float:
    """Seconds the demo org takes to answer its first org-wide open-work-item question.

    The demo org writes a generated run's stages, steps and work items the first time a query
    could see them; every open item of the org is such a query for each run that can hold
    one (those planned InProgress or Suspended: emulator/held_back.py), so the first one
    writes those runs. That is the emulator's cost, not a real org's nor the client's: it is
    paid here, once, and reported apart."""
    import time

    import requests

    t = time.perf_counter()
    resp = requests.get(f"{url}/services/data/v66.0/query",
                        params={"q": "SELECT COUNT() FROM FlowOrchestrationWorkItem "
                                     "WHERE Status = 'Assigned'"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=3600)
    resp.raise_for_status()
    return time.perf_counter() - t


def tui_first_paint(url: str, token: str, tmp: Path) -> dict[str, float]:
    """The TUI on a profile pointed at the served org, on a 120x36 pty: seconds from `4` (once
    the runs are on screen) to the Work view's queue painted (its subtitle says "longest held
    first" only once the queue is there). The keystroke is written the moment the runs
    appear, so the figure holds the poll that opens the view, the queue build and the paint."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    config = tmp / "config"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text(
        'default_profile = "big"\n[profiles.big]\nauth = "access-token"\n'
        f'instance_url = "{url}"\ntoken_env = "BENCH_TOKEN"\n')
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none",
           "FLOWSTAGE_CONFIG_DIR": str(config), "XDG_STATE_HOME": str(tmp / "state"),
           "XDG_CACHE_HOME": str(tmp / "cache"), "BENCH_TOKEN": token}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    exe = str(Path(sys.executable).parent / "flowstage")
    proc = subprocess.Popen([exe, "big"], stdin=slave, stdout=slave, stderr=slave, env=env,
                            close_fds=True)
    os.close(slave)
    seen, out = b"", {}
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < 600:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 1 << 16)
                except OSError:
                    break
            if "runs" not in out and b"OR-0" in seen:
                out["runs"] = time.perf_counter() - start
                seen = b""
                os.write(master, b"4")
                pressed = time.perf_counter()
            if "runs" in out and b"longest held first" in seen:
                out["paint"] = time.perf_counter() - pressed
                break
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    return out


def large_org(runs: int, repeat: int = 3) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "client.py"
        script.write_text(CLIENT)
        serve = subprocess.Popen(
            [sys.executable, "-m", "flowstage_tui", "demo", "serve", "--frozen", "--runs",
             str(runs)], stdout=subprocess.PIPE, text=True,
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
            warm = warm_up(info["instance URL"], info["access token"])
            out = []
            for _ in range(repeat):
                done = subprocess.run([sys.executable, str(script), info["instance URL"],
                                       info["access token"]], capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(f"the work-queue client failed:\n{done.stderr}")
                paint = tui_first_paint(info["instance URL"], info["access token"], Path(tmp))
                out.append({**json.loads(done.stdout), "warm_up": warm,
                            "tui_runs": paint.get("runs", float("nan")),
                            "tui_paint": paint.get("paint", float("nan"))})
            return out
        finally:
            serve.terminate()
            serve.wait()


def bench(args: argparse.Namespace, row: Row) -> None:
    without, opening, idle = idle_calls()
    print("\n[work] the stuck-work queue: calls per poll (300-run org, frozen moment) and the "
          f"queue's first data on a {args.runs:,}-run org (loopback)")
    row("idle poll, Work view closed", f"{without} call", "target 1 call")
    row("the poll that opens the Work view (queue + who holds it)", f"{opening} calls")
    row("idle poll, Work view open", f"{idle} call", "target 1 call")
    results = large_org(args.runs)

    def med(key: str) -> float:
        return statistics.median(float(r[key]) for r in results)

    row("demo org answering its first every-open-item query (once)",
        f"{med('warm_up'):.1f} s", "emulator only: writes the runs that can hold one")
    row(f"open items in the queue ({args.runs:,} runs)", f"{int(med('rows')):,}")
    row("Work view opened on a loaded screen: to the queue's first data",
        f"{med('open_view'):.2f} s", f"{int(med('open_calls'))} calls")
    row("started with the Work view open: connect to first data", f"{med('cold'):.2f} s",
        f"{int(med('cold_calls'))} calls")
    row("idle poll with the Work view open (large org)", f"{med('idle') * 1000:.0f} ms",
        f"{int(med('idle_calls'))} call")
    row("TUI: `4` pressed as the runs appear, to the queue painted (120x36 pty)",
        f"{med('tui_paint'):.2f} s", f"runs on screen after {med('tui_runs'):.2f} s")
    row("  of which the client building the queue (flags, sort)", f"{med('build') * 1000:.0f} ms",
        "the rest: the round trip (the demo org scans its work items)")
