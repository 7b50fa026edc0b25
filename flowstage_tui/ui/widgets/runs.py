"""The Runs pane's table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from ...salesforce.models import (
    InterviewError,
    Run,
    StageRun,
)
from .. import present as P
from .markable import MarkableTable
from .table import Col, share

CHANGE_MARK_SECONDS = 6.0


class RunsTable(MarkableTable):
    """Runs, newest first. Rows are keyed by run Id so live updates keep the cursor.

    The orchestration and stage names share the width the fixed columns leave (3:2); in a
    terminal under 110 columns the status is its glyph and Started its time (or date), and
    in a narrower one Took, then Started, then Stage give way.

    Its first column shows a run marked for a bulk action (`+`, see MarkableTable) or, for a
    few seconds, one the last poll changed (`●`)."""

    BINDINGS = [
        Binding("enter", "screen.drill('stages')", "Open", show=False, id="drill",
                tooltip="open: runs → stages → steps"),
        Binding("escape", "unmark_or('screen.clear_filter')", "Back", id="back",
                tooltip="back out one level (clears the marks first); closes the filter or "
                "command line"),
        Binding("s", "screen.sort_next", "Sort", show=False, id="sort",
                tooltip="sort the runs on the server by the next column: Name, Started, "
                "Modified, Orchestration (not Status: SOQL sorts it in setup order; nor "
                "Duration: it changes every second)"),
        Binding("S", "screen.sort_reverse", "Reverse", show=False, id="sort.reverse",
                tooltip="reverse the runs' sort (nulls first ascending, last descending)"),
    ]

    WRITES = ("cancel", "delete", "nudge")

    class MoreWanted(Message):
        """G: older runs, if the org has any."""

    COLUMNS = ("mark", "Status", "Orchestration", "Run", "Stage", "Started", "Took", "Age")
    LABELS = {"mark": "", "Status": "Status", "Orchestration": "Orchestration", "Run": "Run",
              "Stage": "Stage", "Started": "Started", "Took": "Took", "Age": "Age"}
    COMPACT_LABELS = {"Status": "", "Started": "Start"}  # the status glyph says it; 5 cells
    WIDE = 106  # cells of text and gaps from which the status word and the date are shown
    compact = False
    _run_room = 10  # the widest run name (autonumbers: the same for every run of an org)
    hidden: frozenset[str] = frozenset()  # columns the user hid (`:columns`, HIDEABLE)
    _runs: dict[str, Run] = {}  # show() replaces it, never mutates it
    _shown: tuple[list[Run], datetime, set[str], Mapping[str, tuple[StageRun, ...]]] | None \
        = None

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._unlabelled: set[str] = set()  # rows showing a stage's API name for want of
        # its label: redrawn when a poll brings the stages, though the run did not change

    def on_mount(self) -> None:
        super().on_mount()
        self.zebra_stripes = True

    def action_last_row(self) -> None:
        super().action_last_row()
        self.post_message(self.MoreWanted())

    def columns_for(self, width: int) -> tuple[Col, ...]:
        self.compact = width < self.WIDE
        hide = self.hidden
        fixed = {k: v for k, v in {"mark": 1, "Status": 1 if self.compact else 14,
                                   "Run": self._run_room, "Started": 5 if self.compact else 11,
                                   "Took": 7, "Age": 7}.items() if k not in hide}
        flexible = {k: v for k, v in {"Orchestration": (3, 12), "Stage": (2, 10)}.items()
                    if k not in hide}
        if not flexible:  # both names hidden (`:columns`): the first column left takes the rest
            first = next((k for k in self.COLUMNS[1:] if k in fixed), None)
            if first is None:  # nothing left to show (the command refuses to hide all)
                return (Col("mark", "", 1),)
            flexible = {first: (1, fixed.pop(first))}
        room = share(width, fixed, flexible, drop=("Took", "Started")) or share(
            width, fixed, dict(list(flexible.items())[:1]), drop=("Took", "Started", "Age"))
        if room is None:  # a sliver of a terminal: the status and the run's name
            left = width - 1 - 2 * self.GAP
            room = {"Status": 1, "Run": min(self._run_room, max(3, left))}
            if left - room["Run"] - self.GAP >= 4:
                room["Orchestration"] = left - room["Run"] - self.GAP
        labels = {**self.LABELS, **(self.COMPACT_LABELS if self.compact else {})}
        return tuple(Col(k, labels[k], room[k]) for k in self.COLUMNS if k in room and
                     k not in hide)

    def set_hidden(self, hidden: frozenset[str]) -> None:
        """Hide these columns (`:columns`); every row is drawn again without them."""
        if hidden != self.hidden:
            self.hidden = hidden
            self.refit()

    def row_cells(self, run: Run, now: datetime, marked: bool,
                  stages: tuple[StageRun, ...] = ()) -> dict[str, Text]:
        label = P.stage_label(run, stages)
        stage = P.literal(label or run.current_stage,
                          "red" if str(run.status) == "Error" else "")
        if label is None:
            stage.stylize("italic")  # the API name, until the run's stages are in
            self._unlabelled.add(run.id)
        else:
            self._unlabelled.discard(run.id)
        created = P.local(run.created)
        today = (now - run.created).total_seconds() < 86400
        return {
            "mark": self._mark(run.id, marked),
            "Status": P.status_text(str(run.status), with_word=not self.compact),
            "Orchestration": P.literal(run.title),
            "Run": Text(run.name),
            "Stage": stage,
            "Started": Text(created.strftime("%m-%d %H:%M") if not self.compact else
                            created.strftime("%H:%M" if today else "%m-%d")),
            **self._times(run, now),
        }

    def _mark(self, run_id: str, changed: bool) -> Text:
        if run_id in self.marked:
            return super().mark_cell(run_id)
        return Text("●" if changed else " ", style="bold magenta")

    def mark_cell(self, key: str) -> Text:
        return self._mark(key, self._shown is not None and key in self._shown[2])

    def _times(self, run: Run, now: datetime) -> dict[str, Text]:
        # Duration keeps growing until the run ends, and was read at the last poll: for a run
        # still going it is what it will read now
        took = (now - run.created).total_seconds() if run.status in (
            "InProgress", "Suspended") else run.duration
        return {"Took": Text(P.short_span(took)),
                "Age": Text(P.short_span((now - run.created).total_seconds()))}

    def time_cells(self, key: str, now: datetime) -> dict[str, Text]:
        run = self._runs.get(key)
        return self._times(run, now) if run is not None else {}

    def rendered_rows(self) -> Iterable[tuple[str, dict[str, Text]]]:
        if self._shown is None:
            return
        runs, now, marks, stages = self._shown
        for r in runs:
            yield r.id, self.row_cells(r, now, r.id in marks, stages.get(r.id, ()))

    def show(self, runs: Iterable[Run], now: datetime, relative: bool, marks: set[str],
             errors: dict[str, InterviewError], changed: set[str] | None = None,
             stages: Mapping[str, tuple[StageRun, ...]] | None = None,
             from_top: bool = False) -> None:
        """Apply rows: in place when the order is unchanged, else rebuild keeping the cursor.
        `stages` (by run Id) give the current stage's label; `from_top`: another list (a new
        filter), shown from its first row."""
        runs = list(runs)
        stages = stages or {}
        self._runs = {r.id: r for r in runs}
        self._shown = (runs, now, marks, stages)
        run_room = max((len(r.name) for r in runs), default=10)
        if run_room != self._run_room:
            self._run_room = max(3, min(20, run_room))
            if self.refit():
                return  # every row is drawn afresh
        new_keys = [r.id for r in runs]
        old_keys = [str(k.value) for k in self.rows]
        if new_keys == old_keys:
            for r in runs:
                if changed is None or r.id in changed or r.id in marks or (
                        r.id in self._unlabelled and r.id in stages):
                    cells = self.row_cells(r, now, r.id in marks, stages.get(r.id, ()))
                    for col in self._room:
                        self.update_cell(r.id, col, cells[col])
            if from_top and runs:
                self.move_cursor(row=0, animate=False, scroll=False)
                self._keep_cursor_in_view(0.0)
            return
        if old_keys and new_keys[: len(old_keys)] == old_keys:
            # an older page arrived: append it, leave the rows on screen alone
            for r in runs[len(old_keys):]:
                self.add_row(*self._ordered(self.row_cells(
                    r, now, r.id in marks, stages.get(r.id, ()))), key=r.id)
            return
        selected = old_keys[self.cursor_row] if old_keys and 0 <= self.cursor_row < len(
            old_keys) and not from_top else None
        if selected in new_keys:  # it keeps its place on screen
            above_before = old_keys.index(selected)
            scroll = max(0.0, self.scroll_y + new_keys.index(selected) - above_before)
            if self.scroll_y <= 0:
                scroll = 0.0  # watching the top: the newest runs come into view above it
            self._refill(selected, scroll=scroll)
        else:
            self._refill(None)
