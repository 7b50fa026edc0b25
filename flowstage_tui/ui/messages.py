"""Messages from worker threads to the UI. They carry immutable values only (DESIGN rule 4)."""

from __future__ import annotations

import threading

from textual.message import Message

from ..engine.state import PollResult
from ..errors import FlowstageError
from ..salesforce.models import StageDetails


class PollDone(Message):
    def __init__(self, result: PollResult, manual: bool = False) -> None:
        super().__init__()
        self.result = result
        self.manual = manual


class PollProgress(Message):
    """Part of a poll that is still running: the first load's runs, before their children."""

    def __init__(self, result: PollResult) -> None:
        super().__init__()
        self.result = result
        self.painted = threading.Event()  # set by the UI once the runs are on screen


class DetailsReady(Message):
    def __init__(self, stage_id: str, details: StageDetails | FlowstageError) -> None:
        super().__init__()
        self.stage_id = stage_id
        self.details = details
