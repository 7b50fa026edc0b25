"""Messages from an org's API thread to its TriageScreen, and between the UI's parts.

Those from the API thread carry immutable values only (DESIGN rule 4): no lock, no event, nothing
the thread keeps using after it has posted the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

from ..engine.state import HealthState, PollResult
from ..errors import FlowstageError
from ..salesforce.models import StageDetails
from ..salesforce.queries import RunFilter
from ..salesforce.work_filter import WorkFilter

if TYPE_CHECKING:  # the writes' modules load when the first write is prepared
    from ..engine.targets import Assignee
    from ..engine.write_plans import PreparedWrite
    from ..salesforce.clusters import FailureReport
    from ..salesforce.versions import VersionReport
    from ..salesforce.writes import WriteReport


class FromApiThread(Message, bubble=False):
    """Posted by an org's API thread to that org's TriageScreen, and handled there only."""


class PollStarted(FromApiThread, bubble=False):
    """A poll went out (one the user asked for, or the scheduled one): the header can say how
    long the org has been taking."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at


class PollProgress(FromApiThread, bubble=False):
    """Part of a poll that is still running: the first load's runs, before their children."""

    def __init__(self, result: PollResult) -> None:
        super().__init__()
        self.result = result


class PollDone(FromApiThread, bubble=False):
    """A poll finished. `delay`: seconds until the next one (None: none until the user asks,
    as when the budget governor has suspended polling)."""

    def __init__(self, result: PollResult, manual: bool = False, announce: bool = False,
                 delay: float | None = None) -> None:
        super().__init__()
        self.result = result
        self.manual = manual
        self.announce = announce
        self.delay = delay


class MoreLoaded(FromApiThread, bubble=False):
    """An older page of runs (load-more), with its children."""

    def __init__(self, result: PollResult) -> None:
        super().__init__()
        self.result = result


class DetailsReady(FromApiThread, bubble=False):
    def __init__(self, stage_id: str, details: StageDetails | FlowstageError) -> None:
        super().__init__()
        self.stage_id = stage_id
        self.details = details


class ApiIdle(FromApiThread, bubble=False):
    """The API thread has nothing left to do: every request up to `seq` is answered (or was
    superseded by a newer one)."""

    def __init__(self, seq: int) -> None:
        super().__init__()
        self.seq = seq


class AssigneesFound(FromApiThread, bubble=False):
    """The assignee picker's type-ahead: who matches `text` (or why the org would not say)."""

    def __init__(self, text: str, found: tuple[Assignee, ...] | FlowstageError) -> None:
        super().__init__()
        self.text = text
        self.found = found


class WritePrepared(FromApiThread, bubble=False):
    """The exact writes for what the user picked, read fresh from the org, for the confirm
    dialog; or why they cannot be made (an inactive assignee, the org unreachable)."""

    def __init__(self, action: str, prepared: PreparedWrite | FlowstageError) -> None:
        super().__init__()
        self.action = action
        self.prepared = prepared


class WritesDone(FromApiThread, bubble=False):
    """What the org answered for each write sent (or why nothing was sent)."""

    def __init__(self, action: str, report: WriteReport | FlowstageError) -> None:
        super().__init__()
        self.action = action
        self.report = report


class ApiFailed(FromApiThread, bubble=False):
    """A request raised where nothing should (a bug): the traceback goes to the log file."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


# ---------------------------------------------------------------- typed commands
# The command line (and the palette) post these; the screen or the App acts on them.

class FilterRequested(Message):
    def __init__(self, flt: RunFilter) -> None:
        super().__init__()
        self.flt = flt


class ViewRequested(Message):
    """:view NAME: open a saved view (its filter and sort)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class ColumnsRequested(Message):
    """:columns WORDS: hide (-NAME) or show (+NAME, all) Runs columns; none: list them."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words


class ViewSaveRequested(Message):
    """:save NAME: keep the current filter and sort as a view in config.toml."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class RunRequested(Message):
    def __init__(self, ident: str) -> None:
        super().__init__()
        self.ident = ident


class RefreshRequested(Message):
    pass


class WriteRequested(Message):
    """`:reassign`, `:cancel`, `:delete`, `:nudge` (the keys' twins), and `:resume`,
    `:suspend`, `:retry` (no documented API: the screen says where to do them instead)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind


class WorkRequested(Message):
    """`:work [assignee=… held>4h flag=…]`: open the Work view with that filter (None:
    every open item)."""

    def __init__(self, flt: WorkFilter | None) -> None:
        super().__init__()
        self.flt = flt


class OrgRequested(Message):
    """`:profile NAME` / `:open NAME`: go to that org's tab, opening it if needed ("" asks
    which)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class CloseOrgRequested(Message):
    pass


class QuitRequested(Message):
    pass


@dataclass(frozen=True)
class OrgBadge:
    """What the tab bar shows for one open org."""

    label: str
    color: str | None
    read_only: bool
    state: HealthState
    errors: int  # runs in Error, by the org's counts


class OrgStatus(Message):
    """A TriageScreen's badge changed: the App redraws every tab bar."""

    def __init__(self, key: str, badge: OrgBadge) -> None:
        super().__init__()
        self.key = key
        self.badge = badge


class FailuresRequested(Message):
    """`:failures [since=AGE]`: open the failure clusters of this org (`since`: failed within
    it; None, every Error run)."""

    def __init__(self, since: datetime | None) -> None:
        super().__init__()
        self.since = since


class FailuresReady(FromApiThread, bubble=False):
    """The failure clusters read on the API thread, or why they could not be."""

    def __init__(self, report: FailureReport | FlowstageError) -> None:
        super().__init__()
        self.report = report


class VersionsRequested(Message):
    """`:versions [orch=NAME]`: open the version drift of this org (`orchestration`: only the
    ones that name means; None, every one)."""

    def __init__(self, orchestration: str | None) -> None:
        super().__init__()
        self.orchestration = orchestration


class VersionsReady(FromApiThread, bubble=False):
    """The version drift read on the API thread, or why it could not be."""

    def __init__(self, report: VersionReport | FlowstageError) -> None:
        super().__init__()
        self.report = report
