"""Fault injection for the demo org: what a flaky network and a busy org do to clients."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Faults:
    """Every knob is off by default. Rates are probabilities per counted request."""

    latency_ms: int = 0
    jitter_ms: int = 0
    error_rate: float = 0.0  # share of requests answered 500/503 with a Salesforce body
    session_expiry_calls: int = 0  # INVALID_SESSION_ID after this many calls on one token
    session_expiry_seconds: float = 0.0  # ... or this long after the token was issued
    drop_rate: float = 0.0  # connection closed without an answer (server) / ConnectionError
    timeout_rate: float = 0.0  # no answer until the client's read timeout (server) / Timeout
    malformed_rate: float = 0.0  # body cut short or not JSON
    offline: bool = False  # every request fails to connect

    def update(self, **changes: Any) -> None:
        names = {f.name for f in fields(self)}
        for key, value in changes.items():
            if key not in names:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(sorted(names))}")
            setattr(self, key, type(getattr(self, key))(value))

    def clear(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
