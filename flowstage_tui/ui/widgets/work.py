"""The Work view's table: every open work item of the org, longest held first."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from ...salesforce.work import FLAG_SHORT, FROZEN_UNKNOWN, Flag, WorkQueue, WorkRow
from ...salesforce.work_filter import WorkFilter
from .. import present as P
from .detail import DetailScroll
from .markable import MARK_COLUMN, MarkableTable
from .table import Col, cut

# What a flag reads as in the table: a word, not a colour (NO_COLOR, a monochrome terminal,
# a screen reader): the flag's value (what `flag=` takes) where the column has room, else
# the one short form (salesforce/work.py FLAG_SHORT, which `flag=` takes too).
FLAG_ORDER = (Flag.UNRESOLVABLE, Flag.INACTIVE, Flag.FROZEN, Flag.NO_ACTIVE_MEMBER, Flag.STUCK)
FLAG_WORDS = {f: f.value for f in FLAG_ORDER}
FLAG_STYLES = {Flag.UNRESOLVABLE: "bold red", Flag.INACTIVE: "bold red", Flag.FROZEN: "red",
               Flag.NO_ACTIVE_MEMBER: "yellow", Flag.STUCK: "yellow"}
# Held read from somewhere other than ElapsedTimeSinceAsgntInSec: a mark after the time,
# explained on the pane's border and, in words, on the Detail pane
HELD_MARKS = {"CreatedDate": "≈", "ReassignWorkItem log row": "↻"}

# The columns in the order they give way as the pane narrows (the last goes first), each
# with the least room worth showing it in, the room it reads well in, and the most it uses.
# The step comes last: its label is most often the work item's own.
PRIORITY = (("Flags", 15, 15, 30), ("Held", 7, 7, 7), ("Assignee", 14, 20, 30),
            ("Item", 12, 20, 34), ("Run", 10, 10, 12), ("Orchestration", 12, 20, 26),
            ("Stage", 10, 16, 22), ("Context", 12, 24, 30), ("Step", 10, 16, 24))
ORDER = ("Flags", "Assignee", "Held", "Item", "Run", "Orchestration", "Stage", "Step",
         "Context")
# From this width the flags get the room to read in full ("no-active-member stuck"), not
# only what the other columns leave: the short words are for narrow terminals.
WIDE, FLAGS_WIDE = 100, 22
GIVE_BACK = 4  # at most this many cells taken back from the columns before one that comes in
GROWS = {"Assignee": 3, "Item": 3, "Orchestration": 2, "Stage": 1, "Context": 2, "Step": 1,
         "Flags": 2}


def _give_back(room: dict[str, int], cells: int) -> bool:
    """Take `cells` back from the columns in `room`, the last first, none below its least;
    False (and `room` as it was) when they do not have that many to give."""
    least = {k: low for k, low, _good, _most in PRIORITY}
    if sum(room[k] - least[k] for k in room) < cells:
        return False
    for key in reversed(list(room)):
        given = min(cells, room[key] - least[key])
        room[key] -= given
        cells -= given
    return True


def flags_text(row: WorkRow, room: int) -> Text:
    """The row's flags as words: each in full while they fit in `room`, the ones that save
    most cut to their short form first, only as many as it takes."""
    flags = [f for f in FLAG_ORDER if f in row.flags]
    words = {f: FLAG_WORDS[f] for f in flags}
    saving = sorted(flags, key=lambda f: len(FLAG_SHORT[f]) - len(FLAG_WORDS[f]))

    def text() -> Text:
        out = Text()
        for i, f in enumerate(flags):
            if i:
                out.append(" ")
            out.append(words[f], style=FLAG_STYLES[f])
        return out

    out = text()
    for f in saving:
        if out.cell_len <= room:
            break
        words[f] = FLAG_SHORT[f]
        out = text()
    return out  # cut by the table, with …, if even the short words do not fit


def assignee_text(row: WorkRow, room: int = 0) -> Text:
    """Who holds it: the name, and for a queue or group what it is and its active members
    (kept whole: with `room`, the name is cut instead)."""
    name = P.literal(row.assignee_text)
    if row.assignee_kind in ("Queue", "Group"):
        members = "?" if row.member_count is None else str(row.member_count)
        tag = Text(f" ({row.assignee_kind.lower()} {members})", style="dim")
        if room:
            name = cut(name, max(3, room - tag.cell_len))
        name.append_text(tag)
    return name


def holder_text(row: WorkRow) -> Text:
    """Who holds the item now, for the reassign picker: the name (a queue's or group's kind
    and active members), and its flags that are about the holder."""
    out = P.literal(row.assignee_text, "bold")
    if row.assignee_kind in ("Queue", "Group"):
        members = "?" if row.member_count is None else str(row.member_count)
        out.append(f" ({row.assignee_kind.lower()}, {members} active)", style="dim")
    about = [FLAG_WORDS[f] for f in FLAG_ORDER if f in row.flags and f != Flag.STUCK]
    if about:
        out.append(" ⚠ " + " ".join(about), style="bold red")
    return out


def held_text(row: WorkRow) -> Text:
    out = Text(P.short_span(row.held_seconds))
    mark = HELD_MARKS.get(row.held_source, "")
    if mark:
        out.append(mark, style="dim")
    return out


def row_matches(row: WorkRow, needle: str) -> bool:
    """The `/` filter: the text anywhere in what the row shows."""
    if not needle:
        return True
    needle = needle.lower()
    words = (row.item.label, row.run_label, row.stage_label, row.step_label, row.assignee_name,
             row.assignee_kind, row.context, *(FLAG_WORDS[f] for f in row.flags),
             *(str(f) for f in row.flags))
    return any(needle in (w or "").lower() for w in words)


class WorkTable(MarkableTable):
    """Every open work item of the org, longest held first (or grouped by assignee with `=`,
    each group's longest held first, the assignee named on its first row). Flags are words;
    the columns give way right to left as the pane narrows: Context, Stage, Step, then the
    item's label, so flags, assignee, held and run stay on screen.

    Its rows are work-item Ids: they can be marked (space, V; the mark column comes first
    and never gives way) for a bulk reassign (R in a writable tab); Esc clears the marks
    before it clears the `/` text or leaves the view."""

    BINDINGS = [
        Binding("equals_sign", "group", "Group", id="work.group",
                tooltip="in the Work view: group by assignee / sort by held time"),
        Binding("enter", "screen.work_open_run", "Open run", id="drill",
                tooltip="open: runs → stages → steps"),
        Binding("escape", "unmark_or('screen.work_back')", "Back", id="back"),
        Binding("y", "screen.work_copy", "Copy", id="copy"),
    ]
    WRITES = ("reassign",)
    grouped = False
    _source: tuple[WorkQueue | None, str, WorkFilter | None] = (None, "", None)
    _rows: tuple[WorkRow, ...] = ()
    _by_id: dict[str, WorkRow] = {}  # the rows on screen; _draw replaces it
    _drawn_grouped = False  # the order the rows on screen are in

    class Regrouped(Message):
        """`=` switched between grouped and sorted: the pane's border says which."""

    def columns_for(self, width: int) -> tuple[Col, ...]:
        # the mark column first, one cell: before the others share what is left, so it
        # survives every width they give way at (but a sliver, where only a name fits)
        mark = 1 + self.GAP
        if width < mark + 1 + self.GAP:
            return self._data_columns(width)
        return (Col(MARK_COLUMN, "", 1), *self._data_columns(width - mark))

    def _data_columns(self, width: int) -> tuple[Col, ...]:
        room: dict[str, int] = {}
        used = 0
        for key, least, good, _most in PRIORITY:
            if key == "Flags" and width >= WIDE:
                good = FLAGS_WIDE
            # each in the room it reads well in; the first that does not fit, in its least
            # room if that fits, and none after it (the columns keep their priority)
            take = good if used + good + self.GAP <= width else least
            short = used + take + self.GAP - width
            if short > 0:
                # a few cells short (the mark column took two): the columns before give
                # them back, down to their least, rather than this one being lost
                if short > GIVE_BACK or not _give_back(room, short):
                    break
                used -= short
            room[key] = take
            used += take + self.GAP
            if take < good:
                break
        if not room:  # a sliver of a terminal: who holds it
            return (Col("Assignee", "Assignee", max(1, width - self.GAP)),)
        most = {k: m for k, _l, _g, m in PRIORITY}
        spare = width - used
        growing = [k for k in room if k in GROWS and room[k] < most[k]]
        while spare > 0 and growing:  # what is left, by weight, up to each one's most
            weights = sum(GROWS[k] for k in growing)
            given = 0
            for key in growing:
                add = min(most[key] - room[key], max(1, spare * GROWS[key] // weights),
                          spare - given)
                room[key] += add
                given += add
            spare -= given
            growing = [k for k in growing if room[k] < most[k]]
            if not given:
                break
        return tuple(Col(k, k, room[k]) for k in ORDER if k in room)

    def show(self, queue: WorkQueue | None, needle: str = "",
             flt: WorkFilter | None = None) -> None:
        """The queue's rows that pass the `:work` filter and the `/` text, in the order the
        grouping asks for; the cursor stays on its item."""
        self._source = (queue, needle, flt)
        self._draw()

    def _draw(self) -> None:
        queue, needle, flt = self._source
        rows = [] if queue is None else [
            r for r in queue.rows if row_matches(r, needle) and (flt is None or flt.matches(r))]
        if queue is None:
            ordered: list[WorkRow] = []
        elif self.grouped:
            ordered = [r for group in queue.group_by_assignee(rows) for r in group.rows]
        else:
            ordered = list(queue.sorted_by_held(rows))
        drawn, drawn_grouped = self._by_id, self._drawn_grouped
        self._rows = tuple(ordered)
        self._by_id = {r.item.id: r for r in ordered}
        self._drawn_grouped = self.grouped
        keys = list(self._by_id)
        if keys and drawn_grouped == self.grouped and keys == [str(k.value) for k in self.rows]:
            # the same items in the same order (a poll, most often): only the rows that
            # changed (their held time) are written, the table and its cursor stay as they are
            changed = {r.item.id for r in ordered if drawn.get(r.item.id) != r}
            for key, cells in self.rendered_rows():
                if key in changed:
                    for column in self._room:
                        self.update_cell(key, column, cells.get(column) or Text(" "))
            return
        self._refill(self.selected_id)

    def rendered_rows(self) -> Iterable[tuple[str, dict[str, Text]]]:
        sizes: dict[str, int] = {}
        for row in self._rows:
            sizes[row.assignee_key] = sizes.get(row.assignee_key, 0) + 1
        previous: str | None = None
        room = self._room.get("Assignee", 20)
        for row in self._rows:
            key = row.assignee_key
            size = f" ·{sizes[key]}" if self.grouped else ""
            who = assignee_text(row, room - len(size))
            if self.grouped:
                if key == previous:
                    who = Text("  ″", style="dim")  # the group's first row names it
                else:  # the group's name, and how many items it holds
                    who = cut(who, max(1, room - len(size)))
                    who.stylize("bold")
                    who.append(size, style="dim")
            previous = key
            yield row.item.id, {
                MARK_COLUMN: self.mark_cell(row.item.id),
                "Flags": flags_text(row, self._room.get("Flags", 18)),
                "Assignee": who,
                "Held": held_text(row),
                "Item": P.literal(row.item.label or "(no label)"),
                "Run": P.literal(row.run_name or row.run_id or "?"),
                "Orchestration": P.literal(row.run_label or ""),
                "Stage": P.literal(row.stage_label or ""),
                "Step": P.literal(row.step_label or ""),
                "Context": P.literal(row.context or ""),
            }

    def action_group(self) -> None:
        self.grouped = not self.grouped
        self._draw()
        self.post_message(self.Regrouped())

    def markable(self, key: str) -> bool:
        return key in self._by_id

    def holders(self, keys: list[str]) -> list[Text]:
        return [holder_text(self._by_id[k]) for k in keys if k in self._by_id]

    def work_rows(self, keys: Iterable[str]) -> list[WorkRow]:
        """The rows of these keys, as on screen."""
        return [self._by_id[k] for k in keys if k in self._by_id]

    @property
    def selected_row(self) -> WorkRow | None:
        return self._by_id.get(self.selected_id or "")

    @property
    def shown(self) -> tuple[WorkRow, ...]:
        return self._rows


class WorkDetail(DetailScroll):
    """The selected item's flags explained, under the Work table (j/k/g/G as in the Detail
    pane); Esc goes back to the table, not out of the view."""

    BINDINGS = [Binding("escape", "screen.work_view", "Back", id="back")]


HELD_SOURCES = {
    "ElapsedTimeSinceAsgntInSec": "since assigned (ElapsedTimeSinceAsgntInSec)",
    "CreatedDate": "since created (CreatedDate: the org has no ElapsedTimeSinceAsgntInSec "
                   "and no reassignment is logged)",
    "ReassignWorkItem log row": "since last reassigned (the run log's ReassignWorkItem row)",
}


def work_detail_text(row: WorkRow | None) -> Text:
    """The Detail pane for one work item: each flag explained on its line, how long it has
    been held and where that figure comes from, then where it sits and what it is about."""
    if row is None:
        return Text("No open work item selected.", style="dim")
    out = Text()
    for reason in row.reasons:  # "frozen: unknown" is no flag: what cannot be told
        out.append("? " if reason == FROZEN_UNKNOWN else "⚑ ",
                   style="bold yellow" if reason == FROZEN_UNKNOWN else "bold red")
        out.append_text(P.literal(reason))
        out.append("\n")
    if not row.reasons:
        out.append("No flags: an active holder, not held for long.\n", style="green")
    out.append("Held ", style="dim")
    out.append(P.short_span(row.held_seconds) or "?", style="bold")
    out.append(" " + HELD_SOURCES.get(row.held_source, P.one_line(row.held_source)) + "\n")
    out.append("Holder ", style="dim")
    out.append_text(assignee_text(row))
    if row.assignee_kind:
        out.append(f"  {row.assignee_kind}", style="dim")
    out.append("\nItem ", style="dim")
    out.append_text(P.literal(row.item.label or "(no label)", "bold"))
    out.append("\nRun ", style="dim")
    out.append_text(P.literal(row.run_name or row.run_id or "?", "bold"))
    if row.run_label:
        out.append_text(P.literal(f" {row.run_label}"))
    for what, value in (("Stage", row.stage_label), ("Step", row.step_label)):
        if value:
            out.append(f" · {what} ", style="dim")
            out.append_text(P.literal(value))
    if row.context:
        out.append("\nContext ", style="dim")
        out.append_text(P.literal(row.context))
    out.append("\nEnter opens the run; Esc comes back here.", style="dim italic")
    return out
