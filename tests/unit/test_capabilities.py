"""Capabilities beyond what tests/unit/test_queries.py asks: parent paths of three hops,
polymorphic parents asked for more than a name field, an object the org has without fields,
and the describe cache written twice. The expected answers are the schema's, by hand."""

from __future__ import annotations

from pathlib import Path

from flowstage_tui.salesforce import capabilities as capmod
from flowstage_tui.salesforce.capabilities import RUN, STAGE, STEP, WORK, Capabilities

CAPS = Capabilities("66.0", {
    RUN: frozenset({"Id", "CreatedDate"}),
    STAGE: frozenset({"Id", "OrchestrationInstanceId", "Position"}),
    STEP: frozenset({"Id", "OrchestrationInstanceId", "StageInstanceId"}),
    WORK: frozenset({"Id", "StepInstanceId", "AssigneeId"}),
})


def test_a_path_of_three_hops_needs_every_hop() -> None:
    assert CAPS.has_path(WORK, "StepInstance.OrchestrationInstance.CreatedDate")
    assert CAPS.has_path(WORK, "StepInstance.StageInstance.Position")
    assert not CAPS.has_path(WORK, "StepInstance.OrchestrationInstance.Nope")
    no_run_link = Capabilities("66.0", {**CAPS.fields, STEP: frozenset({"Id"})})
    assert not no_run_link.has_path(WORK, "StepInstance.OrchestrationInstance.CreatedDate")
    no_run = Capabilities("66.0", {k: v for k, v in CAPS.fields.items() if k != RUN})
    assert not no_run.has_path(WORK, "StepInstance.OrchestrationInstance.CreatedDate")


def test_a_polymorphic_parent_answers_only_for_its_own_name_fields() -> None:
    assert CAPS.has_path(WORK, "Assignee.Name")
    assert not CAPS.has_path(WORK, "Assignee.Manager.Name")  # no hop beyond the parent
    assert not CAPS.has_path(WORK, "RelatedRecord.Name")  # no RelatedRecordId here
    assert CAPS.select(WORK, ("Id", "Assignee.Name", "Assignee.Manager.Name", "Label")) == [
        "Id", "Assignee.Name"]


def test_an_object_without_fields_is_still_there() -> None:
    caps = capmod.from_describes("66.0", [RUN, STAGE], {RUN: {"fields": []}})
    assert caps.has(RUN) and not caps.has(RUN, "Id")
    assert not caps.has(STAGE)  # listed by the org, but no describe came back
    assert caps.select(RUN, ("Id", "Name")) == []


def test_the_describe_cache_written_twice_keeps_the_last_and_no_temporary_file(
        tmp_path: Path) -> None:
    capmod.store_cached(tmp_path, "00Dx", CAPS)
    fewer = Capabilities("66.0", {RUN: frozenset({"Id"})})
    capmod.store_cached(tmp_path, "00Dx", fewer)
    assert capmod.load_cached(tmp_path, "00Dx", "66.0") == fewer
    assert sorted(p.name for p in (tmp_path / "describe").iterdir()) == ["00Dx-v66.0.json"]
