"""DESIGN.md rules 1 and 2: only ui/ imports Textual; simple-salesforce stays off the start path."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS = [
    "flowstage_tui", "flowstage_tui.cli.main", "flowstage_tui.demo", "flowstage_tui.export",
    "flowstage_tui.errors",
    "flowstage_tui.emulator.handler", "flowstage_tui.emulator.server",
    "flowstage_tui.emulator.adapter", "flowstage_tui.salesforce", "flowstage_tui.salesforce.soql",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_modules_never_load_textual(module: str) -> None:
    code = (f"import sys, {module}; bad = [m for m in ('textual',) if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"{module} imported {done.stdout.strip()}"


def test_version_path_loads_neither_textual_nor_simple_salesforce() -> None:
    code = ("import sys; sys.argv = ['flowstage', '--version']; "
            "from flowstage_tui.entry import main; main(); "
            "heavy = [m for m in ('textual', 'simple_salesforce', 'requests', 'zeep', "
            "'argparse') if m in sys.modules]; sys.exit(f'loaded: {heavy}' if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("flowstage ")
