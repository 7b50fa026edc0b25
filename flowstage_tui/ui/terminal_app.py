"""TerminalApp: what the App needs from a terminal over SSH, whatever it shows — an ASCII
driver when asked, notifications that never read org text as markup, a crash that says one
line (never a traceback with locals) and exits 1, and keys of one read sent where the focus is
now."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.widget import Widget

from . import present as P
from .crash import write_crash_log


class TerminalApp(App[int]):
    crash_log: Path | None = None  # where a crash's traceback goes (never to the screen)

    def __init__(self) -> None:
        super().__init__()
        self._key_sent_to: deque[tuple[events.Key, Widget | None]] = deque(maxlen=64)

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if P.ASCII:
            from .ascii import ascii_driver

            return ascii_driver(driver)
        return driver

    def get_key_display(self, binding: Binding) -> str:
        shown = super().get_key_display(binding)
        return binding.key if P.ASCII and not shown.isascii() else shown  # ⏎ -> enter

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications carry what users typed and what the org holds: never markup. Not
        even when asked: Widget.notify (a screen's, a dialog's) passes markup=True."""
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout,
                       markup=False)

    def terminal_notify(self, title: str, body: str, setting: str) -> None:
        """A desktop notification from the terminal itself (OSC 9 / 777 / 99, or the bell;
        notify.py, the profile's `notify`). Textual has no such call: the sequence goes
        through the driver, as copy_to_clipboard's OSC 52 does; the bell through bell()."""
        import os

        from .. import notify

        for method, text in notify.parts(setting, title, body, os.environ):
            if method == "bell":
                self.bell()
            elif self._driver is not None:
                self._driver.write(text)

    def _handle_exception(self, error: Exception) -> None:
        """A bug must not look like success, nor show secrets: Textual prints a traceback with
        local variables (a token or password among them) and the shell would see exit 0. The
        traceback goes to the log file without locals; the terminal gets one line; exit 1."""
        where = write_crash_log(self.crash_log, error)
        super()._handle_exception(error)  # sets the return code, closes the app
        self._exit_renderables[:] = [Text(
            f"flowstage stopped on an internal error ({type(error).__name__}); "
            + (f"the traceback is in {where}" if where else "the traceback could not be "
               "written") + ". Please report it.")]

    async def on_event(self, event: events.Event) -> None:
        """Keys that came in one read (a burst after a stalled SSH link, fast typing) are all
        queued on the widget focused at that moment, before the first of them has run. When
        one moves the focus (`:`, `/`, `3`, `?`), the rest come back here still bound for the
        old widget, where `q` would quit and `r`, `n`, `o` would act. Send them on to where the
        focus is now, in the order they came. (A key still queued while the app closes finds
        no screen: it goes on as it came.)"""
        if isinstance(event, events.Key) and self._screen_stack:
            if not event.is_forwarded:
                self._key_sent_to.append((event, self.focused))
            else:
                sent_to = next((w for e, w in self._key_sent_to if e is event), None)
                if sent_to is not None and sent_to is not self.focused:
                    self.post_message(events.Key(event.key, event.character))
                    return
        await super().on_event(event)
