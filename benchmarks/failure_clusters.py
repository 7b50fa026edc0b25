"""The failure clusters' figures (issue 15): API calls and time to build the clusters of every
Error run on a large org (a `demo serve` in another process, so the client's time is the
client's and the wire's, not the emulator's generation).

Run through benchmarks/run.py (`--only failures`); nothing here is asserted in tests.
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

CLIENT = '''
import json, sys, time
from datetime import UTC, datetime
from flowstage_tui.engine.clusters import read_failures
from flowstage_tui.salesforce.client import Credentials, RedirectSession
from flowstage_tui.salesforce.clusters import build_clusters
from flowstage_tui.salesforce.connect import Connection
url, token = sys.argv[1], sys.argv[2]
conn = Connection(login=lambda: Credentials(token, url),
                  session_factory=lambda: RedirectSession(url))
client, caps = conn.open()
before = client.stats.calls
t = time.perf_counter()
report = read_failures(client, caps, datetime.now(UTC))
took = time.perf_counter() - t
calls = client.stats.calls - before
failures = [f for c in report.clusters for f in c.failures]
t = time.perf_counter()
build_clusters(failures)
build = time.perf_counter() - t
print(json.dumps({"took": took, "calls": calls, "failures": len(failures),
                  "clusters": len(report.clusters), "build": build,
                  "biggest": report.clusters[0].count if report.clusters else 0}))
'''


def warm_up(url: str, token: str) -> float:
    """Seconds the demo org takes to answer its first question on every Error run's log rows.

    The demo org writes a generated run's stages, steps and log the first time a query could
    see them (emulator/held_back.py); the Fail* rows of every Error run are such a query. That
    is the emulator's cost, not a real org's nor the client's: paid here, once, reported
    apart."""
    import time

    import requests

    t = time.perf_counter()
    resp = requests.get(f"{url}/services/data/v66.0/query",
                        params={"q": "SELECT COUNT() FROM FlowOrchestrationLog WHERE Kind = "
                                     "'FailInstance' AND OrchestrationInstanceId IN (SELECT Id "
                                     "FROM FlowOrchestrationInstance WHERE Status = 'Error')"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=3600)
    resp.raise_for_status()
    return time.perf_counter() - t


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
                    raise SystemExit(f"the failures client failed:\n{done.stderr}")
                out.append({**json.loads(done.stdout), "warm_up": warm})
            return out
        finally:
            serve.terminate()
            serve.wait()


def bench(args: argparse.Namespace, row: Row) -> None:
    results = large_org(args.runs)

    def med(key: str) -> float:
        return statistics.median(float(r[key]) for r in results)

    print(f"\n[failures] failure clusters of every Error run on a {args.runs:,}-run org "
          "(loopback)")
    row("demo org answering its first every-Error-run log query (once)",
        f"{med('warm_up'):.1f} s", "emulator only: writes the Error runs' records")
    row(f"Error runs read ({args.runs:,} runs)", f"{int(med('failures')):,}",
        f"{int(med('clusters'))} clusters, the biggest {int(med('biggest'))}")
    row("clusters built: API calls", f"{int(med('calls'))} calls",
        "1 per 2,000 Error runs + 1 per 750 for their log rows; never 1 per run")
    row("clusters built: connect excluded, to the report", f"{med('took'):.2f} s")
    row("  of which the client fingerprinting and grouping", f"{med('build') * 1000:.0f} ms",
        "the rest: the round trips")
