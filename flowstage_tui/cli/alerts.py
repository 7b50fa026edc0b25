"""`flowstage watch --alert`: the profile's watch rules on every poll, headless.

Each alert goes three ways:
- one JSON line on stdout (`"event": "alert"`), so stdout stays machine-readable;
- a terminal notification (the profile's `notify`) written to the controlling terminal,
  /dev/tty, never to stdout: it then reaches the admin's terminal when stdout is a pipe or
  a file (`watch --alert >> alerts.jsonl`), and never corrupts the JSON stream. Without a
  controlling terminal (cron, systemd) there is none, said once on stderr;
- the `on_alert` command (the rule's, else the profile's): an argv run directly, never
  through a shell, the alert JSON on its stdin, stopped after `on_alert_timeout` seconds.
  Its output is not shown; its failure is one stderr line and never stops the watch. It
  gets our environment minus the variables the profile names as secret sources.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from .. import notify
from ..config.store import Profile
from ..engine.alerts import Alert, AlertWatch, ClusterAlert, RunAlert
from ..engine.budget import FAILURES_EVERY
from ..engine.state import Snapshot
from ..errors import FlowstageError
from ..export import iso, lightning_url
from ..salesforce.capabilities import RUN, WORK
from ..salesforce.clusters import FailureReport

if TYPE_CHECKING:
    from ..engine.sync import SyncEngine

TTY_PATH = "/dev/tty"  # the controlling terminal (tests point it at a file)
SECRET_ENV_KEYS = ("password_env", "security_token_env", "client_secret_env", "token_env")


def alert_record(alert: Alert, profile: str, instance: str | None) -> dict[str, Any]:
    """The documented JSON of one alert."""
    rule = alert.rule
    head: dict[str, Any] = {"event": "alert", "at": iso(alert.at), "profile": profile,
                            "rule": rule.name, "rule_index": rule.index}
    if isinstance(alert, RunAlert):
        run = alert.run
        return head | {
            "kind": "run-status", "run": run.name, "run_id": run.id,
            "orchestration": run.orchestration, "label": run.label,
            "from": alert.previous, "to": str(run.status), "stage": run.current_stage,
            "stage_label": alert.stage_label, "error": alert.error,
            "url": lightning_url(instance, RUN, run.id) if instance else None}
    if isinstance(alert, ClusterAlert):
        g = alert.growth
        c = g.cluster
        return head | {
            "kind": "cluster-growth", "fingerprint": c.fingerprint, "title": c.title(),
            "count": c.count, "previous": g.previous, "new_runs": list(g.new_runs),
            "orchestrations": [name for name, _v in c.orchestrations], "stage": c.stage,
            "step": c.step, "codes": list(c.codes), "message": c.message,
            "last_seen": iso(c.last_seen),
            "url": lightning_url(instance, RUN, g.new_runs[0]) if instance else None}
    row = alert.row
    return head | {
        "kind": "work-item", "work_item_id": row.item.id, "run": row.run_name or (
            alert.run.name if alert.run else None), "run_id": row.run_id,
        "label": row.run_label, "stage": row.stage_label, "step": row.step_label,
        "assignee": row.assignee_name, "assignee_id": row.item.assignee_id,
        "flags": sorted(str(f) for f in row.flags), "reasons": list(row.reasons),
        "held_seconds": row.held_seconds,
        "url": lightning_url(instance, WORK, row.item.id) if instance else None}


# JSON escapes C0 itself; DEL and C1 (0x9c is ST, 0x9b CSI) it leaves raw, and a terminal
# showing stdout may obey them: escaped too (\u009c is the same JSON string)
_C1 = {c: f"\\u{c:04x}" for c in range(0x7F, 0xA0)}


def json_line(record: Mapping[str, Any]) -> str:
    """One alert as a JSON line that carries no control character raw."""
    return json.dumps(record, ensure_ascii=False).translate(_C1)


def alert_words(record: Mapping[str, Any]) -> tuple[str, str]:
    """Title and body of the terminal notification (notify.py cleans both)."""
    title = f"flowstage: {record['rule']}"
    if record["kind"] == "cluster-growth":
        body = f"{record['title']}: {record['previous']} → {record['count']} runs " \
            f"(+{len(record['new_runs'])})"
    elif record["kind"] == "run-status":
        where = record.get("stage_label") or record.get("stage")
        body = f"{record['run']} {record.get('label') or record.get('orchestration') or ''}" \
            f" → {record['to']}" + (f" at {where}" if where else "") + \
            (f": {record['error']}" if record.get("error") else "")
    else:
        body = f"{record.get('run') or 'work item'} {record.get('step') or ''} held by " \
            f"{record.get('assignee') or record.get('assignee_id') or 'nobody'}: " + \
            "; ".join(record.get("reasons") or ())
    return title, " ".join(body.split())


def hook_env(profile: Profile, env: Mapping[str, str]) -> dict[str, str]:
    """Our environment minus the variables holding the profile's secrets."""
    secret = {str(profile.get(k)) for k in SECRET_ENV_KEYS if profile.get(k)}
    return {k: v for k, v in env.items() if k not in secret}


def run_hook(argv: tuple[str, ...], payload: bytes, timeout: float,
             env: Mapping[str, str]) -> str | None:
    """Run the command with `payload` on stdin; what went wrong in one line, or None."""
    name = argv[0]
    try:
        proc = subprocess.Popen([os.path.expanduser(name), *argv[1:]], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=dict(env), start_new_session=True)
    except OSError as exc:
        return f"cannot run {name!r}: {exc.strerror or exc}"
    try:
        _, err = proc.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        return f"{name!r} took longer than {timeout:g}s (on_alert_timeout); stopped it"
    except BaseException:
        _stop(proc)
        raise
    if proc.returncode != 0:
        lines = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
        said = notify.clean(lines[-1], 200) if lines else ""
        how = f"exited with {proc.returncode}" if proc.returncode > 0 else \
            f"was killed by signal {-proc.returncode}"
        return f"{name!r} {how}" + (f": {said}" if said else "")
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the command and whatever it started (its own session), then reap it."""
    try:
        killpg = getattr(os, "killpg", None)  # POSIX; elsewhere only the command itself
        if killpg is not None:
            killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass
    for pipe in (proc.stdin, proc.stderr):
        if pipe is not None:
            pipe.close()
    proc.wait()


class Cadence:
    """Due at the first ask, then once `every` has passed since it last was (by the clock the
    caller passes: the demo org's pinned one in tests)."""

    def __init__(self, every: float = FAILURES_EVERY.total_seconds()) -> None:
        self.every = every
        self.last: datetime | None = None

    def due(self, now: datetime) -> bool:
        if self.last is not None and (now - self.last).total_seconds() < self.every:
            return False
        self.last = now
        return True


@dataclass
class AlertRunner:
    profile: Profile
    out: TextIO
    err: TextIO = field(default_factory=lambda: sys.stderr)
    tty_path: str | None = None  # None: TTY_PATH
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    watch: AlertWatch = field(init=False)
    cadence: Cadence = field(default_factory=Cadence)  # when the cluster rules read next
    _tty: TextIO | None = field(default=None, init=False)
    _tty_failed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.watch = AlertWatch(self.profile.watch)

    @property
    def needs_work(self) -> bool:
        return self.watch.needs_work

    def poll(self, snap: Snapshot, instance: str | None) -> int:
        """Evaluate the rules on a good poll's snapshot; every alert out. How many."""
        return self._emit(self.watch.evaluate(snap), instance)

    @property
    def needs_clusters(self) -> bool:
        return self.watch.needs_clusters

    def clusters(self, report: FailureReport, instance: str | None) -> int:
        """Evaluate the cluster rules on a read of the failure clusters. How many alerts."""
        return self._emit(self.watch.evaluate_clusters(report), instance)

    def read_clusters(self, engine: SyncEngine, now: datetime, instance: str | None) -> int:
        """Read the failure clusters with the engine's client (its calls count in its budget)
        and evaluate the cluster rules; a read the org refuses is one stderr line, and the
        watch goes on."""
        from ..engine.clusters import read_failures

        client, caps = engine.client, engine.capabilities
        if client is None or caps is None:
            return 0
        try:
            report = read_failures(client, caps, now)
        except FlowstageError as exc:
            self.err.write(f"flowstage watch: could not read the failure clusters: "
                           f"{notify.clean(str(exc), 300)}\n")
            self.err.flush()
            return 0
        return self.clusters(report, instance)

    def _emit(self, alerts: list[Alert], instance: str | None) -> int:
        for alert in alerts:
            record = alert_record(alert, self.profile.name, instance)
            line = json_line(record)
            self.out.write(line + "\n")
            self.out.flush()
            self.notify(*alert_words(record))
            argv = alert.rule.on_alert or self.profile.on_alert
            if argv:
                problem = run_hook(argv, (line + "\n").encode("utf-8"),
                                   self.profile.on_alert_timeout, hook_env(self.profile,
                                                                           self.env))
                if problem:
                    self.err.write(f"flowstage watch: on_alert for {alert.rule.name!r}: "
                                   f"{problem}\n")
                    self.err.flush()
        return len(alerts)

    def notify(self, title: str, body: str) -> None:
        text = notify.notification(self.profile.notify, title, body, self.env)
        if not text or self._tty_failed:
            return
        try:
            if self._tty is None:
                self._tty = open(self.tty_path or TTY_PATH, "w", encoding="utf-8")
            self._tty.write(text)
            self._tty.flush()
        except OSError as exc:
            self._tty_failed = True
            self.err.write(f"flowstage watch: no terminal to notify ({self.tty_path or TTY_PATH}"
                           f": {exc.strerror or exc}); alerts still go to stdout and "
                           "on_alert\n")

    def close(self) -> None:
        if self._tty is not None:
            try:
                self._tty.close()
            except OSError:
                pass
            self._tty = None

