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
    row(f"generate {args.runs:,} runs ({records:,} records)", f"{gen:.1f} s", "target < 10 s")
    row("peak RSS after generation",
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100_000, help="size of the large org")
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="sections to run")
    args = parser.parse_args()
    print(f"flowstage benchmarks · {machine()}")
    for name, fn in SECTIONS.items():
        if not args.only or name in args.only:
            fn(args)


if __name__ == "__main__":
    main()
