"""The last-known runs per profile, so the first frame has something to show before any call.

Kept in the user state dir; written atomically; a broken file is simply ignored. A cache
written for another org is never shown: it records what the profile pointed at (a profile
re-pointed at another org starts empty) and the org's Id (an sf alias that now logs in to
another org: its rows go the moment the first answer names a different org).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..salesforce.models import OrgInfo, Run, RunStatus

FIELDS = ("id", "name", "status", "orchestration", "label", "current_stage", "created",
          "modified", "modstamp", "duration", "interview_id")


TARGET_KEYS = ("auth", "instance_url", "login_url", "username", "sf_alias")


@dataclass(frozen=True)
class CachedRuns:
    runs: tuple[Run, ...] = ()
    org_name: str | None = None
    org_id: str | None = None
    instance_url: str | None = None


def target_of(profile_values: Mapping[str, Any]) -> str:
    """What a profile points at; a cache written for another target is not this org's."""
    return "|".join(str(profile_values.get(k) or "") for k in TARGET_KEYS)


def save_runs(path: Path, runs: tuple[Run, ...], org: OrgInfo | None, target: str) -> None:
    rows: list[dict[str, Any]] = []
    for r in runs[:200]:
        rows.append({k: (getattr(r, k).isoformat() if isinstance(getattr(r, k), datetime)
                         else str(getattr(r, k)) if k == "status" else getattr(r, k))
                     for k in FIELDS})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".runs-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"target": target, "org": org.name if org else None,
                       "org_id": org.org_id if org else None,
                       "instance_url": org.instance_url if org else None, "runs": rows}, fh)
        os.replace(tmp, path)
    except OSError:
        pass


def load_runs(path: Path, target: str) -> CachedRuns:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("target") != target:
            return CachedRuns()
        runs = []
        for row in data["runs"]:
            row = dict(row)
            for k in ("created", "modified", "modstamp"):
                row[k] = datetime.fromisoformat(row[k])
            row["status"] = RunStatus(row["status"])
            runs.append(Run(**row))
        return CachedRuns(tuple(runs), data.get("org"), data.get("org_id"),
                          data.get("instance_url"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return CachedRuns()
