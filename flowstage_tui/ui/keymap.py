"""The bindings a `[keymap]` may remap, gathered from every screen and widget in this package,
and the check `config validate` and the triage screen's start-up run on a keymap.

Bindings are found by walking the Textual classes defined in `flowstage_tui.ui` (any module,
any depth) rather than from a list, so a widget that gains its own BINDINGS later is covered.
Textual applies a keymap by binding id to every node; two bindings of one class (its scope)
on one key leave only one of them working — `refresh = "q"` and Quit vanishes.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_TO_UNICODE_NAME, Keys, _character_to_key
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

# Textual's own bindings that give their key back when they have nothing to do (Ctrl+C copies
# only a selection; without one it reaches the App's binding)
FALL_THROUGH = {"screen.copy_text"}
MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
_NAMED = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<")}


@dataclass(frozen=True)
class BindingInfo:
    """One binding as a keymap sees it: its id (None: not remappable), keys, where it lives."""

    id: str | None
    keys: tuple[str, ...]
    scope: str  # the class whose bindings (own and inherited) it belongs to
    action: str
    description: str
    priority: bool = False  # App priority bindings fire before any screen's or widget's

    @property
    def name(self) -> str:
        what = self.description or self.action
        return f"{what} ({self.id})" if self.id else f"{what} (Textual's own, fixed)"


def ui_classes() -> list[type[DOMNode]]:
    """Every Textual node class defined in a flowstage_tui.ui module that is used as it is: a
    base the ui builds others on (FitTable, TerminalApp, OrgView, …) lives on in them, with
    its bindings merged into theirs, and is left out."""
    from .. import ui

    for mod in pkgutil.walk_packages(ui.__path__, ui.__name__ + "."):
        importlib.import_module(mod.name)
    found: dict[str, type[DOMNode]] = {}
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith(ui.__name__ + "."):
                found[f"{sub.__module__}.{sub.__qualname__}"] = sub
    bases = {base for cls in found.values() for base in cls.__mro__[1:]}
    return [found[k] for k in sorted(found) if found[k] not in bases]


def bindings_of(cls: type[DOMNode]) -> list[BindingInfo]:
    """The class's bindings, its bases' included (as Textual merges them), one entry per
    binding with all its keys ("j,down" is one binding, two keys)."""
    # _merge_bindings is what Textual itself calls at class creation; Textual is pinned.
    merged = cls._merge_bindings()
    grouped: dict[tuple[str | None, str], list[Binding]] = {}
    for _key, bindings in merged.key_to_bindings.items():
        for b in bindings:
            if b.action in FALL_THROUGH:
                continue
            grouped.setdefault((b.id, b.action if b.id is None else ""), []).append(b)
    if issubclass(cls, App) and cls.ENABLE_COMMAND_PALETTE:  # added per instance by App
        palette = Binding(cls.COMMAND_PALETTE_BINDING, "command_palette", "Command palette",
                          priority=True)
        grouped.setdefault((None, "command_palette"), []).append(palette)
    out = []
    for bs in grouped.values():
        first = bs[0]
        out.append(BindingInfo(first.id, tuple(dict.fromkeys(b.key for b in bs)),
                               cls.__name__, first.action, first.description or "",
                               priority=any(b.priority for b in bs) and issubclass(cls, App)))
    return out


def collect_bindings() -> list[BindingInfo]:
    """(id, keys, scope) of every binding of every screen and widget class in the ui."""
    return [b for cls in ui_classes() for b in bindings_of(cls)]


def key_problem(key: str) -> str | None:
    """What is wrong with one key as a keymap writes it (`ctrl+r`, `?`, `f5`), or None."""
    if not key:
        return "empty key"
    if len(key) == 1:
        return None
    *mods, base = key.split("+")
    bad = [m for m in mods if m not in MODIFIERS]
    if bad:
        return f"unknown modifier {bad[0]!r} (use {', '.join(MODIFIERS)})"
    if len(base) == 1 or base in _NAMED or base in KEY_TO_UNICODE_NAME:
        return None
    try:
        unicodedata.lookup(base.replace("_", " "))  # question_mark, left_square_bracket, …
    except KeyError:
        return f"unknown key {base!r}"
    return None


def normalise_keys(text: str) -> tuple[str, ...]:
    """The keys Textual will bind for a keymap value ("?" becomes "question_mark")."""
    keys = [k.strip() for k in text.split(",")]
    return tuple(_character_to_key(k) if len(k) == 1 else k for k in keys)


def keymap_problems(keymap: Mapping[str, str],
                    bindings: list[BindingInfo] | None = None) -> list[tuple[str, str]]:
    """(binding id, what is wrong) for each entry of a keymap that would not work as written:
    an unknown id, an unknown key, or a key another binding of the same scope already has
    (unless that one is remapped away too). App priority bindings count in every scope."""
    bindings = collect_bindings() if bindings is None else bindings
    ids = sorted({b.id for b in bindings if b.id})
    problems: list[tuple[str, str]] = []
    wanted: dict[str, tuple[str, ...]] = {}
    for bid, text in keymap.items():
        if bid not in ids:
            close = difflib.get_close_matches(bid, ids, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append((bid, f"unknown binding id{hint} (the ids are in the help "
                                  "screen, ?)"))
            continue
        for key in (k.strip() for k in text.split(",")):
            problem = key_problem(key)
            if problem:
                problems.append((bid, f"{problem} in {text!r}; write keys like r, ctrl+r, "
                                      "f5 or question_mark, comma-separated"))
                break
        else:
            wanted[bid] = normalise_keys(text)

    def keys_of(b: BindingInfo) -> tuple[str, ...]:
        return wanted.get(b.id, b.keys) if b.id else b.keys

    # Textual looks for a key from the focused widget up through its screen to the App: the
    # first binding found wins. Two bindings clash when one chain holds both: a pane of the
    # triage screen with that screen and the App; a dialog with the App.
    kinds = {cls.__name__: cls for cls in ui_classes()}
    apps = {n for n, c in kinds.items() if issubclass(c, App)}
    screens = {n for n, c in kinds.items() if issubclass(c, Screen) and
               not issubclass(c, ModalScreen)}

    def chain_mates(scope: str) -> set[str]:
        cls = kinds.get(scope)
        if cls is None or issubclass(cls, App):
            return set(kinds) | {scope}  # the App is at the end of every chain
        if issubclass(cls, Screen):
            # its panes, not its inputs: typing there is text, the screen's keys wait
            panes = set() if issubclass(cls, ModalScreen) else {
                n for n, c in kinds.items() if not issubclass(c, (Screen, App, Input))}
            return {scope} | apps | panes
        return {scope} | screens | apps

    by_scope: dict[str, list[BindingInfo]] = {}
    for b in bindings:
        by_scope.setdefault(b.scope, []).append(b)
    global_ = [b for b in bindings if b.priority]
    reported: set[tuple[str, str]] = set()
    for scope, members in by_scope.items():
        mates = chain_mates(scope)
        order = sorted(mates, key=lambda s: (s != scope, s in screens, s in apps, s))
        pool = [o for s in order for o in by_scope.get(s, ())]
        pool += [g for g in global_ if g.scope not in mates]
        for b in members:
            if b.id not in wanted:
                continue
            for key in wanted[b.id]:
                if key in b.keys:
                    continue  # its own key: any shadowing there is by design
                for other in pool:
                    if other is b or other.id == b.id or key not in keys_of(other):
                        continue
                    if other.action == b.action or (b.id, key) in reported:
                        continue  # two keys for one action lose nothing
                    reported.add((b.id, key))
                    where = other.scope if not other.priority or other.scope == scope else \
                        f"{scope} ({other.scope} priority)"
                    fix = (f"remap {other.id} too, or choose another key" if other.id
                           else "choose another key")
                    problems.append((b.id, f"{key!r} is already {other.name} in {where}; "
                                           f"{fix}"))
    return problems
