"""PollController: one per open org. One API thread owns that org's engine and client.

Everything that talks to the org (polls, a stage's details, load-more, a filter change) is a
request queued to that thread; results come back to the org's TriageScreen as typed,
immutable messages (`post_message` is the thread-safe door). The thread never waits for the
UI. It keeps its own schedule (Dolphie's pattern): the next poll is due a delay after the last
one finished, the delay the engine's budget governor and backoff give.

The queue has two priorities: what the user just asked for (a stage's details, a filter,
load-more, `r`) goes before a background poll. A request that a newer one supersedes is
dropped: the details of a stage the cursor has already left, an older filter, a second
load-more, an older assignee search. A request in flight is never interrupted, and a write
(SendWrites) is never dropped, merged or retried: see writes_thread.py.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message
from textual.message_pump import MessagePump

from ..engine.governor import BudgetGovernor
from ..engine.state import PollResult
from ..engine.sync import SyncEngine
from ..errors import FlowstageError
from ..salesforce.capabilities import RUN
from ..salesforce.connect import Connection
from ..salesforce.queries import RunFilter
from ..salesforce.run_sort import DEFAULT_SORT, RunSort
from ..salesforce.work import DEFAULT_STUCK_AFTER
from .messages import (
    ApiFailed,
    ApiIdle,
    DetailsReady,
    FailuresReady,
    MoreLoaded,
    PollDone,
    PollProgress,
    PollStarted,
    VersionsReady,
)
from .writes_thread import FindAssignees, PrepareWrite, SendWrites, WriteJob, handle_write

if TYPE_CHECKING:  # the clusters' modules load when :failures is first asked
    from ..salesforce.clusters import FailureReport
    from ..salesforce.versions import VersionReport


@dataclass(frozen=True)
class Poll:
    manual: bool = False  # the user asked (r): even when backing off or suspended
    announce: bool = False  # say "Refreshed." when it succeeds (r; not a filter change)


@dataclass(frozen=True)
class Details:
    stage_id: str


@dataclass(frozen=True)
class More:
    pass


@dataclass(frozen=True)
class SetFilter:
    flt: RunFilter
    sort: RunSort | None = None  # the Runs pane's order too (None: keep the engine's)


@dataclass(frozen=True)
class ReadFailures:
    since: datetime | None = None  # failed within; None: every Error run


@dataclass(frozen=True)
class ReadVersions:
    """The version drift of the org (one API call)."""


@dataclass(frozen=True)
class Pause:
    paused: bool


@dataclass(frozen=True)
class Background:
    background: bool


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class WorkMode:
    """The Work view opened (on) or closed: the per-poll work-item query widens to every open
    item of the org, or narrows back to the visible runs' items. The view asks for a poll
    after it, for the queue's first data."""

    on: bool


Request = (Poll | Details | More | SetFilter | Pause | Background | Stop | WriteJob | WorkMode
           | ReadFailures | ReadVersions)
# no API call: applied as soon as they are read
CONTROL = (Pause, Background, Stop, WorkMode)


def _urgent(request: Request) -> bool:
    """What the user just asked for, before a background poll."""
    return not isinstance(request, Poll) or request.manual


def prune(pending: list[tuple[int, Request]]) -> list[tuple[int, Request]]:
    """The requests worth doing, in the order to do them: the newest details and filter
    only; no poll or load-more queued before a filter change (the filter's reload is both);
    one poll, manual when any was; then urgent before background, each in arrival order."""
    last: dict[type, int] = {}
    for index, (_seq, request) in enumerate(pending):
        last[type(request)] = index
    keep: list[tuple[int, Request]] = []
    manual = any(isinstance(r, Poll) and r.manual for _s, r in pending)
    for index, (seq, request) in enumerate(pending):
        if isinstance(request, (Details, SetFilter, More, Poll, FindAssignees, ReadFailures,
                                ReadVersions)) and index != last[type(request)]:
            continue  # superseded by a newer one of its kind
        if isinstance(request, (Poll, More)) and last.get(SetFilter, -1) > index:
            continue  # the filter change reloads anyway
        if isinstance(request, Poll):  # the one poll left does what each of them asked
            request = Poll(manual, any(isinstance(r, Poll) and r.announce for _s, r in pending))
        keep.append((seq, request))
    return sorted(keep, key=lambda item: not _urgent(item[1]))  # stable: arrival order kept


class PollController:
    """The UI-thread side of one org's API thread: submit requests, know when it is idle."""

    def __init__(self, target: MessagePump, connection: Connection, *,
                 clock: Callable[[], datetime], flt: RunFilter, interval: float,
                 background_interval: float, page_size: int = 200,
                 rng_seed: int | None = None, cache_path: Path | None = None,
                 cache_target: str = "", governor: BudgetGovernor | None = None,
                 stuck_after: timedelta = DEFAULT_STUCK_AFTER,
                 sort: RunSort = DEFAULT_SORT) -> None:
        self._target = target
        self._sort = sort
        self._connection = connection
        self._clock = clock
        self._flt = flt
        self._interval = interval
        self._background_interval = background_interval
        self._page_size = page_size
        self._rng_seed = rng_seed
        self._cache_path = cache_path
        self._cache_target = cache_target
        self._governor = governor  # shared by the tabs on one org: one daily allowance
        self._stuck_after = stuck_after  # the profile's (the Work view's stuck flag)
        self._inbox: queue.SimpleQueue[tuple[int, Request]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._engine: SyncEngine | None = None  # made and used on the API thread only
        # UI-thread bookkeeping
        self._submitted = 0
        self._answered = 0
        self.paused = False
        self.background = False
        self.work_mode = False

    # ------------------------------------------------------------ UI thread
    @property
    def engine(self) -> SyncEngine | None:
        """The engine, for tests that inspect it once the thread is idle."""
        return self._engine

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def settled(self) -> bool:
        """Every request submitted so far has been answered (the screen has its results)."""
        return self._answered >= self._submitted

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="flowstage-api",
                                            daemon=True)
            self._thread.start()
            if self.paused:
                self.submit(Pause(True))
            if self.background:
                self.submit(Background(True))
            if self.work_mode:  # the Work view opened before the thread started
                self.submit(WorkMode(True))
            self.submit(Poll())

    def submit(self, request: Request) -> None:
        """Queue a request (before start(), Pause, Background and WorkMode are kept for
        it)."""
        if isinstance(request, Pause):
            self.paused = request.paused
        elif isinstance(request, Background):
            self.background = request.background
        elif isinstance(request, WorkMode):
            self.work_mode = request.on
        if self._thread is None:
            return
        self._submitted += 1
        self._inbox.put((self._submitted, request))

    def idle(self, message: ApiIdle) -> None:
        self._answered = max(self._answered, message.seq)

    def stop(self) -> None:
        self.submit(Stop())

    # ------------------------------------------------------------ API thread
    def _post(self, message: Message) -> None:
        self._target.post_message(message)

    def _run(self) -> None:
        engine = self._engine_for_thread()
        pending: list[tuple[int, Request]] = []
        seen = 0
        paused = False
        due: float | None = None  # time.monotonic() of the next scheduled poll
        while True:
            if not pending:
                timeout = None if paused or due is None else max(0.0, due - time.monotonic())
                try:
                    pending.append(self._inbox.get(timeout=timeout))
                except queue.Empty:
                    pending.append((0, Poll()))  # the scheduled poll is due
            while True:
                try:
                    pending.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            seen = max([seen, *(seq for seq, _r in pending)])
            for _seq, control in pending:
                if isinstance(control, Stop):
                    return
                if isinstance(control, Pause):
                    paused = control.paused
                elif isinstance(control, Background):
                    due = self._set_background(engine, control.background, due)
                elif isinstance(control, WorkMode):
                    engine.set_work_mode(control.on)
            pending = prune([p for p in pending if not isinstance(p[1], CONTROL)])
            if pending:
                _seq, request = pending.pop(0)
                try:
                    delay = self._handle(request)
                except Exception as exc:  # a bug: said and logged, the thread lives on
                    self._post(ApiFailed(exc))
                    delay = self._interval
                if delay is not False:
                    due = None if delay is None else time.monotonic() + delay
            if not pending:
                self._post(ApiIdle(seen))

    def _set_background(self, engine: SyncEngine, background: bool,
                        due: float | None) -> float | None:
        """A background tab polls at its own, slower interval; back in front, its next poll
        moves up to when the front interval says."""
        engine.set_interval_factor(self._background_interval / self._interval if background
                                   else 1.0)
        if due is None:
            return None
        delay = engine.next_delay()
        return None if delay is None else time.monotonic() + delay

    def _engine_for_thread(self) -> SyncEngine:
        if self._engine is None:
            self._engine = SyncEngine(self._connection, clock=self._clock, flt=self._flt,
                                      interval=self._interval, page_size=self._page_size,
                                      rng=random.Random(self._rng_seed),
                                      governor=self._governor,
                                      stuck_after=self._stuck_after, sort=self._sort)
        return self._engine

    def _handle(self, request: Request) -> float | bool | None:
        """Do one request; the delay until the next poll when it was a poll (None: none until
        the user asks), False when the schedule stays as it was."""
        engine = self._engine_for_thread()
        if isinstance(request, SetFilter):
            engine.set_filter(request.flt)
            if request.sort is not None:
                engine.set_sort(request.sort)
            request = Poll(manual=True)
        if isinstance(request, Poll):
            if request.manual:
                engine.retry_now()
            self._post(PollStarted(self._clock()))
            result = engine.poll_once(lambda part: self._post(PollProgress(part)))
            delay = engine.next_delay()
            self._save(result)
            self._post(PollDone(result, request.manual, request.announce, delay))
            return delay
        if isinstance(request, More):
            if engine.snapshot.more:
                self._post(PollStarted(self._clock()))
                self._post(MoreLoaded(engine.load_more()))
            return False
        if isinstance(request, (FindAssignees, PrepareWrite, SendWrites)):
            handle_write(engine, request, self._clock, self._post)  # never a poll's delay
            return False
        if isinstance(request, Details) and engine.client is not None:
            self._post(DetailsReady(request.stage_id, engine.fetch_details(request.stage_id)))
        if isinstance(request, ReadFailures):
            self._post(FailuresReady(read_failures_on(engine, self._clock(), request.since)))
        if isinstance(request, ReadVersions):
            self._post(VersionsReady(read_versions_on(engine, self._clock())))
        return False

    def _save(self, result: PollResult) -> None:
        """The profile's last-known runs, for the next start's first frame: written here, off
        the UI thread, and only when the runs changed."""
        snap = result.snapshot
        if self._cache_path is None or not result.health.ok or not snap.runs or not (
                result.changes.full or result.changes.ids(RUN)):
            return
        from ..engine.cache import save_runs

        save_runs(self._cache_path, snap.runs, snap.org, self._cache_target)


def read_failures_on(engine: SyncEngine, now: datetime,
                     since: datetime | None) -> FailureReport | FlowstageError:
    """The failure clusters, on the API thread, with the engine's client (a connection not
    yet made, or lost, is said, not raised)."""
    from ..engine.clusters import read_failures

    client, caps = engine.client, engine.capabilities
    if client is None or caps is None:
        return FlowstageError("Not connected to the org yet; try :failures again when the "
                              "runs are on screen.")
    try:
        return read_failures(client, caps, now, since=since)
    except FlowstageError as exc:
        return exc


def read_versions_on(engine: SyncEngine, now: datetime) -> VersionReport | FlowstageError:
    """The version drift, on the API thread, with the engine's client (a connection not yet
    made, or lost, is said, not raised)."""
    from ..engine.versions import read_versions

    client, caps = engine.client, engine.capabilities
    if client is None or caps is None:
        return FlowstageError("Not connected to the org yet; try :versions again when the "
                              "runs are on screen.")
    try:
        return read_versions(client, caps, now)
    except FlowstageError as exc:
        return exc


async def all_answered(pollers: Callable[[], Iterable[PollController | None]],
                       timeout: float = 60.0) -> None:
    """Until every controller's API thread has answered every request sent to it (tests,
    screenshots and benchmarks wait for this instead of sleeping)."""
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not all(p is None or p.settled for p in pollers()):
        if loop.time() > end:
            raise TimeoutError("an org's API thread did not answer in time")
        await asyncio.sleep(0.005)
