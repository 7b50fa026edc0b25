"""RunSort: the ORDER BY, the keyset predicate after a cursor, and the local order (nulls,
case, `_`), each written out by hand."""

from __future__ import annotations

import pytest

from flowstage_tui.salesforce.capabilities import RUN, Capabilities
from flowstage_tui.salesforce.models import Run, RunStatus
from flowstage_tui.salesforce.queries import QueryBuilder
from flowstage_tui.salesforce.run_sort import NOT_SORTABLE, RunSort

from .test_queries import FULL, OLD, T_LIT, T


def run(rid: str, label: str | None, name: str = "OR-1") -> Run:
    return Run(rid, name, RunStatus.ERROR, "Dev_Name", label, None, T, T, T, None, None)


def test_order_by_names_nulls_only_where_a_field_can_be_null() -> None:
    assert RunSort().order_by(FULL) == "CreatedDate DESC, Id DESC"
    assert RunSort("name", False).order_by(FULL) == "Name ASC, Id ASC"
    assert RunSort("modified", True).order_by(FULL) == "LastModifiedDate DESC, Id DESC"
    assert RunSort("orchestration", False).order_by(FULL) == (
        "OrchestrationLabel ASC NULLS FIRST, Id ASC")
    assert RunSort("orchestration", True).order_by(FULL) == (
        "OrchestrationLabel DESC NULLS LAST, Id DESC")
    # an org without OrchestrationLabel sorts by the developer name, in whichever field it has
    assert RunSort("orchestration", True).order_by(OLD).startswith("OrchestrationName DESC")
    dev = Capabilities("62.0", {RUN: frozenset({"Id", "OrchestrationDeveloperName"})})
    assert RunSort("orchestration", False).field(dev) == "OrchestrationDeveloperName"
    old_run = run("a1", None)  # parse puts OrchestrationName into .orchestration
    assert RunSort("orchestration").value(old_run, OLD) == "Dev_Name"


def test_keyset_after_a_cursor() -> None:
    assert RunSort("modified", False).after((T, "0jE1"), FULL) == (
        f"(LastModifiedDate > {T_LIT} OR (LastModifiedDate = {T_LIT} AND Id > '0jE1'))")
    desc = RunSort("orchestration", True)
    assert desc.after(("Loan's", "0jE1"), FULL) == (
        "(OrchestrationLabel < 'Loan\\'s' OR (OrchestrationLabel = 'Loan\\'s' AND "
        "Id < '0jE1') OR OrchestrationLabel = null)")
    assert desc.after((None, "0jE1"), FULL) == "(OrchestrationLabel = null AND Id < '0jE1')"
    assert RunSort("orchestration", False).after((None, "0jE1"), FULL) == (
        "((OrchestrationLabel = null AND Id > '0jE1') OR OrchestrationLabel != null)")


def test_runs_page_sorted_after_a_cursor() -> None:
    q = QueryBuilder(FULL, sort=RunSort("name", False)).runs_page(5, ("OR-9", "0jE1"))
    assert q.endswith("WHERE (Name > 'OR-9' OR (Name = 'OR-9' AND Id > '0jE1')) "
                      "ORDER BY Name ASC, Id ASC LIMIT 5")


def test_local_order_nulls_case_and_underscore() -> None:
    runs = [run("a3", "EmployeeX"), run("a1", None), run("a2", "employee_y"),
            run("a4", "EMPLOYEE_Y"), run("a0", None)]
    asc = [r.id for r in RunSort("orchestration", False).ordered(runs)]
    # nulls first (by Id), then by the upper-cased text: EMPLOYEEX < EMPLOYEE_Y; ties by Id
    assert asc == ["a0", "a1", "a3", "a2", "a4"]
    assert [r.id for r in RunSort("orchestration", True).ordered(runs)] == asc[::-1]


def test_cycle_reverse_and_parse() -> None:
    s = RunSort("name", False)
    assert [s.cycled().key, s.cycled().cycled().key, s.cycled().cycled().cycled().key,
            s.cycled().cycled().cycled().cycled().key] == [
        "created", "modified", "orchestration", "name"]
    assert s.reversed() == RunSort("name", True) and s.cycled().descending is False
    assert RunSort.parse("-Started") == RunSort("created", True)
    assert RunSort.parse("orchestration asc") == RunSort("orchestration", False)
    assert RunSort.parse(RunSort("modified", True).text()) == RunSort("modified", True)
    assert RunSort("created", True).describe() == "Started ↓"
    with pytest.raises(ValueError, match="Status and Duration are not sortable"):
        RunSort.parse("status")
    with pytest.raises(ValueError, match="not a sort"):
        RunSort.parse("name sideways")
    with pytest.raises(ValueError):
        RunSort("duration")
    assert "picklist" in NOT_SORTABLE


