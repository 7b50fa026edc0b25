"""The last-known runs per profile, so the first frame has something to show before any call.

Kept in the user state dir; written atomically; a broken file is simply ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from ..salesforce.models import Run, RunStatus

FIELDS = ("id", "name", "status", "orchestration", "label", "current_stage", "created",
          "modified", "modstamp", "duration", "interview_id")


def save_runs(path: Path, runs: tuple[Run, ...], org_name: str | None) -> None:
    rows: list[dict[str, Any]] = []
    for r in runs[:200]:
        rows.append({k: (getattr(r, k).isoformat() if isinstance(getattr(r, k), datetime)
                         else str(getattr(r, k)) if k == "status" else getattr(r, k))
                     for k in FIELDS})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".runs-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"org": org_name, "runs": rows}, fh)
        os.replace(tmp, path)
    except OSError:
        pass


def load_runs(path: Path) -> tuple[tuple[Run, ...], str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        runs = []
        for row in data["runs"]:
            row = dict(row)
            for k in ("created", "modified", "modstamp"):
                row[k] = datetime.fromisoformat(row[k])
            row["status"] = RunStatus(row["status"])
            runs.append(Run(**row))
        return tuple(runs), data.get("org")
    except (OSError, ValueError, KeyError, TypeError):
        return (), None
