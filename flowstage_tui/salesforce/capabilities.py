"""What this org offers at this API version: which objects exist, which fields they have.

Queries select only what exists, so one engine works against any org and version; describe
results are cached per org and version in the user cache dir.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN = "FlowOrchestrationInstance"
STAGE = "FlowOrchestrationStageInstance"
STEP = "FlowOrchestrationStepInstance"
WORK = "FlowOrchestrationWorkItem"
LOG = "FlowOrchestrationLog"
INTERVIEW = "FlowInterview"
STAGE_FEED = "FlowOrchestrationStageInstanceFeed"
STAGE_HISTORY = "FlowOrchestrationStageInstanceHistory"
RUN_FEED = "FlowOrchestrationInstanceFeed"
RUN_HISTORY = "FlowOrchestrationInstanceHistory"
STAGE_SHARE = "FlowOrchestrationStageInstanceShare"
USER = "User"
GROUP = "Group"

OBJECTS = (RUN, STAGE, STEP, WORK, LOG, INTERVIEW, STAGE_FEED, STAGE_HISTORY, RUN_FEED,
           RUN_HISTORY, STAGE_SHARE, USER, GROUP, "FeedComment", "Organization")
# Where a relationship leads, for checking parent paths (`Interview.Error`).
RELATIONSHIPS = {
    (RUN, "Interview"): INTERVIEW, (WORK, "StepInstance"): STEP, (STEP, "StageInstance"): STAGE,
    (STAGE, "OrchestrationInstance"): RUN, (STEP, "OrchestrationInstance"): RUN,
    (LOG, "OrchestrationInstance"): RUN,
}
POLYMORPHIC_NAME_FIELDS = frozenset({"Id", "Name", "Type", "IsActive", "Alias", "Email",
                                     "FirstName", "LastName", "Username", "Title"})
POLYMORPHIC = {(WORK, "Assignee"), (WORK, "RelatedRecord"), (STAGE_SHARE, "UserOrGroup"),
               (STAGE_FEED, "InsertedBy"), (STAGE_HISTORY, "CreatedBy"), (RUN_FEED, "InsertedBy"),
               (RUN_HISTORY, "CreatedBy")}


@dataclass(frozen=True)
class Capabilities:
    version: str
    fields: Mapping[str, frozenset[str]]  # object -> field names (objects absent: not in org)

    def has(self, obj: str, field: str | None = None) -> bool:
        names = self.fields.get(obj)
        if names is None:
            return False
        return field is None or field in names

    def has_path(self, obj: str, dotted: str) -> bool:
        parts = dotted.split(".")
        if len(parts) == 1:
            return self.has(obj, parts[0])
        hop, rest = parts[0], ".".join(parts[1:])
        if (obj, hop) in POLYMORPHIC:
            return self.has(obj, hop + "Id") and rest in POLYMORPHIC_NAME_FIELDS
        target = RELATIONSHIPS.get((obj, hop))
        if target is None:
            return hop in ("CreatedBy", "LastModifiedBy") and self.has(obj, hop + "Id")
        return self.has(obj, hop + "Id") and self.has_path(target, rest)

    def select(self, obj: str, wanted: Iterable[str]) -> list[str]:
        return [f for f in wanted if self.has_path(obj, f)]

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "fields": {k: sorted(v) for k, v in self.fields.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Capabilities:
        return cls(str(data["version"]), {k: frozenset(v) for k, v in data["fields"].items()})


def from_describes(version: str, present: Iterable[str],
                   describes: Mapping[str, Mapping[str, Any]]) -> Capabilities:
    fields: dict[str, frozenset[str]] = {}
    for obj in present:
        desc = describes.get(obj)
        if desc is not None:
            fields[obj] = frozenset(f["name"] for f in desc.get("fields", []))
    return Capabilities(version, fields)


def cache_path(cache_dir: Path, org_id: str, version: str) -> Path:
    return cache_dir / "describe" / f"{org_id}-v{version}.json"


def load_cached(cache_dir: Path | None, org_id: str, version: str) -> Capabilities | None:
    if cache_dir is None:
        return None
    path = cache_path(cache_dir, org_id, version)
    try:
        return Capabilities.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged cache costs one describe; it must not stop the start-up


def store_cached(cache_dir: Path | None, org_id: str, caps: Capabilities) -> None:
    if cache_dir is None:
        return
    path = cache_path(cache_dir, org_id, caps.version)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".describe-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(caps.to_json(), fh)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs a describe next time
