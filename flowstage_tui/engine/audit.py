"""The audit log: every write, before and after it is sent, one JSON object a line.

Appended with one O_APPEND write per entry and fsynced, so two flowstage processes writing at
once interleave whole lines and a crash loses at most the line being written (which
`entries()` skips). The file is created 0600: it names the org's records and users. It never
holds a secret: entries carry what was sent to the org (method, path, body) and what came
back (status, error code), never headers or tokens.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from ..clock import Clock, system_clock
from ..config import paths

FILE_MODE = 0o600
# Keys an entry may never carry, whatever a caller passes: the log is shown by
# `flowstage audit` and may be shared with a colleague.
SECRET_KEYS = frozenset({"access_token", "refresh_token", "authorization", "password",
                         "client_secret", "session_id", "token", "headers"})


def default_audit_path() -> Path:
    return paths.audit_file()


class AuditLog:
    def __init__(self, path: Path | None = None, clock: Clock = system_clock) -> None:
        self.path = path if path is not None else default_audit_path()
        self.clock = clock

    def record(self, entry: Mapping[str, Any]) -> None:
        """Append one entry (a `time` is added when it has none)."""
        clean = {k: v for k, v in entry.items() if k.lower() not in SECRET_KEYS}
        clean.setdefault("time", self.clock().astimezone(UTC).isoformat(
            timespec="milliseconds"))
        line = (json.dumps(clean, ensure_ascii=False, default=str, sort_keys=False)
                + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            info = os.fstat(fd)
            if info.st_mode & 0o077:
                os.fchmod(fd, FILE_MODE)  # a copy someone made readable: private again
            size = info.st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # after a torn line: begin a fresh one, lose nothing
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, oldest first; a torn or garbled line (a crash mid-write, an edit) is
        skipped rather than failing the whole log."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out: list[dict[str, Any]] = []
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                value = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(value, dict):
                out.append(value)
        return out
