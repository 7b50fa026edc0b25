"""Saved views from the command line: `flowstage runs --view NAME` lists the view's runs in
its order, options beside it win, `flowstage --view NAME` opens the TUI on it, and a name the
file lacks (or a broken [views] table) is one line and exit 2."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowstage_tui.cli.context import resolve
from flowstage_tui.cli.main import main
from flowstage_tui.cli.tui import app_for
from flowstage_tui.config.store import load
from flowstage_tui.config.views import SavedView, age_text, save_view, view_of
from flowstage_tui.salesforce.queries import RunFilter
from flowstage_tui.salesforce.run_sort import RunSort

CONFIG = """# my flowstage settings
default_profile = "sandbox"

[profiles.sandbox]
auth = "demo"  # the built-in org

[views.errors]
status = ["Error"]
sort = "name"

[views.recent]
since = "2d"
sort = "-modified"
"""


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    monkeypatch.setenv("COLUMNS", "100")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


def runs_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    assert main(["runs", *argv, "--format", "json", "--limit", "500"]) == 0
    out: list[dict[str, str]] = json.loads(capsys.readouterr().out)
    return out


def test_runs_view_lists_the_views_runs_in_its_order(config: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    runs = runs_json(["--config", str(config), "--view", "errors"], capsys)
    assert runs and {r["status"] for r in runs} == {"Error"}
    assert [r["name"] for r in runs] == sorted(r["name"] for r in runs)  # sort = "name"
    everything = runs_json(["--config", str(config)], capsys)
    assert len(everything) > len(runs)
    recent = runs_json(["--config", str(config), "--view", "recent"], capsys)
    modified = [r["modified"] for r in recent]
    assert modified == sorted(modified, reverse=True)
    # an option beside the view wins over the view's
    canceled = runs_json(["--config", str(config), "--view", "errors", "--status",
                          "Canceled"], capsys)
    assert canceled and {r["status"] for r in canceled} == {"Canceled"}


def test_unknown_view_is_one_line_exit_2_naming_the_views(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--config", str(config), "--view", "nope"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "no view named 'nope'" in err and "errors, recent" in err


def test_the_tui_opens_on_a_view(config: Path, tui_calls: list[argparse.Namespace],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    save_view(config, SavedView("narrow", ("Error",), sort=RunSort("orchestration", False),
                                columns=("Status", "Run")))
    assert main(["--config", str(config), "--view", "narrow"]) == 0
    args = tui_calls[0]
    assert args.view == "narrow"
    first = app_for(resolve(args, interactive=True), args).cfg.orgs[0]
    assert first.run_filter.statuses == ("Error",)
    assert first.run_sort == RunSort("orchestration", False)
    assert first.run_columns == ("Status", "Run")
    assert main(["sandbox", "--config", str(config), "--view", "missing"]) == 2
    assert "views there: errors, narrow, recent" in capsys.readouterr().err


@pytest.mark.parametrize(("table", "needle"), [
    ('[views.x]\nstatus = "Nope"\n', "views.x.status: unknown status 'Nope'"),
    ('[views.x]\nsort = "status"\n', "Status and Duration are not sortable"),
    ('[views.x]\nsince = "soon"\n', "views.x.since"),
    ('[views.x]\ncolour = "red"\n', "views.x.colour: unknown key"),
    ('[views.x]\ncolumns = ["Nope"]\n', "unknown column 'Nope'"),
    ('[views."a b"]\nsort = "name"\n', "not a view name"),
])
def test_a_broken_view_is_one_line_and_exit_2(tmp_path: Path, table: str, needle: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG + table)
    assert main(["runs", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and str(path) in err


def test_save_keeps_comments_and_reads_back(config: Path) -> None:
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    flt = RunFilter.parse(status="Error,Suspended", since="36h", orchestration="Onb",
                          now=now - timedelta(hours=2))  # typed two hours ago
    view = view_of("stuck-onb", flt, RunSort("orchestration", False), now)
    assert view.since == "36h"  # as typed, not "38h"
    untyped = RunFilter(since=now - timedelta(hours=48))
    assert view_of("x", untyped, RunSort(), now).since == "2d"
    save_view(config, view)
    text = config.read_text()
    assert "# my flowstage settings" in text and "# the built-in org" in text
    assert "[views.stuck-onb]" in text
    again = load(config).views["stuck-onb"]
    assert again == SavedView("stuck-onb", ("Error", "Suspended"), "36h", "Onb", None, None,
                              RunSort("orchestration", False))
    assert again.run_filter(now).since == now - timedelta(hours=36)
    save_view(config, view_of("errors", RunFilter(), RunSort(), now))  # replaces it
    assert load(config).views["errors"].status == ()
    assert list(load(config).views) == ["errors", "recent", "stuck-onb"]


def test_age_text_says_the_age_exactly() -> None:
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert [age_text(now - d, now) for d in (timedelta(days=14), timedelta(hours=48),
                                             timedelta(minutes=90), timedelta(hours=5))] == [
        "2w", "2d", "90m", "5h"]
