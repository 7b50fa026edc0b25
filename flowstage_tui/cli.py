"""The flowstage command line.

Imports stay lazy: `flowstage --version` and `--help` must not load Textual or
simple-salesforce, and each command imports only what it uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .errors import FlowstageError, UsageError

COMMANDS = ("demo",)

DESCRIPTION = """\
Browse and triage Salesforce Flow Orchestration runs from a terminal.

commands:
  flowstage demo serve [options]   run the demo org (a Salesforce REST API emulator) on loopback
  flowstage demo dump [options]    write the demo org's data as JSON (replay it with --data)

examples:
  flowstage demo serve --port 8443 --token demo-token
  flowstage demo serve --tls --error-rate 0.2 --latency 300
  curl -H "Authorization: Bearer demo-token" \\
       "http://127.0.0.1:8443/services/data/v66.0/query?q=SELECT+Name,Status+FROM+FlowOrchestrationInstance+LIMIT+5"
  flowstage demo dump --seed 42 --runs 50 > incident.json
  flowstage demo serve --data incident.json --frozen

Run `flowstage demo serve --help` for every demo-org option.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected zero or more, got {text!r}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return value


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
    g.add_argument("--runs", type=_positive_int, default=300,
                   help="orchestration runs to generate over the last 30 days (default 300)")
    g.add_argument("--data", type=Path, metavar="FILE",
                   help="load records from a JSON file written by `flowstage demo dump` or "
                   "`flowstage snapshot` instead of generating them")
    g.add_argument("--no-feed-history", action="store_true",
                   help="no Feed/History objects, like the many orgs without field tracking")
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
    g.add_argument("--api-limit", type=_positive_int, default=100_000, metavar="N",
                   help="daily API allowance; calls beyond it get 403 REQUEST_LIMIT_EXCEEDED")


def build_demo_org(args: argparse.Namespace, clock: Any = None) -> Any:
    from .emulator.org import DemoOrg

    data = None
    if args.data is not None:
        data = load_data_file(args.data)
    org = DemoOrg(seed=args.seed, runs=args.runs, data=data, clock=clock,
                  frozen=getattr(args, "frozen", False),
                  feed_history=not args.no_feed_history, max_version=args.max_api_version,
                  api_limit=getattr(args, "api_limit", 100_000),
                  token=getattr(args, "token", None), pace=getattr(args, "pace", 3.0))
    if hasattr(args, "latency"):
        org.faults.update(latency_ms=args.latency, jitter_ms=args.jitter,
                          error_rate=args.error_rate,
                          session_expiry_calls=args.session_expiry_calls,
                          session_expiry_seconds=args.session_expiry_seconds,
                          drop_rate=args.drop_rate, timeout_rate=args.timeout_rate,
                          malformed_rate=args.malformed_rate)
    return org


def load_data_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}; pass a file written by "
                         "`flowstage demo dump`") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}); "
                         "pass a file written by `flowstage demo dump`") from exc
    if not isinstance(data, dict) or not isinstance(data.get("records", data), dict):
        raise UsageError(f"{path} does not hold demo-org records; pass a file written by "
                         "`flowstage demo dump`")
    return data


def demo_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="flowstage demo", description="The demo org: a faithful emulator of the "
                "Salesforce REST API with generated Flow Orchestration data.")
    sub = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    s = sub.add_parser("serve", help="serve the demo org on loopback until interrupted",
                       description="Serve the demo org over HTTP (or HTTPS with --tls) until "
                       "interrupted. Prints the instance URL and an access token.")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; "
                   "anything else exposes the org beyond this machine)")
    s.add_argument("--port", type=_positive_int, default=0,
                   help="port (default: a free one, printed at start)")
    s.add_argument("--tls", action="store_true", help="serve HTTPS")
    s.add_argument("--tls-cert", type=Path, metavar="FILE",
                   help="certificate (PEM) for --tls; without it a self-signed one is made")
    s.add_argument("--tls-key", type=Path, metavar="FILE", help="private key (PEM) for --tls-cert")
    s.add_argument("--token", help="fix the access token (default: a new random one)")
    s.add_argument("--frozen", action="store_true", help="turn the live simulation off")
    s.add_argument("--pace", type=float, default=3.0, metavar="S",
                   help="mean seconds between simulated events (default 3)")
    add_org_options(s)
    add_fault_options(s)
    d = sub.add_parser("dump", help="write the demo org's data as JSON to standard output",
                       description="Write the demo org's records as JSON (keyed by object API "
                       "name, fields by API name). Load it back with --data FILE.")
    d.add_argument("--at", metavar="ISO-8601",
                   help="generate as of this time instead of now (fixes every timestamp)")
    add_org_options(d)
    return p


def cmd_demo(argv: Sequence[str]) -> int:
    args = demo_parser().parse_args(argv)
    if args.action == "dump":
        clock = None
        if args.at:
            from .emulator.clock import ManualClock, sf_to_ms

            try:
                clock = ManualClock(sf_to_ms(args.at) / 1000)
            except ValueError:
                raise UsageError(f"--at: {args.at!r} is not an ISO-8601 date-time; write e.g. "
                                 "2026-11-28T09:00:00Z") from None
        org = build_demo_org(args, clock)
        sys.stdout.write(org.dump_json())
        sys.stdout.write("\n")
        return 0
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    import tempfile

    from .emulator.server import make_server, self_signed_certificate

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
    token = args.token
    if token is None:
        with org.lock:
            token = org.new_session().token
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
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in ("--version", "-V"):
            print(f"flowstage {__version__}")
            return 0
        if not args or args[0] in ("-h", "--help"):
            print(DESCRIPTION)
            return 0
        if args[0] == "demo":
            return cmd_demo(args[1:])
        raise UsageError(f"flowstage: unknown command {args[0]!r} (see `flowstage --help`)")
    except FlowstageError as exc:
        print(f"error: {exc}" if not str(exc).startswith("flowstage") else str(exc),
              file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
