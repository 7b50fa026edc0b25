"""The details of one stage, fetched on demand in ONE call: its field history, its feed and
its run's (with comments), its run's log, its shares; and every stage's start and end, read
from that log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import FlowstageError
from ..salesforce import parse
from ..salesforce.models import LogEntry, StageDetails, StageRun
from ..salesforce.queries import QueryBuilder
from ..salesforce.resume_window import failure_time

if TYPE_CHECKING:  # the client drags in requests: the first frame must not wait for it
    from ..salesforce.client import SalesforceClient

_STAGE_ENDS = {"EndStage", "FailStage", "DiscontinueStage"}


def stage_times(log: tuple[LogEntry, ...]) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Each stage's start (its first StartStage) and end (its last End/Fail/DiscontinueStage),
    from the run log in time order: a stage record's LastModifiedDate moves whenever the record
    is touched again, the milestones do not."""
    times: dict[str, tuple[datetime | None, datetime | None]] = {}
    for e in log:
        if e.stage_name is None:
            continue
        start, end = times.get(e.stage_name, (None, None))
        if e.kind == "StartStage" and start is None:
            start = e.timestamp
        elif e.kind in _STAGE_ENDS:
            end = e.timestamp
        times[e.stage_name] = (start, end)
    return times


def fetch_details(client: SalesforceClient, builder: QueryBuilder,
                  stage: StageRun) -> StageDetails | FlowstageError:
    """What the org has of these, in one `/composite` call; objects the org lacks are not
    asked for (their part is None or empty). A failure is returned, never raised."""
    b = builder
    subs = [(ref, q) for ref, q in (
        ("history", b.stage_history(stage.id)), ("feed", b.stage_feed(stage.id)),
        ("run_feed", b.run_feed(stage.run_id)),
        ("log", b.run_log(stage.run_id)), ("shares", b.stage_shares(stage.id)),
    ) if q]
    try:
        res = client.composite(subs) if subs else {}
        history = feed = None
        if "history" in res:
            history = tuple(parse.history_entry(r) for r in client.records(res["history"]))
        if "feed" in res or "run_feed" in res:
            feed = tuple(parse.feed_post(r) for ref in ("run_feed", "feed") if ref in res
                         for r in client.records(res[ref]))
        run_log = tuple(parse.log_entry(r) for r in client.records(res["log"])) \
            if "log" in res else ()
        shares = tuple((parse.path(r, "UserOrGroup.Name") or r.get("UserOrGroupId") or "",
                        r.get("AccessLevel") or "", r.get("RowCause") or "")
                       for r in client.records(res["shares"])) if "shares" in res else ()
    except FlowstageError as exc:
        return exc
    log = tuple(e for e in run_log if e.stage_name in (None, stage.name))
    return StageDetails(stage.id, stage.run_id, history, feed, log, shares, stage_times(run_log),
                        failed_at=failure_time(run_log))
