"""The theme names the App accepts, for the command line and `config validate` to check before
the App starts (an unknown theme there is exit 2, not a toast). Importing this loads Textual:
callers do it only when a theme was actually given."""

from __future__ import annotations


def theme_names() -> tuple[str, ...]:
    from textual.theme import BUILTIN_THEMES

    return tuple(sorted(BUILTIN_THEMES))
