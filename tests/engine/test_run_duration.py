"""How long a run took, on every API version: Duration is a v62+ field."""

from __future__ import annotations

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce.models import OPEN_STATUSES

from .conftest import make_engine


def test_ended_runs_have_a_duration_on_orgs_without_the_duration_field(
        clock: ManualClock) -> None:
    """On an org capped at v55 the Runs table's Took was blank for every ended run, though
    when it started and ended is known: it is worked out from CreatedDate and
    LastModifiedDate (the run's last write is its end) and agrees with what a v62+ org's
    Duration says."""
    org = DemoOrg(seed=7, runs=80, clock=clock, frozen=True)
    old = make_engine(org, clock, api_cap="55.0").poll_once().snapshot
    new = make_engine(org, clock).poll_once().snapshot
    ended = [r for r in old.runs if r.status not in OPEN_STATUSES]
    assert {str(r.status) for r in ended} >= {"Completed", "Error", "Canceled"}
    for run in ended:
        current = new.run(run.id)
        assert current is not None and current.duration is not None
        assert run.duration == current.duration, run.name
    assert all(r.duration is None for r in old.runs if r.status in OPEN_STATUSES)
