"""First data over a slow link (issue 16): the TUI and headless `runs` against
`flowstage demo serve --latency MS` at 0, 100 and 200 ms, with a warm and a cold describe
cache, and the round trips on the critical path derived from them: the slope of time over
latency (ms per ms). The demo org's request log (`GET /__flowstage/requests`) says which
requests each start made, to corroborate the slope.

The emulator adds its latency to each answer of the API, logins and the versions list
included (checked here, endpoint by endpoint); it does not add any to opening a connection,
so a real link's TCP and TLS handshakes are not in these figures. Where start-up does other
work while a request is out (the TUI builds its first frame meanwhile), a round trip can hide
behind it at low latency and the slope comes out under the count of requests.

Run through benchmarks/run.py (`--only latency`); nothing here is asserted in tests.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Row = Callable[..., None]
PtyTimes = Callable[..., list[float]]

LATENCIES = (0, 100, 200)
CACHES = ("warm", "cold")
TARGET = {"warm": 1, "cold": 2}  # round trips to first data (issue 16, DESIGN.md)
ROUNDS = 7
MARKER = b"OR-0000"  # a run name: the runs table has rows
CONTROL = "/__flowstage/"
POLL_EVERY = 0.02  # seconds between reads of the request log while counting
EXE = str(Path(sys.executable).parent / "flowstage")
RUNS_CMD = ["runs", "-p", "bench", "--limit", "50", "--format", "json"]


class Served:
    """One `flowstage demo serve --frozen --latency MS` in another process."""

    def __init__(self, latency: int) -> None:
        self.latency = latency
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flowstage_tui", "demo", "serve", "--frozen", "--latency",
             str(latency)], stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.proc.stdout is not None
        info: dict[str, str] = {}
        while "access token" not in info:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                raise SystemExit("demo serve did not start")
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
        self.url = info["instance URL"]
        self.token = info["access token"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[float, Any]:
        """(seconds, answer) of one request; an HTTP error's body is an answer too."""
        req = urllib.request.Request(self.url + path, data=body, method=method, headers={
            "Authorization": f"Bearer {self.token}", **(headers or {})})
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
        took = time.perf_counter() - t
        try:
            return took, json.loads(raw)
        except ValueError:
            return took, raw

    def log(self) -> list[dict[str, Any]]:
        """The demo org's last 1,000 requests, oldest first (this read is logged after it)."""
        return list(self.call("GET", f"{CONTROL}requests")[1])


def since_mark(log: list[dict[str, Any]], reads: int) -> list[dict[str, Any]]:
    """The API requests in `log` after the mark, `reads` being how many reads of the log (the
    mark's included) were logged before this one. Counting reads from the end, not looking
    for the last one: a request can be logged while a read is being answered, ahead of it."""
    seen = 0
    for i in range(len(log) - 1, -1, -1):
        if log[i]["path"].startswith(CONTROL):
            seen += 1
            if seen == reads:
                return [e for e in log[i + 1:] if not e["path"].startswith(CONTROL)]
    raise RuntimeError("the request log no longer holds the mark (over 1,000 requests?)")


def kind(entry: dict[str, Any]) -> str:
    """A request in one word for the report."""
    path = str(entry["path"]).rstrip("/")
    if path == "/services/data":
        return "versions"
    if path.startswith(("/services/oauth2/token", "/services/Soap")):
        return "login"
    tail = path.rsplit("/", 1)[-1]
    if tail == "sobjects":
        return "describe-global"
    if tail == "describe":
        return "describe"
    return tail  # composite, query, userinfo, ...


def latency_per_endpoint(served: Served) -> dict[str, float]:
    """Milliseconds of one answer from each kind of endpoint (best of two): logins, the
    versions list, identity and the describes as well as composite and query. Refused logins
    are good enough: the question is whether the answer waits out the latency."""
    soql = "SELECT+Id+FROM+FlowOrchestrationInstance+LIMIT+1"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    calls: dict[str, tuple[str, str, bytes | None, dict[str, str]]] = {
        "login (OAuth)": ("POST", "/services/oauth2/token", b"grant_type=password", form),
        "login (SOAP)": ("POST", "/services/Soap/u/66.0", b"<x/>", {"Content-Type": "text/xml"}),
        "versions": ("GET", "/services/data/", None, {}),
        "userinfo": ("GET", "/services/oauth2/userinfo", None, {}),
        "describe-global": ("GET", "/services/data/v66.0/sobjects", None, {}),
        "describe": ("GET", "/services/data/v66.0/sobjects/FlowOrchestrationInstance/describe",
                     None, {}),
        "query": ("GET", f"/services/data/v66.0/query?q={soql}", None, {}),
        "composite": ("POST", "/services/data/v66.0/composite", json.dumps(
            {"compositeRequest": [{"method": "GET", "referenceId": "r",
                                   "url": f"/services/data/v66.0/query?q={soql}"}]}).encode(),
            {"Content-Type": "application/json"}),
    }
    return {name: min(served.call(*how)[0] for _ in range(2)) * 1000
            for name, how in calls.items()}


def write_profile(config: Path, url: str) -> None:
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        'default_profile = "bench"\n[profiles.bench]\nauth = "access-token"\n'
        f'instance_url = "{url}"\ntoken_env = "BENCH_TOKEN"\n')


def env_of(home: Path, config: Path, token: str) -> dict[str, str]:
    """Where this start keeps its caches (config/paths.py: the describe cache under
    XDG_CACHE_HOME, the TUI's last runs under XDG_STATE_HOME)."""
    return {"FLOWSTAGE_CONFIG_DIR": str(config), "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_STATE_HOME": str(home / "state"), "BENCH_TOKEN": token}


def forget_last_runs(home: Path) -> None:
    """The TUI's last-known runs would be first data without a round trip: gone before every
    start, warm or cold (the describe cache, and whatever else start-up keeps, stays)."""
    shutil.rmtree(home / "state" / "flowstage" / "last-runs", ignore_errors=True)


def start_once(what: str, env: dict[str, str], pty_times: PtyTimes) -> float:
    """Seconds to first data: `runs` until it exits (its JSON written), the TUI until a run
    name is on its 120x36 pty. NaN when the TUI showed none."""
    if what == "runs":
        t = time.perf_counter()
        subprocess.run([EXE, *RUNS_CMD], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, **env})
        return time.perf_counter() - t
    found = pty_times([EXE, "bench"], [MARKER], env_extra=env)
    return found[0] if found else float("nan")


class Watch:
    """Reads the request log every POLL_EVERY s while a start runs: when each of its requests
    reached the org, to within one read."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.reads = 0  # reads of the log logged so far, the mark's first
        self.seen: list[tuple[float, int]] = []  # (read's time, API requests since the mark)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def entries(self) -> list[dict[str, Any]]:
        """The API requests since the mark (the first call sets it)."""
        log = self.served.log()
        self.reads += 1
        return since_mark(log, self.reads - 1) if self.reads > 1 else []

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.seen.append((time.perf_counter(), len(self.entries())))
            self._stop.wait(POLL_EVERY)

    def __enter__(self) -> Watch:
        self.entries()
        self.seen.append((time.perf_counter(), 0))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def counted_start(served: Served, what: str, env: dict[str, str],
                  pty_times: PtyTimes) -> tuple[list[str], list[str]]:
    """One start with the request log watched: the requests answered before first data (in
    order) and those sent but not yet answered then."""
    with Watch(served) as watch:
        began = time.perf_counter()
        took = start_once(what, env, pty_times)
    names = [kind(e) for e in watch.entries()]
    first_data = began + took
    latency = served.latency / 1000
    # A request first seen by a read reached the org after the read before it, and was
    # answered `latency` after it reached the org: answered before first data if that could
    # be so. (A request sent on first data's heels is not, unless painting takes ~latency.)
    answered = 0
    for (before, _), (_, count) in zip(watch.seen, watch.seen[1:], strict=False):
        if before + latency <= first_data:
            answered = max(answered, count)
    return names[:answered], names[answered:]


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    return (sum((x - mx) * (y - my) for x, y in points) /
            sum((x - mx) ** 2 for x, _ in points))


@dataclass
class AtLatency:
    """What one latency's demo serve gave: median ms to first data by (command, cache), starts
    that showed no runs, and (when counted there) the requests of one start of each."""

    median_ms: dict[tuple[str, str], float] = field(default_factory=dict)
    failed: dict[tuple[str, str], int] = field(default_factory=dict)
    counts: dict[tuple[str, str], tuple[list[str], list[str]]] = field(default_factory=dict)
    per_endpoint: dict[str, float] = field(default_factory=dict)


def measure(latency: int, tmp: Path, pty_times: PtyTimes, *, count: bool) -> AtLatency:
    out = AtLatency()
    served = Served(latency)
    try:
        config = tmp / f"config-{latency}"
        write_profile(config, served.url)
        warm_home = tmp / f"warm-{latency}"
        warm = env_of(warm_home, config, served.token)
        colds = (env_of(tmp / f"cold-{latency}-{n}", config, served.token)
                 for n in itertools.count())
        for what in ("runs", "tui"):  # the earlier start that warms the cache
            start_once(what, warm, pty_times)
            forget_last_runs(warm_home)
        if count:
            out.per_endpoint = latency_per_endpoint(served)
            for what in ("runs", "tui"):
                out.counts[what, "cold"] = counted_start(served, what, next(colds), pty_times)
                out.counts[what, "warm"] = counted_start(served, what, warm, pty_times)
                forget_last_runs(warm_home)
        samples: dict[tuple[str, str], list[float]] = {}
        for _ in range(ROUNDS):
            for what in ("runs", "tui"):
                for cache in CACHES:  # taking turns: the machine's speed drifts
                    took = start_once(what, warm if cache == "warm" else next(colds),
                                      pty_times)
                    forget_last_runs(warm_home)
                    if math.isnan(took):
                        out.failed[what, cache] = out.failed.get((what, cache), 0) + 1
                    else:
                        samples.setdefault((what, cache), []).append(took * 1000)
        out.median_ms = {key: statistics.median(values) for key, values in samples.items()}
    finally:
        served.stop()
    return out


def bench(row: Row, pty_times: PtyTimes) -> None:
    print(f"\n[latency] first data through `demo serve --frozen --latency MS` (300-run org), "
          f"median of {ROUNDS}; runs: `flowstage {' '.join(RUNS_CMD)}` to exit; TUI: "
          f"`flowstage bench` on a 120x36 pty to a run name on screen; warm: describe cache "
          f"from an earlier start, cold: empty cache and state; no cached last runs")
    top = max(LATENCIES)
    with tempfile.TemporaryDirectory() as tmp:
        at = {lat: measure(lat, Path(tmp), pty_times, count=lat == top) for lat in LATENCIES}
    per_endpoint = at[top].per_endpoint
    waits = min(per_endpoint.values()) >= top
    row(f"every endpoint's answer waits out --latency {top} (best of 2)", "yes" if waits else "NO",
        ", ".join(f"{k} {v:.0f}" for k, v in per_endpoint.items()) + " ms")
    for what, label in (("runs", "`runs --limit 50 --format json`"), ("tui", "TUI")):
        for cache in CACHES:
            figures = [at[lat].median_ms.get((what, cache), math.nan) for lat in LATENCIES]
            row(f"{label} {cache}: first data at {' / '.join(map(str, LATENCIES))} ms",
                " / ".join(f"{f:.0f}" for f in figures) + " ms",
                ", ".join(f"{at[lat].failed[what, cache]} of {ROUNDS} showed no runs at {lat} ms"
                          for lat in LATENCIES if (what, cache) in at[lat].failed))
            trips = slope(list(zip(LATENCIES, figures, strict=True)))
            row("  round trips on the critical path (slope, ms per ms)",
                "n/a" if math.isnan(trips) else f"{round(trips)} ({trips:.2f})",
                f"target {TARGET[cache]} · {LATENCIES[-2]} to {top} ms alone: "
                f"{(figures[-1] - figures[-2]) / (top - LATENCIES[-2]):.2f}")
            before, after = at[top].counts.get((what, cache), ([], []))
            row(f"  requests before first data at {top} ms (request log)", f"{len(before)}",
                ", ".join(before))
            if after:
                row("    sent, not yet answered, when it showed", f"{len(after)}",
                    ", ".join(after))
