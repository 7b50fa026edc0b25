"""The panes: header, runs table, stages timeline, detail tabs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events, on
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static, TabPane

from ..engine.state import Health, HealthState, Snapshot
from ..salesforce.models import (
    InterviewError,
    Run,
    StageDetails,
    StageRun,
    StepRun,
    WorkItem,
)
from . import present as P

STATUS_ORDER = ("Error", "InProgress", "Suspended", "NotStarted", "Completed", "Discontinued",
                "Canceled")
CHANGE_MARK_SECONDS = 6.0


class DetailPane(TabPane):
    """A detail tab. Focusing a widget inside a tab makes TabbedContent show that tab, by a
    message handled later; when keys came in a burst (`3 ] ]`), focus has moved on to another
    tab by then, and acting on the stale message would switch back. Drop it instead."""

    @on(TabPane.Focused)
    def _stale_focus(self, event: TabPane.Focused) -> None:
        focused = self.screen.focused
        if focused is None or self not in focused.ancestors:
            event.stop()


class KeyBar(Static):
    """The keys that matter in the focused pane, on one line at the bottom.

    Textual's Footer mounts a widget per key and restyles each one whenever the bindings
    change (every focus change): tens of milliseconds each time, on the UI thread. This is
    one line of text, rebuilt from the same active bindings.
    """

    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .keybar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .keybar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyBar > .keybar--disabled {
        text-style: dim;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh_keys()

    def _bindings_changed(self, screen: Any) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        key_style = self.get_component_rich_style("keybar--key")
        text_style = self.get_component_rich_style("keybar--description")
        off = self.get_component_rich_style("keybar--disabled")
        app = self.app
        def label(binding: Any, enabled: bool) -> Text:
            out = Text.assemble((f" {app.get_key_display(binding)} ", key_style),
                                (f"{binding.description} ", text_style))
            if not enabled:
                out.stylize(off)
            return out

        active = self.screen.active_bindings
        labels: list[tuple[str, Text]] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                labels.append((binding.action, label(binding, enabled)))
        right = Text()
        palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE \
            else None
        if palette is not None:  # on the right, as in Textual's footer
            right = label(palette[1], palette[2])
        width = self.size.width
        if sum(t.cell_len for _, t in labels) + right.cell_len > width:
            # too narrow: keep Help on the right (it lists every key), drop what does not fit
            right = next((t for action, t in labels if action == "help"), right)
            labels = [(a, t) for a, t in labels if t is not right]
        line = Text(no_wrap=True, overflow="crop", end="")
        for _action, text in labels:
            if line.cell_len + text.cell_len + right.cell_len > width:
                break
            line.append_text(text)
        line.append(" " * max(0, width - line.cell_len - right.cell_len))
        line.append_text(right)
        self.update(line)

    def on_resize(self) -> None:
        self.refresh_keys()


class HeaderBar(Static):
    """Profile, [RO]/[RW], org, API usage, freshness and status counts on one or two lines.

    Every line fits the width it is given: Textual wraps a longer line, and with the
    header's two rows a wrapped first line pushes the counts out of sight. What is wrong
    comes first (in its short form when the full one does not fit, cut with … as a last
    resort), then the org, then API usage; the counts are never dropped, only shortened to
    glyphs when their words do not fit."""

    DEFAULT_CSS = """
    HeaderBar {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def render_header(self, *, label: str, color: str | None, read_only: bool,
                      org: str | None, health: Health, counts: dict[str, int], now: datetime,
                      paused: bool, stale_cache: bool, filter_text: str, width: int) -> None:
        self.update(self.header_text(
            label=label, color=color, read_only=read_only, org=org, health=health,
            counts=counts, now=now, paused=paused, stale_cache=stale_cache,
            filter_text=filter_text, width=width))

    @staticmethod
    def header_text(*, label: str, color: str | None, read_only: bool, org: str | None,
                    health: Health, counts: dict[str, int], now: datetime, paused: bool,
                    stale_cache: bool, filter_text: str, width: int) -> Text:
        room = max(8, width - 2)  # the header's padding
        t = Text(no_wrap=True, overflow="ellipsis")
        name = cut(P.literal(label), max(4, min(24, room // 4))).plain
        t.append(f" {name} ", style=f"bold reverse {color or 'cyan'}")
        t.append(" [RO] " if read_only else " [RW] ", style="bold" if read_only else
                 "bold reverse red")
        fresh = freshness(health, now, paused, stale_cache)
        if t.cell_len + fresh.cell_len > room:
            fresh = freshness(health, now, paused, stale_cache, short=True)
        fresh = cut(fresh, room - t.cell_len)
        spare = room - t.cell_len - fresh.cell_len
        org_text = P.literal(org) if org else Text()
        if org_text and spare >= min(org_text.cell_len, 16) + 2:  # whole, or enough to know it
            org_text = cut(org_text, spare - 2)
            t.append_text(org_text)
            t.append("  ")
            spare -= org_text.cell_len + 2
        api = Text(f"API {health.api_used:,}/{health.api_limit:,}  ", style="dim") if (
            health.api_used is not None and health.api_limit) else Text()
        if api and api.cell_len <= spare:
            t.append_text(api)
        t.append_text(fresh)
        line2 = _counts_text(counts, room)
        flt = Text(f"   filter: {filter_text}", style="italic")
        if filter_text and filter_text != "all runs" and line2.cell_len + flt.cell_len <= room:
            line2.append_text(flt)  # whole or not at all: the runs pane's subtitle has it too
        if line2 and t.cell_len + 3 + line2.cell_len <= room:
            t.append("   ")
            t.append_text(line2)
            return t
        if line2:
            return Text.assemble(t, "\n", line2, no_wrap=True, overflow="ellipsis")
        return t


def _counts_text(counts: Mapping[str, int], room: int) -> Text:
    """The status counts in words ("27 Error · 35 InProgress"), or as glyphs ("✖27 ▶35")
    when the words do not fit; cut only when not even the glyphs fit."""
    # then any status this release does not know (a new Salesforce value), by name
    shown = [s for s in STATUS_ORDER if counts.get(s)] + sorted(
        s for s in counts if s not in STATUS_ORDER and counts[s])
    words = Text(no_wrap=True, overflow="ellipsis")
    for i, s in enumerate(shown):
        if i:
            words.append(" · ", style="dim")
        words.append(f"{counts[s]} {s}", style=P.TEXT_STYLES.get(s, ""))
    if words.cell_len <= room:
        return words
    glyphs = Text(no_wrap=True, overflow="ellipsis")
    for i, s in enumerate(shown):
        if i:
            glyphs.append(" ")
        glyphs.append(f"{P.glyph(s)}{counts[s]}", style=P.TEXT_STYLES.get(s, ""))
    return cut(glyphs, room)


IN_FLIGHT_SHOWN = 2.0  # seconds a request runs before the header says it is waiting for it
CLOCK_TIME_AFTER = 120.0  # a retry further off than this is shown as a time of day


def _waiting(health: Health, now: datetime) -> float | None:
    """How long the request in flight has been out, once that is worth saying."""
    since = health.in_flight_since
    if since is None:
        return None
    seconds = (now - since).total_seconds()
    return seconds if seconds >= IN_FLIGHT_SHOWN else None


def _when(health: Health, now: datetime, waiting: float | None, short: bool) -> str:
    """When the next try happens: it is under way, due, or at a time that is stated."""
    if waiting is not None:
        return f"waiting {P.short_span(waiting)}" if short else \
            f"waiting for the org, {P.short_span(waiting)}"
    nxt = health.next_poll
    if health.in_flight_since is not None or nxt is None or nxt <= now:
        return "retrying…"
    seconds = (nxt - now).total_seconds()
    if seconds >= CLOCK_TIME_AFTER:
        return f"retry {P.local(nxt):%H:%M} (r now)"
    return f"retry in {P.short_span(seconds)} (r now)"


def _share(health: Health) -> str:
    if health.api_used is None or not health.api_limit:
        return "?%"
    return f"{health.api_used / health.api_limit:.0%}"


def freshness(health: Health, now: datetime, paused: bool, stale_cache: bool, *,
              short: bool = False) -> Text:
    """What the header says about the data and the org, in one phrase. The full form fits
    beside the profile badge at 80 columns; the short one (at most ~50 cells) leaves room for
    the org too. While a request is out it says so, never "retry in 0s"."""
    last = health.last_success
    age = P.short_span((now - last).total_seconds()) if last else None
    state = health.state
    waiting = _waiting(health, now)
    if paused:
        return Text("⏸ paused — p resumes" if short or not age else
                    f"⏸ paused (updated {age} ago) — p resumes", style="bold yellow")
    if state == HealthState.CONNECTING:
        words = "connecting…" + (f" {P.short_span(waiting)}" if waiting is not None else "")
        if stale_cache:
            words = ("last-known runs — " if short else
                     "showing last-known runs (stale) — ") + words
        return Text(words, style="yellow")
    if state in (HealthState.LIVE, HealthState.LIMIT_LOW):
        words = f"updated {age} ago" if age else "updated"
        if waiting is not None:
            words += f" · {_when(health, now, waiting, short)}"
        elif state == HealthState.LIMIT_LOW:
            every = P.short_span(health.interval)
            words += f" · API {_share(health)}, every {every}" if short else \
                f" · API {_share(health)} used, polling every {every}"
        return Text(words, style="green" if state == HealthState.LIVE else "yellow")
    if state == HealthState.REAUTH:
        words = "re-auth needed — a: how" if short else "re-auth needed — press a for how"
        if stale_cache:  # what is on screen is an earlier session's
            words = ("last-known runs · " if short else "last-known runs (stale) · ") + words
        return Text(words, style="bold red")
    when = _when(health, now, waiting, short)
    if state == HealthState.LIMIT_EXHAUSTED:
        if health.failures == 0:
            # the org still answers, but the budget governor stopped polling: the rest of the
            # allowance is the org's other integrations'
            if health.in_flight_since is None:
                when = "paused (r polls once)" if short else "polling paused, r polls once"
            return Text(f"API {_share(health)} used · {when}", style="bold red")
        return Text(f"API allowance used up · {when}", style="bold red")
    if state in (HealthState.OFFLINE, HealthState.ORG_ERROR):
        what = "offline" if state == HealthState.OFFLINE else "org errors"
        if health.reason:
            what += f" ({health.reason})"
        if short:
            middle = ""
        elif stale_cache:
            middle = " · last-known runs"
        else:
            middle = f" · stale {age}" if age else ""
        return Text(f"{what}{middle} · {when}", style="bold red")
    if waiting is not None:
        return Text(f"stale for {age or '?'} · {when}", style="yellow")
    return Text(f"stale {age or '?'}: " if short else f"stale for {age or '?'}: ",
                style="yellow").append(P.clean_text(health.message))


@dataclass(frozen=True)
class Col:
    """One column of a table layout: its key, header label and the cells its text may take
    (the table adds one blank after it, so neighbours never touch)."""

    key: str
    label: str
    room: int


class _Table(DataTable[Any]):
    """A table that lays its columns out for its own width and keeps every cell inside them.

    Each subclass says which columns a width gets (`columns_for`) and how its rows read
    (`rendered_rows`); whenever the width gives other columns (a resize, the focus moving to
    another pane, a time mode with longer times), every row is rendered again for them: no
    row keeps the formatting of the width before. Every cell is cut to its column, ending
    with …, so no text runs into the next column or loses characters silently.

    It also never holds an empty Text: under NO_COLOR, Textual 8.2.8's monochrome filter
    fails on the style-less empty segment such a cell renders to.

    Its cursor row stays in view whenever the rows it can show change (a resize, shown
    again) or its rows are filled again: see `_keep_cursor_in_view`."""

    GAP = 1  # the blank after each column (cell_padding is 0)
    _layout: tuple[Col, ...] = ()
    _room: dict[str, int] = {}  # column key -> cells for its text; _fit replaces it
    _width: int | None = None  # the width the columns were laid out for
    _view_due = False  # the cursor row is to be brought into view at the next idle
    _view_top: float | None = None  # ...with the rows scrolled back to here, as far as it can

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.cell_padding = 0
        self._fit(self.size.width or self.app.size.width - 2)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)
        # a pane that shrank (the focus moved to another one), or that is shown again after
        # display: none (Textual sends a Resize then too), keeps its cursor row in view
        self._keep_cursor_in_view()

    def _keep_cursor_in_view(self, top: float | None = None) -> None:
        """Bring the cursor row into view, scrolled to `top` (else where the view is) as far
        as that keeps it in view, once the table is idle: by then DataTable has measured rows
        just added (the scroll range is stale until it has), and the size is the one the
        screen shows. One request per idle, however many ask; the last `top` wins.

        Not with call_after_refresh: that callback is queued on the screen on top, not this
        table's, and a dialog closed before its next refresh drops it (a pane shrinking under
        the copy dialog kept a view for its old height); nor can it order itself after the
        row measurement, which happens in this table's own idle."""
        if top is not None:
            self._view_top = top
        self._view_due = True
        self.check_idle()

    def on_idle(self) -> None:
        if self._view_due:
            # this handler runs before DataTable's (subclass first), which measures rows just
            # added; a call_next runs after both, in the same pass
            self.call_next(self._cursor_into_view)

    def _cursor_into_view(self) -> None:
        if not self._view_due:
            return
        self._view_due = False
        top, self._view_top = self._view_top, None
        if not self.row_count:
            return
        # the rows on screen: inside the scrollbars (a horizontal one takes a row), under
        # the column labels; every row of these tables is one line high
        header = self.header_height if self.show_header else 0
        rows = max(1, self.scrollable_content_region.height - header)
        row = self.cursor_row
        y = self.scroll_y if top is None else top
        y = min(max(y, row - rows + 1), row)
        self.scroll_to(y=max(0, min(y, self.max_scroll_y)), animate=False, immediate=True)

    def columns_for(self, width: int) -> tuple[Col, ...]:
        """The columns for `width` cells of text and gaps (the scrollbar's taken off)."""
        raise NotImplementedError

    def rendered_rows(self) -> Iterable[tuple[str, dict[str, Text]]]:
        """Every row of the data last shown, by key, its cells by column key, rendered for
        the columns in `_room`."""
        return ()

    def refit(self, refill: bool = True) -> bool:
        """Lay the columns out again for the current width (something they depend on other
        than the width has changed); True when they changed (and, with `refill`, every row
        was drawn again for them)."""
        return self._fit(self._width if self._width is not None else self.size.width, refill)

    def _fit(self, width: int, refill: bool = True) -> bool:
        self._width = width
        layout = self.columns_for(max(0, width - self.styles.scrollbar_size_vertical))
        if layout == self._layout:
            return False
        selected, scroll = self.selected_id, self.scroll_y
        self._layout = layout
        self._room = {c.key: c.room for c in layout}
        self.clear(columns=True)
        for c in layout:
            self.add_column(cut(Text(c.label or " "), c.room), key=c.key,
                            width=c.room + self.GAP)
        if refill:
            self._refill(selected, scroll=scroll)
        return True

    def _refill(self, selected: str | None, default: int = 0,
                scroll: float | None = None) -> None:
        """Replace every row with `rendered_rows()`; the cursor stays on `selected` (else
        goes to row `default`), and the view scrolls back to `scroll` as far as the cursor
        row stays in it."""
        self.clear()
        keys = []
        for key, cells in self.rendered_rows():
            self.add_row(*self._ordered(cells), key=key)
            keys.append(key)
        if keys:
            row = keys.index(selected) if selected in keys else min(default, len(keys) - 1)
            self.move_cursor(row=row, animate=False, scroll=False)
            self._keep_cursor_in_view(scroll)  # once the new rows are measured

    def _ordered(self, cells: Mapping[str, Text]) -> list[Text]:
        return [cells.get(c.key) or Text(" ") for c in self._layout]

    def add_row(self, *cells: Any, **kw: Any) -> Any:
        rooms = [c.room for c in self._layout]
        return super().add_row(*(_filled(_fit_cell(c, rooms[i] if i < len(rooms) else 0))
                                 for i, c in enumerate(cells)), **kw)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **kw: Any) -> None:
        room = self._room.get(str(column_key), 0)
        super().update_cell(row_key, column_key, _filled(_fit_cell(value, room)), **kw)

    def retime(self, now: datetime) -> None:
        """Ages and durations move with the clock: rewrite those of the rows on screen whose
        text has changed since they were drawn (a few cells a second, not the table)."""
        top = int(self.scroll_y)
        for index in range(top, min(self.row_count, top + self.size.height)):
            key = self.coordinate_to_cell_key(Coordinate(index, 0)).row_key
            for column, text in self.time_cells(str(key.value), now).items():
                room = self._room.get(column)
                if room is None:
                    continue  # not shown at this width
                text = _fit_cell(text, room)
                if str(self.get_cell(key, column)) != text.plain:
                    self.update_cell(key, column, text)

    def time_cells(self, key: str, now: datetime) -> dict[str, Text]:
        """The clock-driven cells of one row, by column key."""
        return {}

    @property
    def selected_id(self) -> str | None:
        """The key of the row under the cursor (a record Id), or None."""
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:
            return None


def _filled(cell: Any) -> Any:
    return Text(" ") if isinstance(cell, Text) and not cell.plain else cell


def _fit_cell(cell: Any, room: int) -> Any:
    return cut(cell, room) if isinstance(cell, Text) and room > 0 else cell


def share(width: int, fixed: Mapping[str, int], flexible: Mapping[str, tuple[int, int]],
          drop: Iterable[str] = ()) -> dict[str, int] | None:
    """Room per column for `width` cells: the fixed columns get theirs, the flexible ones
    share what is left by weight, each at least its minimum (`flexible`: key -> (weight,
    minimum)); one blank follows each column. While the flexible ones would get less than
    their minimums, the columns in `drop` go, in that order. None when nothing fits."""
    fixed = dict(fixed)
    for gone in (None, *drop):
        if gone is not None:
            fixed.pop(gone, None)
        left = width - sum(fixed.values()) - _Table.GAP * (len(fixed) + len(flexible))
        if left >= sum(m for _, m in flexible.values()):
            break
    else:
        return None
    weights = sum(w for w, _ in flexible.values()) or 1
    room = dict(fixed)
    keys = list(flexible)
    for n, key in enumerate(keys[:-1]):
        weight, minimum = flexible[key]
        later = sum(m for _, m in (flexible[k] for k in keys[n + 1:]))
        room[key] = min(max(minimum, left * weight // weights),
                        left - sum(room[k] for k in keys[:n]) - later)
    room[keys[-1]] = left - sum(room[k] for k in keys[:-1])
    return room


class RunsTable(_Table):
    """Runs, newest first. Rows are keyed by run Id so live updates keep the cursor.

    The orchestration and stage names share the width the fixed columns leave (3:2); in a
    terminal under 110 columns the status is its glyph and Started its time (or date), and
    in a narrower one Took, then Started, then Stage give way."""

    COLUMNS = ("mark", "Status", "Orchestration", "Run", "Stage", "Started", "Took", "Age")
    LABELS = {"mark": "", "Status": "Status", "Orchestration": "Orchestration", "Run": "Run",
              "Stage": "Stage", "Started": "Started", "Took": "Took", "Age": "Age"}
    COMPACT_LABELS = {"Status": "", "Started": "Start"}  # the status glyph says it; 5 cells
    WIDE = 106  # cells of text and gaps from which the status word and the date are shown
    compact = False
    _run_room = 10  # the widest run name (autonumbers: the same for every run of an org)
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

    def columns_for(self, width: int) -> tuple[Col, ...]:
        self.compact = width < self.WIDE
        fixed = {"mark": 1, "Status": 1 if self.compact else 14, "Run": self._run_room,
                 "Started": 5 if self.compact else 11, "Took": 7, "Age": 7}
        room = share(width, fixed, {"Orchestration": (3, 12), "Stage": (2, 10)},
                     drop=("Took", "Started")) or share(
            width, fixed, {"Orchestration": (1, 10)}, drop=("Took", "Started", "Age"))
        if room is None:  # a sliver of a terminal: the status and the run's name
            left = width - 1 - 2 * self.GAP
            room = {"Status": 1, "Run": min(self._run_room, max(3, left))}
            if left - room["Run"] - self.GAP >= 4:
                room["Orchestration"] = left - room["Run"] - self.GAP
        labels = {**self.LABELS, **(self.COMPACT_LABELS if self.compact else {})}
        return tuple(Col(k, labels[k], room[k]) for k in self.COLUMNS if k in room)

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
            "mark": Text("●" if marked else " ", style="bold magenta"),
            "Status": P.status_text(str(run.status), with_word=not self.compact),
            "Orchestration": P.literal(run.title),
            "Run": Text(run.name),
            "Stage": stage,
            "Started": Text(created.strftime("%m-%d %H:%M") if not self.compact else
                            created.strftime("%H:%M" if today else "%m-%d")),
            **self._times(run, now),
        }

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


def cut(text: Text, width: int) -> Text:
    """Shorten org text to a column, ending with … when cut."""
    if text.cell_len <= width:
        return text
    out = text.copy()
    if width <= 1:
        out.truncate(0)
        out.append("…"[:max(0, width)])
        return out
    out.truncate(width - 1)
    out.rstrip()  # a wide character cut in half leaves a blank
    out.append("…")
    return out


class StagesTable(_Table):
    """The selected run's stages by Position: when each started and ended, how long it took,
    and a bar scaled to the longest stage so the run's shape reads at a glance.

    The times take the room their mode needs ('13d05h' relative, '11-27 06:41' absolute);
    the label takes what is left, then the bar (when at least a few cells are left for it);
    in a narrow pane Took, then Ended give way."""

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
                          else "running", style="" if ended else "italic"),
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


class StepsTable(_Table):
    """The stage's steps with their work items: who holds each, and for how long. The
    assignee takes the width the other columns leave; in a narrow pane the Type column goes
    (a step with an assignee is interactive), then the status shrinks to its glyph, so the
    whole name and Held stay on screen."""

    ROOM = {"Step": 16, "Type": 11, "Status": 14, "Held": 6}
    ASSIGNEE = 28  # a 17-character name and ' ⚠ inactive'
    _shown: tuple[tuple[StepRun, ...], dict[str, tuple[WorkItem, ...]], datetime] | None = None
    _items: dict[str, WorkItem] = {}  # the work items on screen by Id; show() replaces it

    def columns_for(self, width: int) -> tuple[Col, ...]:
        room = share(width, self.ROOM, {"Assignee": (1, self.ASSIGNEE)}, drop=("Type",))
        if room is None:  # the status glyph only; the step label and the assignee share
            room = {"Status": 1, "Held": self.ROOM["Held"]}
            left = width - sum(room.values()) - 4 * self.GAP
            if left < 12:  # and in a sliver of a terminal, no Held either
                del room["Held"]
                left += self.ROOM["Held"] + self.GAP
            room["Step"] = max(4, min(self.ROOM["Step"], left * 2 // 5))
            room["Assignee"] = max(4, left - room["Step"])
        order = ("Step", "Type", "Status", "Assignee", "Held")
        return tuple(Col(k, k if room[k] > 1 else "", room[k]) for k in order if k in room)

    def rendered_rows(self) -> Iterable[tuple[str, dict[str, Text]]]:
        if self._shown is None:
            return
        steps, items, now = self._shown
        assignee = self._room.get("Assignee", 20)
        glyph_only = self._room.get("Status", 14) < 14

        def row(st: StepRun, kind: str, who: Text, held: str) -> dict[str, Text]:
            # the step's status (Discontinued, Error...), not the item's: a cascade completes
            # the items of a failed or canceled step
            return {"Step": P.literal(st.label), "Type": Text(kind),
                    "Status": P.status_text(str(st.status), with_word=not glyph_only),
                    "Assignee": who, "Held": Text(held)}

        for st in steps:
            kind = "interactive" if st.interactive else (
                "async" if "Asynchronous" in st.step_type else "background")
            its = items.get(st.id, ())
            if not its:
                yield st.id, row(st, kind, Text("—", style="dim"), "")
            for wi in its:
                # what the name is comes first: it keeps its place, the name is cut instead
                tag = Text(" (queue)", style="dim") if wi.assignee_type == "Queue" else Text()
                if wi.assignee_active is False:
                    tag = Text(" ⚠ inactive", style="bold red")
                who = cut(P.literal(wi.assignee_name or wi.assignee_id),
                          max(1, assignee - tag.cell_len))
                who.append_text(tag)
                yield wi.id, row(st, kind, who, self.time_cells(wi.id, now)["Held"].plain)

    def show(self, steps: tuple[StepRun, ...], items: dict[str, tuple[WorkItem, ...]],
             now: datetime) -> None:
        self._shown = (steps, items, now)
        self._items = {wi.id: wi for st in steps for wi in items.get(st.id, ())}
        self._refill(self.selected_id)

    def context_item(self) -> WorkItem | None:
        """The work item whose context record the tab shows: the one under the cursor; on a
        step's own row, the first of the stage's items that has one (a stage's items are
        about its run's record)."""
        key = self.selected_id
        item = self._items.get(key or "")
        if item is not None:
            return item if item.context_id else None
        return next((wi for wi in self._items.values() if wi.context_id), None)

    def time_cells(self, key: str, now: datetime) -> dict[str, Text]:
        wi = self._items.get(key)
        if wi is None:
            return {}
        if str(wi.status) != "Assigned":
            return {"Held": Text("done")}
        since = wi.assigned_since or wi.modified  # before v63: the last change is the best guess
        return {"Held": Text(P.short_span((now - since).total_seconds()))}


def context_url(item: WorkItem, instance_url: str) -> str | None:
    """The context record's Lightning URL, when its type is known."""
    if not item.context_id or not item.context_type:
        return None
    return P.lightning_url(instance_url, item.context_type, item.context_id)


def context_text(item: WorkItem | None, instance_url: str, url: bool = True) -> Text:
    """One line under the steps: the record the assignee works on (name, type and, with
    `url`, its Lightning URL). Org text, so literal; cut at the pane's edge, the URL last."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if item is None or not item.context_id:
        return out
    out.append("Context ", style="dim")
    out.append_text(P.literal(item.context_name or item.context_id, "bold"))
    out.append(f" · {P.one_line(item.context_type or 'unknown type')}", style="dim")
    link = context_url(item, instance_url) if url else None
    if link:
        out.append("  ")
        out.append(link, style="underline")
    return out


def history_text(details: StageDetails | None, run: Run | None, now: datetime,
                 relative: bool) -> Text:
    """Field history and run-log milestones on one timeline, oldest first."""
    if details is None:
        return Text("Select a stage to load its history.", style="dim")
    events: list[tuple[datetime, str, Text]] = []
    for h in details.history or ():
        if h.field == "created":
            body = Text("stage created")
        else:
            body = Text(f"{h.field}: ")
            body.append(P.clean_text(str(h.old_value)), style="dim")
            body.append(" → ")
            body.append(P.clean_text(str(h.new_value)), style="bold")
        if h.created_by:
            body.append(f"  by {P.clean_text(h.created_by)}", style="dim")
        events.append((h.created, "history", body))
    for e in details.log:
        body = Text(e.kind, style="red" if e.kind.startswith("Fail") else "")
        where = " / ".join(x for x in (e.step_name,) if x)
        if where:
            body.append(f"  {P.clean_text(where)}")
        if e.actor:
            body.append(f"  by {P.clean_text(e.actor)}", style="dim")
        if e.assignee:
            body.append(f"  → {P.clean_text(e.assignee)}", style="dim")
        events.append((e.timestamp, "run log", body))
    events.sort(key=lambda x: x[0])
    out = Text()
    if details.history is None and not events:  # not "nothing yet": nothing will come
        out.append("This org has no History object for orchestration stages (field tracking "
                   "is off), and no run-log milestones for this stage (the run log needs API "
                   "v60+ and Manage Flow or View All Data). The Steps & work items tab shows "
                   "what the stage holds.", style="italic yellow")
        return out
    if details.history is None:
        out.append("This org has no History object for orchestration stages (field tracking "
                   "is off); showing run-log milestones only.\n\n", style="italic yellow")
    for at, source, body in events:
        out.append(f"{P.when(at, now, relative):>11}  ", style="dim")
        # not magenta: the default dark ANSI theme (Monokai) draws it in Error's red
        out.append(f"{source:<8} ", style="cyan" if source == "history" else "blue")
        out.append_text(body)
        out.append("\n")
    if not events:
        out.append("Nothing recorded for this stage yet.", style="dim")
    return out


def feed_text(details: StageDetails | None, now: datetime, relative: bool) -> Text:
    if details is None:
        return Text("Select a stage to load its feed.", style="dim")
    if details.feed is None:
        # a span, not Text(style=): Textual reads a whole-Text colour as its own CSS yellow
        # (#ffff00), not the ANSI theme's, unlike the History tab's note beside it
        return Text().append("This org has no Feed object for orchestration runs or stages "
                             "(feed tracking is off): there are no posts to show.",
                             style="italic yellow")
    if not details.feed:
        return Text("No posts on this stage or its run.", style="dim")
    out = Text()
    for post in sorted(details.feed, key=lambda p: p.created):
        out.append(f"{P.when(post.created, now, relative)}  ", style="dim")
        out.append(P.clean_text(post.author or "someone"), style="bold")
        where = "on this stage" if post.parent_id == details.stage_id else "on the run"
        out.append(f"  {where} · {post.type}\n", style="dim")
        body = post.body or post.title or ("a tracked field changed (status)"
                                           if post.type == "TrackedChange" else "")
        if post.rich and body:
            body = P.html_to_text(body)
        for line in P.clean_text(body).splitlines() or [""]:
            out.append(f"  {line}\n")
        if post.link:
            out.append(f"  {P.clean_text(post.link)}\n", style="underline")
        for c in post.comments:
            text = P.html_to_text(c.body) if c.rich else c.body
            out.append("    ↳ ", style="dim")
            out.append(P.clean_text(c.author or "someone"), style="bold")
            out.append(f" ({P.when(c.created, now, relative)}): ", style="dim")
            out.append(P.clean_text(text))
            out.append("\n")
        out.append("\n")
    return out


def error_text(run: Run | None, snapshot: Snapshot, now: datetime) -> Text:
    if run is None:
        return Text("Select a run.", style="dim")
    err = snapshot.errors.get(run.id)
    stages = snapshot.stages.get(run.id, ())
    failed_stage = next((s for s in stages if str(s.status) == "Error"), None)
    failed_step = None
    if failed_stage is not None:
        failed_step = next((st for st in snapshot.steps.get(failed_stage.id, ())
                            if str(st.status) == "Error"), None)
    if str(run.status) != "Error" and err is None:
        return Text(f"{run.name} has not failed ({run.status}).", style="dim")
    out = Text()
    out.append(f"{run.name} failed", style="bold red")
    if failed_stage is not None:
        out.append(" at stage ")
        out.append(P.clean_text(failed_stage.label), style="bold")
    if failed_step is not None:
        out.append(", step ")
        out.append(P.clean_text(failed_step.label), style="bold")
    out.append("\n\n")
    if err is not None and err.message:
        out.append(P.clean_text(err.message))
        out.append("\n")
        if err.element:
            out.append(f"\nElement: {P.clean_text(err.element)}\n", style="dim")
    else:
        out.append("Salesforce keeps the error text on the flow interview (FlowInterview.Error, "
                   "API v62+); this org or API version does not offer it. The error e-mail to "
                   "the admin has it.\n", style="italic")
    closes = P.resume_closes(run.modified if str(run.status) == "Error" else None)
    if closes is not None:
        left = (closes - now).total_seconds()
        at = P.local(closes).strftime("%Y-%m-%d %H:%M %Z")
        out.append(f"\nResume window: {P.short_span(left)} left of 14 days (closes {at})"
                   if left > 0 else
                   f"\nResume window: closed {at} — the run can no longer be resumed",
                   style="bold red" if left < 2 * 86400 else "yellow")
    return out
