"""The console-script entry point, kept tiny so `flowstage --version` starts as fast as Python.

Everything else is imported only when a real command runs.
"""

from __future__ import annotations

import sys


def main() -> int:
    args = sys.argv[1:]
    if args[:1] in (["--version"], ["-V"]):
        from . import __version__

        sys.stdout.write(f"flowstage {__version__}\n")
        return 0
    from .cli.main import main as cli_main

    return cli_main(args)
