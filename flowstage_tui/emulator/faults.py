"""Fault injection for the demo org: what a flaky network and a busy org do to clients."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

MAX_MS = 600_000  # 10 minutes: Salesforce's own limit for one REST call
MAX_SECONDS = 30 * 86_400
MAX_COUNT = 1_000_000_000
MAX_COMMIT_LAG = 3_600  # an hour: far beyond any real commit, still a bounded journal
MAX_SKEW = 86_400  # a day either way
MAX_BATCH = 2_000  # Salesforce's default (and largest) query batch


@dataclass(frozen=True)
class Rule:
    """What one knob accepts: a kind (rate, ms, count, seconds, flag) and its range."""

    kind: str
    low: float = 0
    high: float = 1

    def describe(self) -> str:
        if self.kind == "flag":
            return "true or false"
        if self.kind == "rate":
            return "a number from 0 to 1"
        if self.kind == "seconds":
            return f"a number of seconds from {self.low:,.0f} to {self.high:,.0f}"
        unit = " of milliseconds" if self.kind == "ms" else ""
        return f"a whole number{unit} from {self.low:,.0f} to {self.high:,.0f}"


RULES: dict[str, Rule] = {
    "latency_ms": Rule("ms", 0, MAX_MS),
    "jitter_ms": Rule("ms", 0, MAX_MS),
    "error_rate": Rule("rate"),
    "session_expiry_calls": Rule("count", 0, MAX_COUNT),
    "session_expiry_seconds": Rule("seconds", 0, MAX_SECONDS),
    "drop_rate": Rule("rate"),
    "timeout_rate": Rule("rate"),
    "malformed_rate": Rule("rate"),
    "offline": Rule("flag"),
    "subrequest_error_rate": Rule("rate"),
    "commit_lag_seconds": Rule("seconds", 0, MAX_COMMIT_LAG),
    "clock_skew_seconds": Rule("seconds", -MAX_SKEW, MAX_SKEW),
    "query_batch_size": Rule("count", 1, MAX_BATCH),
}


@dataclass(frozen=True)
class Invalid:
    """One refused key, with the sentence that says why (Salesforce error-body material)."""

    key: str
    code: str
    message: str


def check_value(key: str, value: Any, rule: Rule) -> tuple[Any, Invalid | None]:
    """The value as the knob stores it, or why it is refused. JSON booleans are not numbers
    (Python's True is an int), NaN and infinities are not numbers either."""
    wrong_type = Invalid(key, "JSON_PARSER_ERROR",
                         f"{key}: expected {rule.describe()}, got {value!r}")
    if rule.kind == "flag":
        return (value, None) if isinstance(value, bool) else (None, wrong_type)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, wrong_type
    if rule.kind in ("ms", "count") and value != int(value):
        return None, wrong_type
    if not rule.low <= value <= rule.high:
        return None, Invalid(key, "NUMBER_OUTSIDE_VALID_RANGE",
                             f"{key}: expected {rule.describe()}, got {value!r}")
    return (int(value) if rule.kind in ("ms", "count") else float(value)), None


def check(changes: dict[str, Any],
           rules: dict[str, Rule]) -> tuple[dict[str, Any], list[Invalid]]:
    """Every key of a request checked, before any is applied: the clean values, and every
    problem (each naming its key)."""
    clean: dict[str, Any] = {}
    problems: list[Invalid] = []
    known = sorted(rules)
    for key, value in changes.items():
        rule = rules.get(key)
        if rule is None:
            problems.append(Invalid(key, "INVALID_FIELD",
                                    f"{key}: no such setting; known: {', '.join(known)}"))
            continue
        stored, problem = check_value(key, value, rule)
        if problem is not None:
            problems.append(problem)
        else:
            clean[key] = stored
    return clean, problems


@dataclass
class Faults:
    """Every knob is off by default (the batch size is Salesforce's own). Rates are
    probabilities per counted request (per subrequest for subrequest_error_rate)."""

    latency_ms: int = 0
    jitter_ms: int = 0
    error_rate: float = 0.0  # share of requests answered 500/503 with a Salesforce body
    session_expiry_calls: int = 0  # INVALID_SESSION_ID after this many calls on one token
    session_expiry_seconds: float = 0.0  # ... or this long after the token was issued
    drop_rate: float = 0.0  # connection closed without an answer (server) / ConnectionError
    timeout_rate: float = 0.0  # no answer until the client's read timeout (server) / Timeout
    malformed_rate: float = 0.0  # body cut short or not JSON
    offline: bool = False  # every request fails to connect
    # share of /composite subrequests answered 500 inside an otherwise good 200 response
    subrequest_error_rate: float = 0.0
    # A background write (the live simulation's) commits up to this long after the
    # SystemModstamp it carries: until then no query, count or GET sees it (store.Journal).
    commit_lag_seconds: float = 0.0
    clock_skew_seconds: float = 0.0  # the org's clock is this far ahead (+) or behind (-)
    query_batch_size: int = MAX_BATCH  # rows per query answer before nextRecordsUrl

    def update(self, **changes: Any) -> None:
        """Apply all of these, or none: a bad value raises ValueError naming every bad key."""
        clean, problems = check(changes, RULES)
        if problems:
            raise ValueError("; ".join(p.message for p in problems))
        for key, value in clean.items():
            setattr(self, key, value)

    def clear(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
