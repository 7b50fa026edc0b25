"""Headless `watch` text names stages as the TUI does: by label; its JSON keeps the API name."""

from __future__ import annotations

import json
from dataclasses import replace

from flowstage_tui.cli.commands import event_text, watch_events
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce.models import RunStatus

from ..engine.conftest import make_engine


def test_watch_names_the_failed_stage_by_its_label(org: DemoOrg, clock: ManualClock) -> None:
    """'OR-… InProgress → Error at stage Prepare_Paperwork' printed the API name where the
    Stages pane shows 'Prepare Paperwork'. The text uses the label; the event's "stage"
    field stays CurrentStage, the API name, for scripts; "stage_label" is added beside it."""
    snap = make_engine(org, clock).poll_once().snapshot
    run = next(r for r in snap.runs if str(r.status) == "Error" and r.current_stage)
    stage = next(s for s in snap.stages[run.id] if s.name == run.current_stage)
    assert stage.label != stage.name
    prev = replace(snap, runs=tuple(replace(r, status=RunStatus.IN_PROGRESS) if r.id == run.id
                                    else r for r in snap.runs))
    (ev,) = [e for e in watch_events(prev, snap) if e["event"] == "run-status"]
    assert ev["stage"] == stage.name  # JSON: unchanged
    assert json.loads(json.dumps(ev))["stage_label"] == stage.label
    assert f"at stage {stage.label}" in event_text(ev)
