"""DESIGN.md's import rules, as contracts in pyproject.toml ([tool.importlinter]), checked by
import-linter in-process: ui never imports cli (or the demo org), only demo.py and the CLI's
`demo serve` import emulator/, only ui/ imports Textual and Rich, only salesforce/ imports
simple-salesforce, and the layers cli → ui → engine → salesforce/config.

import-linter reads the whole package's import graph statically, lazy imports inside functions
included, so a contract breaks the moment someone writes the import, whichever test or code
path runs it. The second test adds one forbidden import per contract to that graph and
expects the contract to break: a contract that cannot break would guard nothing.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import Contract
from importlinter.api import read_configuration
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.contracts.protected import ProtectedContract

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
KINDS: dict[str, type[Contract]] = {"forbidden": ForbiddenContract,
                                    "protected": ProtectedContract, "layers": LayersContract}


def test_the_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    """What `lint-imports` (import-linter's own command) checks, run in this process."""
    status = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    # the report names each import that breaks a contract, and the line it is on
    assert status == EXIT_STATUS_SUCCESS, capsys.readouterr().out


def contracts() -> dict[str, Contract]:
    config = read_configuration(str(PYPROJECT))
    return {c["name"]: KINDS[c["type"]](name=c["name"], session_options=config["session_options"],
                                        contract_options=c)
            for c in config["contracts_options"]}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("flowstage_tui", include_external_packages=True)


# (a word from the contract's name, importer, imported): one import each contract must refuse
BAD = [
    ("ui never imports", "flowstage_tui.ui.present", "flowstage_tui.cli.context"),
    ("ui never imports", "flowstage_tui.ui.app", "flowstage_tui.demo"),
    ("emulator", "flowstage_tui.engine.cache", "flowstage_tui.emulator.ids"),
    ("emulator", "flowstage_tui.cli.commands", "flowstage_tui.emulator.ids"),  # main only
    ("emulator", "flowstage_tui.salesforce.connect", "flowstage_tui.emulator.adapter"),
    ("textual", "flowstage_tui.engine.sync", "textual"),
    ("textual", "flowstage_tui.cli.output", "rich"),
    ("simple_salesforce", "flowstage_tui.engine.sync", "simple_salesforce"),
    ("layers", "flowstage_tui.salesforce.queries", "flowstage_tui.engine.state"),
    ("layers", "flowstage_tui.demo", "flowstage_tui.ui.present"),
    ("layers", "flowstage_tui.ui.app", "flowstage_tui.cli.tui"),
    ("layers", "flowstage_tui.clock", "flowstage_tui.errors"),
]


@pytest.mark.parametrize(("contract", "importer", "imported"), BAD,
                         ids=[f"{i}->{m}" for _, i, m in BAD])
def test_each_contract_breaks_on_a_forbidden_import(graph: grimp.ImportGraph, contract: str,
                                                    importer: str, imported: str) -> None:
    [(name, checked)] = [(n, c) for n, c in contracts().items() if contract in n]
    assert check(checked, graph), f"{name!r} is broken without the bad import"
    bad: Any = copy.deepcopy(graph)
    bad.add_import(importer=importer, imported=imported, line_number=1,
                   line_contents=f"import {imported}")
    assert not check(checked, bad), f"{name!r} let {importer} import {imported}"


def check(contract: Contract, graph: grimp.ImportGraph) -> bool:
    kept: bool = contract.check(copy.deepcopy(graph), verbose=False).kept
    return kept
