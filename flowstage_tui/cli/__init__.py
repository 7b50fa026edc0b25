"""The command line: argument grammar, headless commands, profile commands, output formats,
and build_app() — the one factory of the TUI.

Empty on purpose: `flowstage --version` and every headless command import only the module
they need (cli.main is the entry point).
"""
