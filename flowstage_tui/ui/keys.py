"""The keys as people read them: the order the help screen, the key bar and the README's
table list them in, and each binding's keys after a `[keymap]` remap. Light on purpose: the
key bar imports it before the first frame (the keymap check, in keymap.py, is not)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from textual.binding import Binding

# The order keys are listed in: the help screen, the key bar and the README's key table.
# The writes come early: in a writable tab the key bar keeps them before the reading keys.
# The write keys come right after the filter: in a writable tab an 80-column key bar keeps
# them (R in the Work view and Steps, C D U in Runs) before command/refresh/pause/help.
KEY_ORDER = ("down", "up", "top", "bottom", "drill", "back", "pane.runs", "pane.stages",
             "pane.detail", "pane.work", "work.group", "tab.prev", "tab.next", "filter", "sort",
             "sort.reverse",
             "reassign", "cancel", "delete", "nudge", "command", "help", "refresh", "pause",
             "mark", "mark.range", "error.next", "error.prev", "copy", "url", "export",
             "times", "watch", "reauth", "org.prev", "org.next", "quit", "quit.force",
             "quit.hint")
SHOWN = (("question_mark", "?"), ("slash", "/"), ("colon", ":"), ("left_square_bracket", "["),
         ("right_square_bracket", "]"), ("left_curly_bracket", "{"), ("equals_sign", "="),
         ("right_curly_bracket", "}"))


def triage_bindings() -> list[Binding]:
    """One binding per id of the triage screen, its panes and the App, in KEY_ORDER: the one
    with a tooltip where several classes share an id (Esc is Back in every pane)."""
    from .app import FlowstageApp
    from .screens.triage import TriageScreen
    from .widgets.detail import DetailScroll
    from .widgets.runs import RunsTable
    from .widgets.stages import StagesTable
    from .widgets.steps import StepsTable
    from .widgets.work import WorkTable

    found: dict[str, Binding] = {}
    for cls in (FlowstageApp, TriageScreen, RunsTable, StagesTable, StepsTable, DetailScroll,
                WorkTable):
        for _key, bindings in cls._merge_bindings().key_to_bindings.items():
            for b in bindings:
                if b.id and (b.id not in found or (b.tooltip and not found[b.id].tooltip)):
                    found[b.id] = b
    return sorted(found.values(), key=lambda b: KEY_ORDER.index(b.id or "")
                  if b.id in KEY_ORDER else len(KEY_ORDER))


def keys_shown(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The keys of a binding as a user reads them (after a keymap remap)."""
    keys = keymap.get(binding.id or "", binding.key)
    for name, shown in SHOWN:
        keys = keys.replace(name, shown)
    return keys


def help_rows(keymap: Mapping[str, str],
              hidden: Collection[str] = ()) -> list[tuple[str, str, str]]:
    """(keys, what it does, binding id) for the help screen, but the ids in `hidden` (the
    writes, in a read-only tab)."""
    rows = [(keys_shown(b, keymap), b.tooltip or b.description, b.id or "")
            for b in triage_bindings() if b.id not in hidden]
    rows.append(("ctrl+p", "command palette, built from the same commands as :", "(textual)"))
    rows.append(("tab / shift+tab", "next / previous pane", "(textual)"))
    rows.append(("arrows, pgup/pgdn", "move in lists, a page at a time", "(textual)"))
    return rows
