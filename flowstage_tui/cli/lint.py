"""`flowstage lint`: a read-only health check of the org, with an exit code for cron and CI.

The checks are salesforce/lint.py's (each finding: severity, one line, the fix); the reads
engine/lint.py's (connect, then four calls on a small org). Thresholds come from the profile's
`[profiles.NAME.lint]` table (config/lint_settings.py).

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad input or
config, 3 the org could not be reached (no answer, a server error, the session refused, the
API allowance used up).

Every lint that reaches the org saves what it found (finding keys, cluster sizes) to the state
dir, `lint/PROFILE.json`, atomically: the next lint's `--since-last` reports only findings
whose key was not in it, and the cluster-growth check compares against its sizes.

JSON shape (stable): {"profile", "at", "score", "fail_on", "since_last", "counts": {"error",
"warning", "info"}, "checks": [{"id", "severity", "title", "findings", "skipped", "note"}],
"findings": [{"check", "severity", "key", "subject", "message", "fix"}]}.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, TextIO

from ..errors import (
    ApiLimitExceeded,
    AuthNeeded,
    FlowstageError,
    NetworkDown,
    OrgUnavailable,
)
from ..export import clean_text, iso, json_text
from ..salesforce.lint import (
    CHECKS,
    SEVERITIES,
    LintReport,
    Severity,
    cluster_counts,
    run_checks,
)
from . import output as out
from .context import Context

FORMATS = ("table", "json", "junit")
STATE_VERSION = 1


class OrgUnreachable(FlowstageError):
    """Lint could not ask the org: exit 3, so cron tells "unhealthy" from "unknown"."""

    exit_code = 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("A read-only health check: Error runs whose resume window closes soon, "
                     "stale runs, paused interviews of ended runs, work items on inactive, "
                     "frozen or unresolvable assignees or held too long, failure clusters "
                     "that grew since the last lint. Each finding says what fixes it. Exit 0 "
                     "clean, 1 findings at or above --fail-on, 2 bad input, 3 the org could "
                     "not be reached. Thresholds: [profiles.NAME.lint].")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table for people (default); json for scripts; junit for CI")
    p.add_argument("--fail-on", choices=SEVERITIES, default=None, metavar="SEVERITY",
                   help="exit 1 when a finding is this severe or worse: error (default, or "
                   "the profile's lint.fail_on), warning, info")
    p.add_argument("--since-last", action="store_true",
                   help="report only findings the previous lint of this profile did not")


def state_file(profile: str) -> Path:
    from ..config import paths

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", profile) or "_"
    return paths.state_dir() / "lint" / f"{safe}.json"


def read_state(path: Path) -> dict[str, Any] | None:
    """The previous lint's state; None when there is none, or it cannot be read (then this
    lint starts afresh rather than fail: the state is ours, not the user's)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        return None
    if not isinstance(data.get("findings"), list) or not isinstance(data.get("clusters"), dict):
        return None
    return data


def write_state(path: Path, report: LintReport, clusters: dict[str, int],
                before: dict[str, Any] | None) -> None:
    """What this lint found, for the next one. A check skipped this time keeps what the
    previous lint found for it (and unread clusters their sizes): an org that refused a query
    once must not make every old finding "new" the time after."""
    from ..config.store import atomic_write

    keys = [f.key for f in report.findings]
    if before is not None:
        keys += [str(k) for k in before["findings"]
                 if str(k).split(":")[0] in report.skipped and str(k) not in keys]
    atomic_write(path, json.dumps({"version": STATE_VERSION, "at": iso(report.now),
                                   "findings": keys, "clusters": clusters}, indent=1) + "\n")


def record(report: LintReport, profile: str, fail_on: str, since_last: bool) -> dict[str, Any]:
    return {
        "profile": profile, "at": iso(report.now), "score": report.score, "fail_on": fail_on,
        "since_last": since_last, "counts": report.counts(),
        "checks": [{"id": c.id, "severity": c.severity.word, "title": c.title,
                    "findings": len(report.of(c.id)), "skipped": report.skipped.get(c.id),
                    "note": report.notes.get(c.id)}
                   for c in CHECKS],
        "findings": [{"check": f.check, "severity": f.severity.word, "key": f.key,
                      "subject": f.subject, "message": f.message, "fix": f.fix}
                     for f in report.findings],
    }


def wrap(text: str, width: int, first: str = "", rest: str = "") -> str:
    """Word-wrap by display width (a CJK character takes two columns, an emoji two), as
    textwrap cannot; a word longer than a line (an Id, a command) stays whole."""
    lines: list[str] = []
    line, placed = first, False
    for word in text.split(" "):
        candidate = line + (" " if placed else "") + word
        if placed and out.width_of(candidate) > width:
            lines.append(line)
            line = rest + word
        else:
            line = candidate
        placed = True
    lines.append(line)
    return "\n".join(lines)


def write_table(report: LintReport, profile: str, since_last: bool, stream: TextIO) -> None:
    width = max(40, shutil.get_terminal_size((100, 24)).columns)
    counts = report.counts()
    summary = ", ".join(f"{counts[w]} {w}{'s' * (counts[w] != 1 and w != 'info')}"
                        for w in SEVERITIES)
    new = " new since the last lint" if since_last else ""
    stream.write(wrap(f"lint {clean_text(profile)} at {report.now:%Y-%m-%d %H:%M} UTC: score "
                      f"{report.score}/100 · {summary}{new}", width, rest="  ") + "\n")
    for c in CHECKS:
        found = report.of(c.id)
        why = report.skipped.get(c.id)
        state = f"skipped: {why}" if why and not found else (
            f"{len(found)} finding{'s' * (len(found) != 1)}" if found else "ok")
        if c.id in report.notes:
            state += f" (in part: {report.notes[c.id]})"
        state = clean_text(state)
        stream.write("\n" + wrap(f"{c.severity.word.upper():7} {c.id}: {c.title} — {state}",
                                  width, rest="  ") + "\n")
        for f in found:
            stream.write(wrap(clean_text(f.message), width, "  • ", "    ") + "\n")
            stream.write(wrap("fix: " + clean_text(f.fix), width, "    ", "      ") + "\n")


def junit(report: LintReport, profile: str) -> str:
    """JUnit XML: one testcase per check, one failure per finding (text cleaned of control
    characters, which XML 1.0 cannot carry even escaped)."""
    failed = sum(1 for c in CHECKS if report.of(c.id))
    skipped = sum(1 for c in CHECKS if c.id in report.skipped and not report.of(c.id))
    stamp = iso(report.now) or ""
    root = ET.Element("testsuites", name="flowstage lint", tests=str(len(CHECKS)),
                      failures=str(failed), errors="0", skipped=str(skipped))
    suite = ET.SubElement(root, "testsuite", name=f"flowstage lint {clean_text(profile)}",
                          tests=str(len(CHECKS)), failures=str(failed), errors="0",
                          skipped=str(skipped), timestamp=stamp.rstrip("Z"), time="0")
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="score",
                  value=str(report.score))
    for c in CHECKS:
        case = ET.SubElement(suite, "testcase", classname="flowstage.lint", name=c.id,
                             time="0")
        found = report.of(c.id)
        if not found and c.id in report.skipped:
            ET.SubElement(case, "skipped", message=clean_text(report.skipped[c.id]))
        if c.id in report.notes:
            ET.SubElement(case, "system-out").text = "in part: " + clean_text(report.notes[c.id])
        for f in found:
            fail = ET.SubElement(case, "failure", type=f.severity.word,
                                 message=clean_text(f.message))
            fail.text = f"{clean_text(f.message)}\nfix: {clean_text(f.fix)}\nkey: {f.key}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def write(report: LintReport, fmt: str, profile: str, fail_on: str, since_last: bool,
          stream: TextIO) -> None:
    if fmt == "json":
        stream.write(json_text(record(report, profile, fail_on, since_last)))
    elif fmt == "junit":
        stream.write(junit(report, profile))
    else:
        write_table(report, profile, since_last, stream)


def cmd_lint(ctx: Context, args: argparse.Namespace, stream: TextIO | None = None) -> int:
    from ..engine.lint import read_lint

    stream = stream or sys.stdout
    fail_on = args.fail_on or ctx.profile.lint_fail_on
    settings = ctx.profile.lint
    path = state_file(ctx.profile.name)
    state = read_state(path)
    now = ctx.clock()
    try:
        client, caps = ctx.connection().open()
        data = read_lint(client, caps, now, settings)
    except (NetworkDown, OrgUnavailable, AuthNeeded, ApiLimitExceeded) as exc:
        raise OrgUnreachable(f"lint could not reach the org: {exc}") from None
    before = None if state is None else {str(k): int(v) for k, v in state["clusters"].items()
                                        if isinstance(v, int)}
    full = run_checks(data, settings, before)
    sizes = cluster_counts(data.clusters) if data.clusters is not None else (before or {})
    write_state(path, full, sizes, state)
    report = full.only_new(str(k) for k in state["findings"]) \
        if args.since_last and state is not None else full
    write(report, args.format, ctx.profile.name, fail_on, bool(args.since_last), stream)
    worst = report.worst()
    return 1 if worst is not None and worst >= Severity.of(fail_on) else 0


__all__ = ["FORMATS", "OrgUnreachable", "cmd_lint", "junit", "read_state", "state_file"]
