"""The runs presets: `stale` (open runs unmodified for stale_after) and `expiring` (Error runs
whose resume window, counted from the FailInstance log row, closes within 48 hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowstage_tui.errors import QueryRefused
from flowstage_tui.salesforce.capabilities import LOG, Capabilities
from flowstage_tui.salesforce.models import Run, RunStatus
from flowstage_tui.salesforce.queries import FilterError, QueryBuilder, RunFilter
from flowstage_tui.salesforce.resume_window import failed_between

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
CAPS = Capabilities("66.0", {"FlowOrchestrationInstance": frozenset(
    {"Id", "Name", "Status", "CreatedDate", "LastModifiedDate"}), LOG: frozenset(
    {"Id", "OrchestrationInstanceId", "Kind", "Timestamp"})})


def run(status: str, modified: datetime) -> Run:
    return Run("0jE1", "OR-1", RunStatus(status), "X", None, None, modified - timedelta(days=1),
               modified, modified, None, None)


def test_stale_asks_for_open_runs_unmodified_for_stale_after() -> None:
    f = RunFilter.parse(preset="stale", now=NOW)
    assert f.preset == "stale" and f.preset_from == NOW - timedelta(days=30)
    where = QueryBuilder(CAPS, f).run_where()
    assert where == ["Status IN ('InProgress', 'Suspended')",
                     "LastModifiedDate < 2026-10-29T09:00:00.000Z"]
    short = RunFilter.parse(preset="Stale", now=NOW, stale_after=timedelta(days=7))
    assert short.preset_from == NOW - timedelta(days=7)
    assert f.matches(run("InProgress", NOW - timedelta(days=31)))
    assert f.matches(run("Suspended", NOW - timedelta(days=40)))
    assert not f.matches(run("InProgress", NOW - timedelta(days=29)))
    assert not f.matches(run("Error", NOW - timedelta(days=40)))


def test_expiring_counts_from_the_fail_instance_row() -> None:
    f = RunFilter.parse(preset="expiring", now=NOW)
    lo, hi = failed_between(NOW, timedelta(hours=48))
    assert (f.preset_from, f.preset_to) == (lo, hi)
    where = QueryBuilder(CAPS, f).run_where()
    assert where == [
        "Status = 'Error'",
        "Id IN (SELECT OrchestrationInstanceId FROM FlowOrchestrationLog WHERE Kind = "
        "'FailInstance' AND Timestamp > 2026-11-14T09:00:00.000Z AND Timestamp <= "
        "2026-11-16T09:00:00.000Z)",
        "Id NOT IN (SELECT OrchestrationInstanceId FROM FlowOrchestrationLog WHERE Kind = "
        "'FailInstance' AND Timestamp > 2026-11-16T09:00:00.000Z)"]
    assert f.matches(run("Error", hi - timedelta(hours=1)))
    assert not f.matches(run("Error", NOW - timedelta(hours=1)))  # it has just failed
    assert not f.matches(run("InProgress", hi - timedelta(hours=1)))


def test_expiring_without_the_run_log_says_so() -> None:
    f = RunFilter.parse(preset="expiring", now=NOW)
    blind = Capabilities("66.0", {"FlowOrchestrationInstance": CAPS.fields[
        "FlowOrchestrationInstance"]})
    with pytest.raises(QueryRefused, match=r"FailInstance log row.*FlowOrchestrationLog"):
        QueryBuilder(blind, f).runs_page(10)


def test_presets_combine_with_the_other_words_and_the_counts() -> None:
    f = RunFilter.parse_line("preset=stale status=Suspended orch=Onboarding", NOW)
    assert f.statuses == ("Suspended",) and f.preset == "stale"
    assert f.describe() == "status=Suspended orch=Onboarding preset=stale"
    counts = QueryBuilder(CAPS, f).status_counts()
    assert "Status IN ('InProgress', 'Suspended')" in counts and "Status IN ('Suspended')" \
        not in counts
    assert RunFilter.parse_line("preset=expiring", NOW) == RunFilter.parse(preset="expiring",
                                                                           now=NOW)


@pytest.mark.parametrize("text", ["preset=old", "preset=stale,expiring"])
def test_unknown_preset(text: str) -> None:
    with pytest.raises(FilterError) as err:
        RunFilter.parse_line(text, NOW)
    assert err.value.field == "preset"
    assert "use one of stale, expiring" in str(err.value)
