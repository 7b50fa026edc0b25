"""Model behaviour the screen relies on: statuses Salesforce adds later, a run's title, when a
stage counts as ended, which steps wait for a person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flowstage_tui.salesforce.models import (
    OPEN_STATUSES,
    Run,
    RunStatus,
    StageRun,
    StageStatus,
    StepRun,
    WorkItemStatus,
)

T = datetime(2026, 11, 27, 10, tzinfo=UTC)
LATER = datetime(2026, 11, 27, 11, tzinfo=UTC)


def test_a_status_salesforce_adds_later_is_kept_not_refused() -> None:
    paused = RunStatus("Paused")
    assert paused == "Paused" and str(paused) == "Paused"
    assert paused.name == "Paused" and paused.value == "Paused"
    assert not paused.known and isinstance(paused, RunStatus)
    assert RunStatus("Error") is RunStatus.ERROR and RunStatus.ERROR.known
    assert StageStatus("OnHold").value == "OnHold" and not StageStatus("OnHold").known
    assert WorkItemStatus("Recalled") == "Recalled"
    assert StageStatus("NotStarted") is StageStatus.NOT_STARTED
    with pytest.raises(ValueError):
        RunStatus(5)  # type: ignore[arg-type]  # only text can be a status


def test_open_statuses() -> None:
    assert frozenset({"InProgress", "Suspended"}) == OPEN_STATUSES


def run(label: str | None, orchestration: str | None) -> Run:
    return Run(id="r", name="OR-1", status=RunStatus.IN_PROGRESS, orchestration=orchestration,
               label=label, current_stage=None, created=T, modified=T, modstamp=T,
               duration=None, interview_id=None)


def test_a_runs_title_prefers_the_label() -> None:
    assert run("Onboarding", "Onboard_v2").title == "Onboarding"
    assert run(None, "Onboard_v2").title == "Onboard_v2"
    assert run("", "Onboard_v2").title == "Onboard_v2"
    assert run(None, None).title == "(unknown orchestration)"
    assert not run(None, None).is_debug and run(None, None).triggering_record is None


@pytest.mark.parametrize(("status", "ended"), [
    ("InProgress", None), ("Suspended", None), ("Completed", LATER), ("Error", LATER),
    ("Discontinued", LATER), ("Canceled", LATER), ("NotStarted", None), ("OnHold", LATER),
])
def test_a_stage_has_ended_unless_it_runs_or_waits(status: str, ended: datetime | None) -> None:
    stage = StageRun(id="s", run_id="r", name="n", label="l", position=1,
                     status=StageStatus(status), created=T, modified=LATER, modstamp=LATER)
    assert stage.ended == ended


@pytest.mark.parametrize(("step_type", "interactive"), [
    ("InteractiveStep", True), ("ApprovalInteractiveStep", True), ("BackgroundStep", False),
    ("", False), ("interactivestep", False),
])
def test_steps_that_wait_for_a_person(step_type: str, interactive: bool) -> None:
    step = StepRun(id="p", run_id="r", stage_id="s", name="n", label="l",
                   status=StageStatus.IN_PROGRESS, step_type=step_type, description=None,
                   created=T, modified=T, modstamp=T)
    assert step.interactive is interactive


@pytest.mark.parametrize(("kind", "values"), [
    (RunStatus, ("NotStarted", "InProgress", "Completed", "Error", "Discontinued", "Canceled",
                 "Suspended")),
    (StageStatus, ("NotStarted", "InProgress", "Completed", "Error", "Discontinued", "Canceled",
                   "Suspended")),  # stages and steps share the seven values
])
def test_every_status_real_describes_declare_is_known(kind: type[RunStatus] | type[StageStatus],
                                                      values: tuple[str, ...]) -> None:
    """The run, stage and step Status picklists of real describes: none is an unknown word
    (shown with a "?" and its name as a status from a later release would be)."""
    assert all(kind(v).known for v in values)
