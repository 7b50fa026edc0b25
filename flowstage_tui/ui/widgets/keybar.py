"""The key bar: the keys that matter in the focused pane, on one line."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from ..keys import KEY_ORDER


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
        shown = [(binding, enabled) for _node, binding, enabled, _tip in active.values()
                 if binding.show]
        # in one order whichever pane (or the screen, or the App) the binding comes from
        shown.sort(key=lambda item: KEY_ORDER.index(item[0].id)
                   if item[0].id in KEY_ORDER else len(KEY_ORDER))
        for binding, enabled in shown:
            if binding.action not in seen:
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
