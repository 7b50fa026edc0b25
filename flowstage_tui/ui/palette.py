"""The command palette (ctrl+p), built from the same registry as the `:` command line."""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .commands_registry import CommandSpec, shown_commands


class FlowstageCommands(Provider):
    def _prefill(self, name: str) -> None:
        from .screens.triage import TriageScreen

        screen = next((s for s in reversed(self.app.screen_stack)
                       if isinstance(s, TriageScreen)), None)
        if screen is not None:
            screen.prefill_command(name)

    def _commands(self) -> tuple[CommandSpec, ...]:
        """The front tab's commands: no writes in a read-only one."""
        from .screens.triage import TriageScreen

        screen = next((s for s in reversed(self.app.screen_stack)
                       if isinstance(s, TriageScreen)), None)
        return shown_commands(screen is None or screen.org.read_only)

    async def discover(self) -> Hits:
        for spec in self._commands():
            yield DiscoveryHit(f":{spec.usage}", lambda s=spec: self._prefill(s.name),
                               help=spec.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for spec in self._commands():
            score = matcher.match(f"{spec.name} {spec.help}")
            if score > 0:
                yield Hit(score, matcher.highlight(f":{spec.usage}"),
                          lambda s=spec: self._prefill(s.name), help=spec.help)
