"""The header: profile, [RO]/[RW], org, API usage, freshness and status counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from ...engine.state import Health, HealthState
from .. import present as P
from .table import cut

STATUS_ORDER = ("Error", "InProgress", "Suspended", "NotStarted", "Completed", "Discontinued",
                "Canceled")


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
                      paused: bool, stale_cache: bool, filter_text: str, width: int,
                      work_line: Text | None = None) -> None:
        self.update(self.header_text(
            label=label, color=color, read_only=read_only, org=org, health=health,
            counts=counts, now=now, paused=paused, stale_cache=stale_cache,
            filter_text=filter_text, width=width, work_line=work_line))

    @staticmethod
    def header_text(*, label: str, color: str | None, read_only: bool, org: str | None,
                    health: Health, counts: dict[str, int], now: datetime, paused: bool,
                    stale_cache: bool, filter_text: str, width: int,
                    work_line: Text | None = None) -> Text:
        """`work_line`: the Work view's flag counts, in the run counts' place (the runs are
        not on screen then)."""
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
        line2 = _counts_text(counts, room) if work_line is None else cut(work_line, room)
        flt = Text(f"   filter: {filter_text}", style="italic")
        if work_line is None and filter_text and filter_text != "all runs" and \
                line2.cell_len + flt.cell_len <= room:
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
