"""FlowstageApp: the house. One TriageScreen per open org, each in its own Textual mode (a
dialog in one tab never covers another), global keys, theme, keymap; no I/O (build_app)."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from ..engine.governor import BudgetGovernor
from ..errors import FlowstageError
from .commands_registry import help_lines
from .config import AppConfig, OrgConfig
from .hangup import HangUpWatch
from .keys import help_rows, keys_shown
from .messages import CloseOrgRequested, OrgBadge, OrgRequested, OrgStatus, QuitRequested
from .palette import FlowstageCommands
from .screens.dialogs import ChoiceScreen, HelpScreen
from .screens.triage import TriageScreen
from .terminal_app import TerminalApp
from .widgets.org_tabs import OrgTabs


class FlowstageApp(TerminalApp):
    CSS_PATH = "flowstage.tcss"
    TITLE = "flowstage"
    COMMANDS = App.COMMANDS | {FlowstageCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help", tooltip="this list"),
        Binding("left_curly_bracket", "org(-1)", "Prev org", show=False, id="org.prev",
                tooltip="previous org's tab (with two or more open)"),
        Binding("right_curly_bracket", "org(1)", "Next org", show=False, id="org.next",
                tooltip="next org's tab (:open NAME opens another)"),
        Binding("q", "quit_app", "Quit", id="quit", tooltip="quit flowstage"),
        Binding("ctrl+q", "quit_app", "Quit", show=False, priority=True, id="quit.force",
                tooltip="quit, even from the command line or a dialog"),
        Binding("ctrl+c", "how_to_quit", "How to quit", show=False, id="quit.hint",
                tooltip="says how to quit (a stray Ctrl+C never ends a triage session)"),
    ]

    def __init__(self, config: AppConfig) -> None:
        super().__init__()
        self.cfg = config
        self.crash_log = config.crash_log
        self.badges: dict[str, OrgBadge] = {}  # the tab bar, by org key, in tab order
        self.governors: dict[str, BudgetGovernor] = {}  # by OrgConfig.budget_key
        self.tab_modes: dict[str, str] = {}  # org key -> the Textual mode its tab lives in
        self.hang_up_watch = HangUpWatch(self)

    def on_mount(self) -> None:
        if self.cfg.theme:
            try:
                self.theme = self.cfg.theme
            except Exception:
                self.notify(f"Unknown theme {self.cfg.theme!r}; using the default.",
                            severity="warning")
        if self.cfg.keymap:
            self.set_keymap(self.cfg.keymap)
        if len(self.cfg.orgs) > 1:  # after the first org's first frame
            self.call_after_refresh(self._open_other_tabs)
        if not self.cfg.orgs:
            self.call_after_refresh(self.pick_profile)
        self.hang_up_watch.start()

    # ------------------------------------------------------------ the orgs' tabs
    @property
    def triage(self) -> TriageScreen | None:
        """The org in front (under any dialog), or None before one is open."""
        return next((s for s in reversed(self.screen_stack) if isinstance(s, TriageScreen)),
                    None)

    def triage_screens(self) -> list[TriageScreen]:
        return [s for stack in self._screen_stacks.values() for s in stack
                if isinstance(s, TriageScreen)]

    def get_default_screen(self) -> Screen[Any]:
        """The first org's screen is the one Textual starts with: its first frame is the
        triage screen, not an empty screen switched away from."""
        if not self.cfg.orgs:
            return super().get_default_screen()
        screen = self._new_tab(self.cfg.orgs[0], "_default")
        # Textual can switch back only to a mode it knows by name; the default mode's stack
        # already holds this screen, so the factory is never called
        self._modes["_default"] = lambda: screen
        return screen

    def _new_tab(self, org: OrgConfig, mode: str) -> TriageScreen:
        governor = None if org.budget_key is None else self.governors.setdefault(
            org.budget_key, BudgetGovernor())
        screen = TriageScreen(org, export_dir=self.cfg.export_dir, crash_log=self.cfg.crash_log,
                              profiles=lambda: list(self.cfg.profiles),
                              autostart=self.cfg.autostart, governor=governor, mode=mode,
                              views=self.cfg.views, columns=self.cfg.columns)
        self.badges[org.key] = OrgBadge(org.profile.label, org.profile.get("color"),
                                        org.read_only, screen.health.state, 0)
        self.tab_modes[org.key] = mode
        return screen

    def _open_other_tabs(self) -> None:
        """Every tab is mounted (it polls from the start), and the first stays in front."""
        for org in self.cfg.orgs[1:]:
            self.open_org(org)
        self.go_to(self.cfg.orgs[0].key)

    def open_org(self, org: OrgConfig, show: bool = True) -> None:
        if org.key not in self.badges:
            screen = self._new_tab(org, org.key)
            self.add_mode(org.key, lambda: screen)
        if show:
            self.go_to(org.key)

    def go_to(self, key: str) -> None:
        self.switch_mode(self.tab_modes[key])
        for screen in self.triage_screens():
            screen.set_background(screen.org.key != key)
        self._draw_tabs()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # { and }: not from under a dialog, nor with one org
        return action != "org" or (len(self.badges) > 1 and isinstance(self.screen, TriageScreen))

    def action_org(self, step: int) -> None:
        keys = list(self.badges)
        front = next((k for k, m in self.tab_modes.items() if m == self.current_mode), None)
        if front in keys:
            self.go_to(keys[(keys.index(front) + step) % len(keys)])

    def on_org_requested(self, message: OrgRequested) -> None:
        name = message.name
        if not name:
            self.pick_profile()
        elif f"org:{name}" in self.badges:
            self.go_to(f"org:{name}")
        elif self.cfg.opener is None or name not in self.cfg.profiles:
            known = ", ".join(self.cfg.profiles) or "none"
            self.notify(f"No profile {name!r} (profiles: {known}).", severity="error")
        else:
            try:
                self.open_org(self.cfg.opener(name))
            except FlowstageError as exc:
                self.notify(str(exc), severity="error")

    def on_close_org_requested(self, message: CloseOrgRequested) -> None:
        screen = self.triage
        if screen is None or len(self.badges) < 2:
            self.notify("This is the only org open; q quits.", timeout=3)
            return
        keys = list(self.badges)
        key = screen.org.key
        if self.tab_modes[key] == "_default":  # Textual keeps its first mode for good
            self.notify("The first org's tab stays open; close the others, or q quits.",
                        timeout=4)
            return
        self.go_to(keys[keys.index(key) - 1])
        del self.badges[key], self.tab_modes[key]
        if screen.poller is not None:
            screen.poller.stop()
        self.remove_mode(key)
        self._draw_tabs()

    def on_org_status(self, message: OrgStatus) -> None:
        if message.key in self.badges:
            self.badges[message.key] = message.badge
            self._draw_tabs()

    def _draw_tabs(self) -> None:
        for screen in self.triage_screens():
            if screen.is_mounted:
                screen.query_one(OrgTabs).show(self.badges, screen.org.key)
                screen.relayout()

    def pick_profile(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self.post_message(OrgRequested(name))
            elif not self.badges:
                self.exit(0)

        self.push_screen(ChoiceScreen("Open which profile?",
                                      [(p, p) for p in self.cfg.profiles]), chosen)

    # ------------------------------------------------------------ global keys
    def action_help(self) -> None:
        front = self.triage
        read_only = front is None or front.org.read_only
        hidden = front.hidden_binding_ids() if front is not None else frozenset()
        self.push_screen(HelpScreen(help_rows(self.cfg.keymap, hidden), help_lines(read_only),
                                    self.budget_lines()))

    def budget_lines(self) -> tuple[str, ...]:
        """What the front org's tabs cost a day as set now (every tab on that org: they
        spend one allowance), what that is made of, and where the usage stands."""
        from ..engine.budget import daily_budget

        front = self.triage
        if front is None or front.poller is None:
            return ()
        key = front.org.budget_key
        tabs = [front, *(s for s in self.triage_screens() if s is not front and
                         s.poller is not None and key is not None and s.org.budget_key == key)]
        budget = daily_budget([s.budget_plan() for s in tabs], front.health.api_used,
                              front.health.api_limit)
        return budget.headline(), budget.parts(), budget.usage_line()

    async def action_quit_app(self) -> None:
        self.exit(0)

    def on_quit_requested(self, message: QuitRequested) -> None:
        self.exit(0)

    def action_how_to_quit(self) -> None:
        keys = " or ".join(keys_shown(b, self.cfg.keymap) for b in self.BINDINGS
                           if isinstance(b, Binding) and b.action == "quit_app")
        self.notify(f"Ctrl+C does not quit flowstage: press {keys} to quit.", timeout=4)

