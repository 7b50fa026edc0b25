"""The Stages pane: the selected run's stages as a timeline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from rich.text import Text
from textual.binding import Binding

from ...salesforce.models import (
    Run,
    StageRun,
)
from .. import present as P
from .table import Col, FitTable, cut, share


class StagesTable(FitTable):
    """The selected run's stages by Position: when each started and ended, how long it took,
    and a bar scaled to the longest stage so the run's shape reads at a glance.

    The times take the room their mode needs ('13d05h' relative, '11-27 06:41' absolute);
    the label takes what is left, then the bar (when at least a few cells are left for it);
    in a narrow pane Took, then Ended give way."""

    BINDINGS = [
        Binding("enter", "screen.drill('steps')", "Open", show=False, id="drill"),
        Binding("escape", "screen.focus_pane('runs')", "Back", id="back"),
        Binding("o", "screen.open_url('stage')", "URL", show=False, id="url"),
    ]
    TIME = {True: 7, False: 11}  # relative, absolute: the widest time either can print
    _stages: dict[str, StageRun] = {}  # show() replaces it, never mutates it
    _order: tuple[StageRun, ...] = ()
    _relative = True
    _log: tuple[str | None, Mapping[str, tuple[datetime | None, datetime | None]]] = (None, {})
    _now: datetime | None = None
    # (now, every stage's start and end, the longest span): one pass per show or retime
    _spans: tuple[datetime, dict[str, tuple[datetime, datetime | None]], float] | None = None

    def columns_for(self, width: int) -> tuple[Col, ...]:
        time = self.TIME[self._relative]
        digits = max(2, len(str(max((s.position for s in self._order), default=0))))
        fixed = {"#": digits, "Started": time, "Ended": max(7, time), "Took": 7}
        room = share(width, fixed, {"Stage": (1, 12)}, drop=("Took", "Ended")) or {
            "#": digits, "Stage": max(3, width - digits - 2 * self.GAP)}
        bar = min(24, room["Stage"] - 22 - self.GAP)
        if bar >= 4:  # the label keeps 22 cells ('▶ ' and 19 of the label and '◀')
            room["Stage"] -= bar + self.GAP
            room["Span"] = bar
        order = ("#", "Stage", "Started", "Ended", "Took", "Span")
        return tuple(Col(k, k, room[k]) for k in order if k in room)

    def use_log_times(self, run_id: str,
                      times: Mapping[str, tuple[datetime | None, datetime | None]]) -> None:
        """Start and end of each stage of `run_id` from its run log, once fetched: the stage
        record's own stamps are the fallback (LastModifiedDate moves if it is touched again)."""
        self._log = (run_id, times)
        self._spans = None

    def _all_spans(self, now: datetime) -> tuple[dict[str, tuple[datetime, datetime | None]],
                                                 float]:
        """Every stage's (start, end) and the longest span, worked out once for the moment
        `now` rather than again for each row that asks."""
        if self._spans is None or self._spans[0] is not now:
            run_id, times = self._log
            spans = {}
            for key, s in self._stages.items():
                if str(s.status) == "NotStarted":
                    continue  # no span yet: its record was made with the run, waiting
                start, end = times.get(s.name, (None, None)) if run_id == s.run_id else (
                    None, None)
                spans[key] = (start or s.created, None if s.ended is None else end or s.ended)
            longest = max((((end or now) - start).total_seconds()
                           for start, end in spans.values()), default=0.0)
            self._spans = (now, spans, longest)
        return self._spans[1], self._spans[2]

    def time_cells(self, key: str, now: datetime) -> dict[str, Text]:
        s = self._stages.get(key)
        if s is None:
            return {}
        spans, longest = self._all_spans(now)
        if key not in spans:  # not started: nothing to time
            return {"Started": Text("—", style="dim"), "Ended": Text(" "), "Took": Text(" "),
                    "Span": Text(" ")}
        started, ended = spans[key]
        span = ((ended or now) - started).total_seconds()
        relative = self._relative
        return {
            "Started": Text(P.when(started, now, relative).replace(" ago", "")),
            "Ended": Text(P.when(ended, now, relative).replace(" ago", "") if ended
                          else "paused" if str(s.status) == "Suspended" else "running",
                          style="" if ended else "italic"),
            "Took": Text(P.short_span(span)),
            "Span": Text(P.bar(span, longest, self._room.get("Span", 0)),
                         style=P.TEXT_STYLES.get(str(s.status), "")),
        }

    def rendered_rows(self) -> Iterable[tuple[str, dict[str, Text]]]:
        if self._now is None:
            return
        room = self._room.get("Stage", 20)
        for s in self._order:
            status = str(s.status)
            failed = status == "Error"
            label = P.status_text(status, with_word=False)
            label.append(" ")
            label.append_text(P.literal(s.label, "bold red" if failed else ""))
            if failed:
                label = cut(label, room - 1)
                label.append("◀", style="bold red")
            yield s.id, {"#": Text(f"{s.position:>2}"), "Stage": label,
                         **self.time_cells(s.id, self._now)}

    def show(self, stages: tuple[StageRun, ...], run: Run | None, now: datetime,
             relative: bool) -> None:
        selected = self.selected_id
        self._stages = {s.id: s for s in stages}
        self._order = stages
        self._relative = relative
        self._now = now
        self._spans = None
        self.refit(refill=False)  # the time mode (or the stage count) may want other columns
        # open on the stage that matters: the failing, running or discontinued one, else the
        # last that started (not the NotStarted ones after it)
        started = [i for i, s in enumerate(stages) if str(s.status) != "NotStarted"]
        focus = next((i for i, s in enumerate(stages) if str(s.status) in (
            "Error", "InProgress", "Suspended", "Discontinued")),
            started[-1] if started else 0)
        self._refill(selected, default=focus if run is not None else 0)
