"""The flowstage command line.

Imports stay lazy: `flowstage --version` and `--help` must not load Textual or
simple-salesforce, and each command imports only what it uses.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .. import __version__
from ..errors import FlowstageError, UsageError

if TYPE_CHECKING:
    from .context import Context

COMMANDS = ("runs", "show", "watch", "snapshot", "work", "profiles", "config", "demo",
            "reassign", "cancel", "interviews", "nudge", "audit", "failures", "versions",
            "lint")
WRITE_COMMANDS = ("reassign", "cancel", "interviews", "nudge")  # cli/writes.py

DESCRIPTION = """\
flowstage: browse and triage Salesforce Flow Orchestration runs from a terminal.

usage:
  flowstage [PROFILE ...] [-p NAME] [--demo] [--read-only | --write] [--refresh SECS]
            [--status S] [--orchestration NAME] [--since AGE] [--view NAME] [--run ID]
            [--theme NAME]
  flowstage runs      [filters] [--limit N] [--format table|json|jsonl|csv] [--exit-code]
  flowstage show      RUN [--format table|json]
  flowstage watch     [filters] [--interval S] [--format text|jsonl] [--count N] [--alert]
  flowstage snapshot  [filters] [--limit N] > incident.json
  flowstage work      [--flag F] [--assignee NAME] [--filter WORDS] [--format table|json|…]
  flowstage failures  [--since AGE] [--orchestration NAME] [--cluster FP] [--format …]
  flowstage versions  [--orchestration NAME] [--format table|json|jsonl|csv]
  flowstage lint      [--fail-on error|warning|info] [--since-last] [--format table|json|junit]
  flowstage profiles  list | show NAME | add NAME --auth KIND [--KEY VALUE ...]
                      | remove NAME | set NAME KEY VALUE | test [NAME]
  flowstage config    path | validate | show
  flowstage demo      serve [options] | dump [options]
  flowstage reassign  WORKITEM... --to USER   [--write] [--dry-run] [--yes] [--format F]
  flowstage cancel    RUN...                  [--write] [--dry-run] [--yes] [--format F]
  flowstage interviews delete INTERVIEW... [--confirm RUN_NAME] [--write] [--dry-run] [--yes]
  flowstage nudge     RUN...                  [--write] [--dry-run] [--yes] [--format F]
  flowstage audit     [--limit N] [--format table|json|jsonl|csv]

Without a command, flowstage opens the triage screen for PROFILE (or default_profile); with
several (`flowstage prod uat`), one tab per org: { and } move between them.
Global options go before or after the command, as in git: --demo (the built-in demo org,
feed and history tracking on; with --seed N, --runs N, --data FILE, --no-feed-history),
-p/--profile NAME, --config PATH and -v (debug log in the user log directory; never any
secret). `flowstage -p prod runs` = `flowstage runs -p
prod`. Values may start with '-' (--text -draft). A profile cannot be named like a command.

filters:  --status Error,InProgress   --orchestration Employee_Onboarding
          --since 24h (30m, 7d, 2w)   --text OR-00012 (name or orchestration label)
          --preset stale (open, untouched for stale_after) | expiring (resume window < 48h)
          --view NAME (a saved view's filter and sort: [views.NAME], :save NAME in the TUI)

examples:
  flowstage --demo                               the triage screen on the demo org
  alias orch='flowstage prod'                    quick launch from a shell alias
  flowstage prod uat                             two orgs, one tab each ({ and } switch)
  flowstage runs -p prod --status Error --since 24h
  flowstage runs -p prod --status Error --since 1h --exit-code || alert "runs failed"
  flowstage show OR-0000123 --format json
  flowstage watch -p prod --format jsonl >> orchestration-events.jsonl
  flowstage watch -p prod --alert | tee -a alerts.jsonl   the profile's [[watch]] rules
  flowstage snapshot -p prod --status Error --since 7d > incident.json
  flowstage work -p prod --flag inactive --flag frozen   who holds work that cannot move
  flowstage failures -p prod --since 24h         Error runs grouped by the cause of failure
  flowstage runs -p prod --preset expiring       Error runs with under 48h left to resume
  flowstage --demo --data incident.json          replay that incident offline
  flowstage profiles add prod --auth sf-cli --sf-alias prod --color red --label PROD
  flowstage demo serve --port 8443               the demo org for curl and the sf CLI

writes (reassign, cancel, interviews delete, nudge): read-only unless --write or the profile
says read_only = false; each prints the exact requests and asks "Send N request(s)? [y/N]"
(--yes for scripts; without a terminal and without --yes: refused, exit 2); --dry-run sends
nothing. Every write is recorded before and after in the audit log (`flowstage audit`).

JSON output (stable): runs print objects with id, name, status, orchestration, label,
current_stage, created, modified, duration_seconds, url; show adds error, stages (with
steps and work items), log, history and feed (null when the org has no such object);
watch --format jsonl prints one event per change and, per poll,
{"event": "poll", "api_usage": USED, "api_limit": MAX, "changes": N, "health": STATE};
watch --alert prints only {"event": "alert", "rule", "kind":
"run-status"|"work-item"|"cluster-growth", …} lines (the README's Alerts section has every
field); --format jsonl adds the events;
work prints objects with id, label, flags, reasons, held_seconds, held_since, held_source,
assignee {id, name, kind, member_count}, run {id, name, label}, stage, step, context, url;
failures prints clusters with fingerprint, count, by_text, codes, first_seen, last_seen,
orchestrations [{name, versions}], stage, step, in_resume_window, per_hour, message,
normalised, run_ids;
versions prints orchestrations with orchestration, label, active_version, active_runs,
unplaced_runs, older [{version, name, in_progress, suspended, error, runs, oldest,
oldest_age_seconds, not_seen_on_active_version, run_ids}];
lint --format json prints {profile, at, score, fail_on, since_last, counts {error,
warning, info}, checks [{id, severity, title, findings, skipped, note}], findings
[{check, severity, key, subject, message, fix}]}.

environment: NO_COLOR=1 no colour · FLOWSTAGE_ASCII=1 nothing but ASCII on screen ·
TZ the zone the screen shows times in · FLOWSTAGE_CONFIG_DIR where config.toml lives.

exit codes: 0 ok · 1 runs --exit-code matched something, a write failed or its outcome is
unknown, or an org/auth error · 2 bad input, config, or a write refused before sending ·
lint: 1 findings at or above --fail-on, 3 the org could not be reached.
"""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: global options are found by their exact names before the command
        # (see split_command), and `--lim` must not change meaning when an option is added.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        """argparse, plus two checks on every value (found by the fuzz test): `--since=--`
        gives a list where one value belongs, and a byte that is not UTF-8 arrives as a lone
        surrogate that would only fail at the org ("garbled answer")."""
        ns, extras = super().parse_known_args(args, namespace)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) or not hasattr(ns, action.dest):
                continue
            value = getattr(ns, action.dest)
            label = action.option_strings[-1] if action.option_strings else (
                action.metavar if isinstance(action.metavar, str) else action.dest)
            appended = isinstance(action, argparse._AppendAction)
            items = value if appended and isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, list) and action.nargs is None:
                    self.error(f"argument {label}: expected one value (write {label} VALUE)")
                if isinstance(item, str | Path) and "\x00" in str(item):
                    self.error(f"argument {label}: {str(item)!r} contains a NUL character")
                if isinstance(item, str):
                    try:
                        item.encode("utf-8")
                    except UnicodeEncodeError:
                        self.error(f"argument {label}: {item!r} is not UTF-8 text; the "
                                   "terminal or script sent bytes in another encoding")
        return ns, extras


MAX_LIMIT = 50_000  # the most rows Salesforce lets one Apex transaction read; plenty for a list
MAX_DEMO_RUNS = 1_000_000


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _run_count(text: str) -> int:
    """--count: how many of something, at least one."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text!r}")
    return value


def _limit(text: str) -> int:
    value = _run_count(text)
    if value > MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_LIMIT}, got {text!r}; narrow "
                                         "the runs with --since or --status")
    return value


def _poll_seconds(text: str) -> float:
    """--refresh and --interval: the same bounds as a profile's poll_interval."""
    from ..config.store import poll_interval_problem

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    problem = poll_interval_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"expected {problem[0]}, got {text!r}: {problem[1]}")
    return value


def _positive_int(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected zero or more, got {text!r}")
    return value


def _demo_runs(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_DEMO_RUNS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_DEMO_RUNS} runs, got {text!r}")
    return value


def _user_perms(text: str) -> frozenset[str]:
    from ..demo import user_perms_option

    try:
        return user_perms_option(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


USER_PERMS_HELP = ("what the demo user may do: all (default), none, or a comma list of "
                   "ManageUsers, ManageFlow, ManageOrchestrationRuns, ApprovalAdmin; a "
                   "missing one makes the org refuse as Salesforce does (also settable at run "
                   "time: POST /__flowstage/permissions)")


def _port(text: str) -> int:
    value = _whole(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected 0 to 65535, got {text!r} (0 picks a free "
                                         "port)")
    return value


def _pace(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.01 <= value <= 3600:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected seconds from 0.01 to 3600, got {text!r}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return value


def _knob(key: str) -> Callable[[str], Any]:
    """An option that sets one demo-org fault knob: checked by that knob's own rule (the
    /__flowstage/faults endpoint's), so the two can never accept different values."""
    def parse(text: str) -> Any:
        from ..emulator.faults import RULES, check_value  # demo serve's options only

        rule = RULES[key]
        try:
            value: Any = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {rule.describe()}, got {text!r}"
                                             ) from None
        if rule.kind in ("ms", "count") and value == int(value):
            value = int(value)
        stored, problem = check_value(key, value, rule)
        if problem is not None:
            raise argparse.ArgumentTypeError(f"expected {rule.describe()}, got {text!r}")
        return stored

    parse.__name__ = key  # argparse names the type in some messages
    return parse


def _version(text: str) -> float:
    try:
        value = float(text.lstrip("v"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an API version like 62.0, got {text!r}"
                                         ) from None
    if not 53.0 <= value <= 66.0:
        raise argparse.ArgumentTypeError("the demo org offers API versions 53.0 to 66.0 for "
                                         "orchestration objects")
    return value


def add_org_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("demo org data")
    g.add_argument("--seed", type=int, default=7, help="data seed: same seed, same org "
                   "(default 7)")
    g.add_argument("--runs", type=_demo_runs, default=300,
                   help="orchestration runs to generate over the last 30 days (default 300)")
    g.add_argument("--data", type=Path, metavar="FILE",
                   help="load records from a JSON file written by `flowstage demo dump` or "
                   "`flowstage snapshot` instead of generating them")
    g.add_argument("--no-feed-history", action="store_true",
                   help="no Feed/History objects for runs and stages, as in most real orgs "
                   "(none of 17 real orgs' describes has them): History shows the run log's "
                   "milestones")
    g.add_argument("--user-perms", type=_user_perms, default=None, metavar="LIST",
                   help=USER_PERMS_HELP)
    g.add_argument("--max-api-version", type=_version, default=66.0, metavar="V",
                   help="highest API version the org offers (e.g. 55.0 hides CurrentStage, "
                   "Duration and OrchestrationLabel)")


def add_fault_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fault injection (also settable at run time: POST "
                             "/__flowstage/faults with the access token)")
    g.add_argument("--latency", type=_positive_int, default=0, metavar="MS",
                   help="added latency per API call")
    g.add_argument("--jitter", type=_positive_int, default=0, metavar="MS",
                   help="random +/- spread on the latency")
    g.add_argument("--error-rate", type=_rate, default=0.0, metavar="P",
                   help="share of API calls answered 500/503 with a Salesforce error body")
    g.add_argument("--session-expiry-calls", type=_positive_int, default=0, metavar="N",
                   help="sessions expire (INVALID_SESSION_ID) after N calls")
    g.add_argument("--session-expiry-seconds", type=_positive_int, default=0, metavar="S",
                   help="sessions expire S seconds after login")
    g.add_argument("--drop-rate", type=_rate, default=0.0, metavar="P",
                   help="share of connections closed without an answer")
    g.add_argument("--timeout-rate", type=_rate, default=0.0, metavar="P",
                   help="share of calls that never answer (the client's read timeout fires)")
    g.add_argument("--malformed-rate", type=_rate, default=0.0, metavar="P",
                   help="share of answers cut short (invalid JSON)")
    g.add_argument("--subrequest-error-rate", type=_knob("subrequest_error_rate"), default=0.0,
                   metavar="P", help="share of /composite subrequests answered 500 inside an "
                   "otherwise good answer")
    g.add_argument("--commit-lag", type=_knob("commit_lag_seconds"), default=0.0, metavar="S",
                   help="the live simulation's writes commit up to S seconds (0 to 3600) after "
                   "their SystemModstamp; no query sees them until then")
    g.add_argument("--clock-skew", type=_knob("clock_skew_seconds"), default=0.0, metavar="S",
                   help="the org's clock runs S seconds (-86400 to 86400) ahead of this "
                   "machine's (negative: behind)")
    g.add_argument("--query-batch-size", type=_knob("query_batch_size"), default=2000,
                   metavar="N", help="rows per query answer before nextRecordsUrl (1 to 2000, "
                   "default 2000 as on Salesforce)")
    g.add_argument("--api-limit", type=_positive_int, default=100_000, metavar="N",
                   help="daily API allowance; calls beyond it get 403 REQUEST_LIMIT_EXCEEDED")


def demo_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="flowstage demo", description="The demo org: a faithful emulator of the "
                "Salesforce REST API with generated Flow Orchestration data.")
    sub = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    s = sub.add_parser("serve", help="serve the demo org on loopback until interrupted",
                       description="Serve the demo org over HTTP (or HTTPS with --tls) until "
                       "interrupted. Prints the instance URL and an access token.")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; "
                   "anything else exposes the org beyond this machine)")
    s.add_argument("--port", type=_port, default=0,
                   help="port (default: a free one, printed at start)")
    s.add_argument("--tls", action="store_true", help="serve HTTPS")
    s.add_argument("--tls-cert", type=Path, metavar="FILE",
                   help="certificate (PEM) for --tls; without it a self-signed one is made")
    s.add_argument("--tls-key", type=Path, metavar="FILE", help="private key (PEM) for --tls-cert")
    s.add_argument("--token", help="fix the access token (default: a new random one)")
    s.add_argument("--frozen", action="store_true", help="turn the live simulation off")
    s.add_argument("--pace", type=_pace, default=3.0, metavar="S",
                   help="mean seconds between simulated events (default 3)")
    add_org_options(s)
    add_fault_options(s)
    add_common(s, org_data=False)
    d = sub.add_parser("dump", help="write the demo org's data as JSON to standard output",
                       description="Write the demo org's records as JSON (keyed by object API "
                       "name, fields by API name). Load it back with --data FILE.")
    d.add_argument("--at", metavar="ISO-8601",
                   help="generate as of this time instead of now (fixes every timestamp)")
    add_org_options(d)
    add_common(d, org_data=False)
    return p


def cmd_demo(argv: Sequence[str]) -> int:
    parser = demo_parser()
    args = parser.parse_args(normalise(list(argv), parser))
    _setup_logging(args)
    if args.action == "dump":
        from ..demo import build_demo_org, pinned_clock

        org = build_demo_org(args, pinned_clock(args.at, "--at") if args.at is not None
                             else None)
        sys.stdout.write(org.dump_json())
        sys.stdout.write("\n")
        return 0
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    import tempfile

    from ..demo import build_demo_org, session_token
    from ..emulator.server import make_server, self_signed_certificate  # serve only

    if args.tls_key and not args.tls_cert:
        raise UsageError("--tls-key needs --tls-cert; pass both, or neither for a self-signed "
                         "certificate")
    cert = key = None
    if args.tls or args.tls_cert:
        if args.tls_cert:
            cert, key = args.tls_cert, args.tls_key
            if not cert.exists():
                raise UsageError(f"--tls-cert: {cert} does not exist")
        else:
            cert, key = self_signed_certificate(Path(tempfile.mkdtemp(prefix="flowstage-tls-")),
                                                args.host)
    org = build_demo_org(args)
    try:
        server = make_server(org, args.host, args.port, tls_cert=cert, tls_key=key)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}; choose "
                         "another --port") from exc
    token = args.token if args.token is not None else session_token(org)
    out = sys.stdout
    out.write(f"flowstage demo org ({org.store.table('FlowOrchestrationInstance').rows.__len__()}"
              f" runs, seed {args.seed}{', frozen' if args.frozen else ''})\n")
    out.write(f"instance URL:  {server.origin}\n")
    out.write(f"access token:  {token}\n")
    out.write(f"username:      {org.credentials.username}\n")
    out.write(f"password:      {org.credentials.password} (security token "
              f"{org.credentials.security_token})\n")
    if cert is not None:
        out.write(f"certificate:   {cert}\n")
    out.write(f"try:           curl {'--cacert ' + str(cert) + ' ' if cert else ''}-H "
              f"'Authorization: Bearer {token}' "
              f"'{server.origin}/services/data/v66.0/query?q=SELECT+Name,Status+FROM+"
              "FlowOrchestrationInstance+LIMIT+5'\n")
    out.write("Press Ctrl+C to stop.\n")
    out.flush()
    _stop_on_signals()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _stop_on_signals() -> None:
    """Ctrl+C and SIGTERM stop `demo serve`, even when started from a process that ignores or
    blocks SIGINT (which a child inherits: nohup, some test runners, CI agents)."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def add_common(p: argparse.ArgumentParser, *, org_data: bool = True) -> None:
    """The global options: every command takes them, before or after its name.
    `org_data=False` where the command defines --seed/--runs/--data itself (demo serve/dump)."""
    g = p.add_argument_group("global options (anywhere on the line)")
    g.add_argument("-p", "--profile", metavar="NAME", action=_OneProfile,
                   help="profile from config.toml")
    g.add_argument("--demo", action="store_true",
                   help="use the built-in demo org (one with feed and history tracking on for "
                   "orchestration runs and stages; --no-feed-history: one without, as most "
                   "real orgs are)")
    g.add_argument("--config", type=Path, metavar="PATH", help="config file to use")
    g.add_argument("-v", "--verbose", action="store_true",
                   help="write a debug log to the user log directory")
    if not org_data:
        return
    g.add_argument("--seed", type=int, default=7,
                   help="with --demo: data seed; same seed, same org (default 7)")
    g.add_argument("--runs", dest="runs", type=_demo_runs, default=300,
                   help="with --demo: orchestration runs to generate (default 300)")
    g.add_argument("--data", type=Path, metavar="FILE",
                   help="with --demo: load the org from a dump or snapshot file")
    g.add_argument("--no-feed-history", action="store_true",
                   help="with --demo: an org without feed and history tracking for runs and "
                   "stages, as most real orgs are (History shows the run log's milestones)")
    g.add_argument("--user-perms", type=_user_perms, default=None, metavar="LIST",
                   help="with --demo: " + USER_PERMS_HELP)


def add_filters(p: argparse.ArgumentParser) -> None:
    from ..salesforce.models import RUN_STATUSES

    g = p.add_argument_group("filters")
    g.add_argument("--status", action="append", metavar="S",
                   help=", ".join(RUN_STATUSES) + " (comma-separated)")
    g.add_argument("--orchestration", metavar="NAME",
                   help="orchestration developer name, or part of its label")
    g.add_argument("--since", metavar="AGE", help="started within, e.g. 30m, 24h, 7d")
    g.add_argument("--text", metavar="TEXT", help="part of the run name or orchestration label")
    g.add_argument("--view", metavar="NAME",
                   help="a saved view's filter and sort ([views.NAME] in config.toml, saved "
                   "with :save NAME in the TUI); options given beside it win")
    g.add_argument("--preset", choices=("stale", "expiring"),
                   help="stale: InProgress or Suspended, unmodified for the profile's "
                   "stale_after (30d); expiring: Error runs whose 14-day resume window closes "
                   "within 48h")


def command_parser(name: str) -> argparse.ArgumentParser:
    if name not in COMMANDS:
        raise ValueError(f"{name!r} is not in COMMANDS")  # a new command is added there first
    if name == "demo":
        return demo_parser()
    p = _Parser(prog=f"flowstage {name}")
    if name == "runs":
        p.description = "List orchestration runs, newest first (or in a --view's order)."
        add_common(p)
        add_filters(p)
        p.add_argument("--limit", type=_limit, default=50, help="at most N runs (50)")
        p.add_argument("--format", choices=("table", "json", "jsonl", "csv"), default="table",
                       help="table for people (default); json, jsonl or csv for scripts")
        p.add_argument("--exit-code", action="store_true",
                       help="exit 1 when any run matched (for cron and monitoring)")
    elif name == "show":
        p.description = "One run with its stages, steps, work items, log, history, feed, error."
        add_common(p)
        p.add_argument("run", metavar="RUN", help="run Id (0jE…) or Name")
        p.add_argument("--format", choices=("table", "json"), default="table",
                       help="table for people (default); json for scripts")
    elif name == "watch":
        p.description = "Print one line per change (new run, stage change, error, work item)."
        add_common(p)
        add_filters(p)
        p.add_argument("--interval", type=_poll_seconds, metavar="S",
                       help="seconds between polls (default: the profile's poll_interval or 15)")
        p.add_argument("--format", choices=("text", "jsonl"), default="text",
                       help="one line per change (default), or one JSON object per line")
        p.add_argument("--count", type=_run_count, metavar="N", help="stop after N polls")
        p.add_argument("--alert", action="store_true",
                       help="evaluate the profile's [[watch]] rules: one JSON line per alert "
                       "on stdout, a terminal notification, and its on_alert command")
    elif name == "snapshot":
        p.description = ("Capture runs with everything under them in the demo org's data "
                         "format; replay with `flowstage --demo --data FILE`.")
        add_common(p)
        add_filters(p)
        p.add_argument("--limit", type=_limit, default=50, help="at most N runs (50)")
    elif name == "work":
        from . import work

        add_common(p)
        work.add_arguments(p)
    elif name == "failures":
        from . import failures

        add_common(p)
        failures.add_arguments(p)
    elif name == "versions":
        from . import versions

        add_common(p)
        versions.add_arguments(p)
    elif name == "lint":
        from . import lint

        add_common(p)
        lint.add_arguments(p)
    elif name == "profiles":
        from ..config.store import PROFILE_KEYS

        p.description = "Manage profiles in config.toml (the file changes only here)."
        sub = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
        common = _Parser(add_help=False)
        add_common(common)
        sub.add_parser("list", help="the profiles and which is the default", parents=[common])
        show = sub.add_parser("show", help="one profile's settings", parents=[common])
        show.add_argument("name", help="profile name")
        add = sub.add_parser("add", help="add a profile", parents=[common])
        add.add_argument("name", help="profile name, one word (`flowstage NAME` opens it)")
        add.add_argument("--auth", required=True, choices=AUTH_CHOICES, metavar="KIND",
                         help=PROFILE_KEYS["auth"][1])
        for key in PROFILE_OPTION_KEYS:
            metavar, example = PROFILE_OPTION_FORMS[key]
            what = PROFILE_KEYS[key][1].split(", e.g.")[0]
            add.add_argument("--" + key.replace("_", "-"), dest=key, metavar=metavar,
                             help=f"{what}; e.g. --{key.replace('_', '-')} {example}")
        add.add_argument("--default", action="store_true", help="make it the default profile")
        rm = sub.add_parser("remove", help="remove a profile", parents=[common])
        rm.add_argument("name", help="profile name")
        st = sub.add_parser("set", help="set one key of a profile", parents=[common])
        st.add_argument("name", help="profile name")
        st.add_argument("key", help="a profile key, as in config.toml: "
                        + ", ".join(PROFILE_KEYS))
        st.add_argument("value", help="its new value (true/false, a number, or text)")
        test = sub.add_parser("test", help="connect and print what the org offers",
                              parents=[common])
        test.add_argument("name", nargs="?", help="profile name (default: default_profile)")
    elif name in WRITE_COMMANDS or name == "audit":
        from .writes import configure_parser

        configure_parser(p, name, add_common, _Parser)
    elif name == "config":
        p.description = "Where files live, whether config.toml is valid, the effective settings."
        add_common(p)
        p.add_argument("action", choices=("path", "validate", "show"),
                       help="path: where files live; validate: check config.toml; show: the "
                       "effective settings of a profile")
    return p


class _OneProfile(argparse.Action):
    """-p once: a command works on one org (only the triage screen opens several, named as
    PROFILE words), and a second -p silently winning would run against the wrong org."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            raise UsageError("flowstage: -p/--profile given twice; a command works on one "
                             "profile (to open several in the triage screen: flowstage prod "
                             "uat)")
        setattr(namespace, self.dest, values)


def tui_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="flowstage", add_help=False)
    p.add_argument("profile_pos", nargs="*", metavar="PROFILE",
                   help="profiles to open, one tab each (the first in front)")
    add_common(p)
    add_filters(p)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--read-only", action="store_true", help="refuse every write")
    mode.add_argument("--write", action="store_true", help="allow writes (each is confirmed)")
    p.add_argument("--refresh", type=_poll_seconds, metavar="SECS",
                   help="seconds between polls (5 to 86400)")
    p.add_argument("--run", metavar="ID", help="open on this run (Id or Name)")
    p.add_argument("--theme", metavar="NAME", help="Textual theme, e.g. ansi-dark")
    p.add_argument("-V", "--version", action="version", version=f"flowstage {__version__}",
                   help="print the version")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] in (["--version"], ["-V"]):
            print(f"flowstage {__version__}")
            return 0
        command, rest = split_command(args)
        if command is None:
            if "-h" in args or "--help" in args:
                print(DESCRIPTION)
                return 0
            parser = tui_parser()
            ns = parser.parse_args(normalise(rest, parser))
            names = list(dict.fromkeys(([ns.profile] if ns.profile is not None else [])
                                       + list(ns.profile_pos)))
            if names and ns.demo:
                raise UsageError("flowstage: --demo opens the demo org alone; for two demo "
                                 "orgs add profiles with auth = \"demo\" and demo_seed")
            ns.profile, ns.more_profiles = (names[0] if names else None), names[1:]
            return run_tui(ns, prepare_tui(ns))
        if command == "demo":
            return cmd_demo(rest)
        parser = command_parser(command)
        return run_command(command, parser.parse_args(normalise(rest, parser)))
    except FlowstageError as exc:
        message = str(exc)
        detail = getattr(exc, "detail", None)
        if detail:  # Salesforce's own words, last line of its message (the snippet is noise)
            message += " " + detail.strip().splitlines()[-1]
        message = one_line(message)
        print(f"error: {message}" if not message.startswith("flowstage") else message,
              file=sys.stderr)
        return exc.exit_code
    except SystemExit as exc:  # argparse after --help or --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `flowstage runs | head`: the reader left; that is fine
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def one_line(message: str) -> str:
    """The message as one line of plain text: argparse and our own messages quote what the
    user typed, which may hold newlines or terminal escape sequences."""
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


# ------------------------------------------------------------------ finding the command
# Global options may come before or after the command, as in git and kubectl. The command is
# the first word that is neither an option nor an option's value; which options take a value
# is read from the parsers themselves, so a new option needs no change here.

def _arity(parser: argparse.ArgumentParser, into: dict[str, int] | None = None
           ) -> dict[str, int]:
    """Option string -> how many values it takes, for a parser and its sub-parsers (first
    definition wins: the caller passes the parser whose meaning matters most first)."""
    table: dict[str, int] = {} if into is None else into
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _arity(child, table)
            continue
        n = action.nargs
        count = n if isinstance(n, int) else (0 if n == argparse.OPTIONAL else 1)
        for opt in action.option_strings:
            table.setdefault(opt, count)
    return table


def _takes(tok: str, arity: dict[str, int]) -> int:
    """How many following words the option word `tok` consumes (-pNAME and -vp NAME too)."""
    if "=" in tok and tok.startswith("--"):
        return 0
    if tok in arity:
        return arity[tok]
    if tok.startswith("--"):
        return 0
    for i, c in enumerate(tok[1:], start=1):  # a cluster of short options
        n = arity.get("-" + c)
        if n is None or n == 0:
            if n is None:
                return 0
            continue
        return 0 if i < len(tok) - 1 else n  # -pNAME carries its value; -vp takes the next
    return 0


_NEGATIVE = re.compile(r"^-\d+$|^-\d*\.\d+$")  # argparse reads these as values, not options


def _first_word(args: Sequence[str], arity: dict[str, int]) -> int | None:
    i = 0
    while i < len(args):
        tok = args[i]
        if tok == "--":
            return i + 1 if i + 1 < len(args) else None
        if tok.startswith("-") and len(tok) > 1 and not _NEGATIVE.match(tok):
            i += 1 + _takes(tok, arity)
            continue
        return i
    return None


def split_command(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """(command, the other words in order), or (None, args) for the triage screen."""
    arity = _arity(tui_parser())
    for name in COMMANDS:
        _arity(command_parser(name), arity)
    i = _first_word(args, arity)
    if i is None or args[i] not in COMMANDS:
        if i is not None:  # `flowstage prod runs`: say where the profile goes
            j = _first_word(args[i + 1:], arity)
            if j is not None and args[i + 1 + j] in COMMANDS:
                cmd = args[i + 1 + j]
                raise UsageError(f"flowstage: {cmd!r} after the profile {args[i]!r}: a command "
                                 f"comes first, e.g. `flowstage {cmd} -p {args[i]}`")
        return None, list(args)
    return args[i], [*args[:i], *args[i + 1:]]


def normalise(args: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Words reordered and joined so that `parser` reads them as the user meant:
    - a sub-command (`profiles list`, `demo dump`) goes first, so options before it reach it;
    - `--since -5h` becomes `--since=-5h`: argparse would take `-5h` for an unknown option and
      say "expected one argument" instead of what is wrong with the value."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if subs:
        arity = _arity(parser)
        i = _first_word(args, arity)
        child = subs[0].choices.get(args[i]) if i is not None else None
        if i is None or child is None:
            return args
        return [args[i], *normalise([*args[:i], *args[i + 1:]], child)]
    known = parser._option_string_actions
    out: list[str] = []
    i = 0
    while i < len(args):
        tok = args[i]
        action = known.get(tok)
        if (action is not None and action.nargs is None and action.option_strings
                and i + 1 < len(args) and args[i + 1].startswith("-")
                and args[i + 1] not in known and args[i + 1] != "--"):
            out.append(f"{tok}={args[i + 1]}")
            i += 2
            continue
        if tok == "--":
            out.extend(args[i:])
            break
        out.append(tok)
        i += 1
    return out


def _setup_logging(args: argparse.Namespace) -> None:
    if not getattr(args, "verbose", False):
        return
    import logging

    from ..config.paths import log_dir

    directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=directory / "flowstage.log", level=logging.DEBUG,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # requests/urllib3 debug lines carry URLs only, never headers (tokens) or bodies.
    logging.getLogger("flowstage").debug("started: %s", " ".join(sys.argv[1:2]))


def run_command(name: str, args: argparse.Namespace) -> int:
    from . import commands
    from .context import resolve

    _setup_logging(args)
    if name == "profiles":
        from . import profiles

        return profiles.run(args)
    if name == "config":
        from . import profiles

        return profiles.config(args)
    if name == "audit":
        from .writes import cmd_audit

        return cmd_audit(args.profile or ("demo" if args.demo else None), args.limit,
                         args.format)
    ctx = resolve(args)
    if name in WRITE_COMMANDS:
        from .writes import cmd_write

        return cmd_write(ctx, name, args)
    if name == "work":
        from . import work

        return work.cmd_work(ctx, args)
    if name == "failures":
        from . import failures

        return failures.cmd_failures(ctx, args)
    if name == "versions":
        from . import versions

        return versions.cmd_versions(ctx, args)
    if name == "lint":
        from . import lint

        return lint.cmd_lint(ctx, args)
    if name in ("runs", "watch", "snapshot"):
        flt = ctx.run_filter(args.status, args.orchestration, args.since, args.text,
                             args.preset, view=args.view)
    if name == "runs":
        return commands.cmd_runs(ctx, flt, args.limit, args.format, args.exit_code,
                                 sort=ctx.run_sort(args.view))
    if name == "show":
        return commands.cmd_show(ctx, args.run, args.format)
    if name == "watch":
        # the profile's poll_interval was held to the same bounds as --interval
        interval = (args.interval if args.interval is not None
                    else float(ctx.profile.get("poll_interval", 15)))
        return commands.cmd_watch(ctx, flt, interval, args.format, args.count,
                                  alert=args.alert)
    return commands.cmd_snapshot(ctx, flt, args.limit)


def prepare_tui(args: argparse.Namespace) -> Context:
    """Everything the triage screen needs, checked before it opens: a bad value is exit 2 with
    one line here, not a toast (or a crash) once the screen is up."""
    from .context import resolve

    _setup_logging(args)
    ctx = resolve(args, interactive=True)
    if getattr(args, "data", None) is not None and ctx.demo_org is not None:
        ctx.demo_org.get()  # a replayed file that cannot load is exit 2 now, not a worker error
    ctx.run_filter(args.status, args.orchestration, args.since, args.text, args.preset,
                   view=args.view)
    if args.theme is not None:
        check_theme(args.theme, "--theme")
    elif ctx.profile.get("theme") is not None:
        check_theme(str(ctx.profile.get("theme")), f"profile {ctx.profile.name!r}: theme")
    check_keymap(ctx.config)
    for name in getattr(args, "more_profiles", ()):
        ctx.config.profile(name)  # an unknown one is exit 2 now, not a toast later
    return ctx


def check_keymap(config: Any) -> None:
    """A keymap entry that would not work (unknown id, unknown key, a key another binding
    keeps) is a config error now, not a silently dead or vanished key in the TUI."""
    if not config.keymap:
        return
    from ..config.store import config_error_at
    from ..ui.keymap import keymap_problems

    problems = keymap_problems(config.keymap)
    if problems:
        binding, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise config_error_at(config.path, "keymap", binding, message + more)


def check_theme(name: str, what: str) -> None:
    # Textual's theme list costs the import of Textual itself (~0.3 s): only the triage screen
    # and `config validate` pay it, and the triage screen loads Textual anyway.
    from ..ui.themes import theme_names

    names = theme_names()
    if name not in names:
        raise UsageError(f"{what}: unknown theme {name!r}; use one of {', '.join(names)}")


def run_tui(args: argparse.Namespace, ctx: Context) -> int:
    from .tui import launch

    return launch(ctx, args)


AUTH_CHOICES = ("sf-cli", "password", "jwt", "client-credentials", "access-token", "demo")
PROFILE_OPTION_KEYS = ("sf_alias", "instance_url", "login_url", "username", "client_id",
                       "private_key_file", "password_env", "security_token_env",
                       "client_secret_env", "token_env", "api_version", "ca_bundle",
                       "label", "color", "poll_interval", "theme", "read_only")
# `profiles add --KEY FORM`: what to type, and an example where the format matters.
PROFILE_OPTION_FORMS: dict[str, tuple[str, str]] = {
    "sf_alias": ("ALIAS", "prod"),
    "instance_url": ("URL", "https://acme.my.salesforce.com"),
    "login_url": ("URL", "https://test.salesforce.com (sandboxes) or "
                  "https://acme.my.salesforce.com"),
    "username": ("USER", "admin@acme.com"),
    "client_id": ("KEY", "3MVG9..."),
    "private_key_file": ("FILE", "~/.ssh/flowstage-jwt.key"),
    "password_env": ("VAR", "SF_PASSWORD"),
    "security_token_env": ("VAR", "SF_SECURITY_TOKEN"),
    "client_secret_env": ("VAR", "SF_CLIENT_SECRET"),
    "token_env": ("VAR", "SF_ACCESS_TOKEN"),
    "api_version": ("VERSION", "62.0"),
    "ca_bundle": ("FILE", "/etc/ssl/corp-ca.pem"),
    "label": ("TEXT", "PROD"),
    "color": ("COLOUR", "red"),
    "poll_interval": ("SECS", "30"),
    "theme": ("NAME", "ansi-dark"),
    "read_only": ("true|false", "false"),
}
