"""Failure-cluster growth: the edge a `clusters = true` watch rule and the open failures view
alert on. Counted by runs new to a cluster (a resumed run leaving does not hide a new one);
the first read is the baseline; `orchestration` narrows; the rule's key is checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowstage_tui.cli.alerts import Cadence, alert_record, alert_words
from flowstage_tui.config.store import parse_config
from flowstage_tui.config.watch_rules import WatchRule
from flowstage_tui.engine.alerts import AlertWatch, ClusterAlert
from flowstage_tui.engine.cluster_growth import cluster_growth, growth_words
from flowstage_tui.errors import ConfigError
from flowstage_tui.salesforce.clusters import FailRow, FailureReport, build_clusters, failure
from flowstage_tui.salesforce.models import InterviewError, Run, RunStatus

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LOCK = "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record: 001RM0000{:06d}"
RULE = WatchRule(1, "clusters", clusters=True)


def _report(*runs: tuple[int, str, str]) -> FailureReport:
    """(run number, orchestration, error text) per Error run."""
    failures = []
    for n, orch, text in runs:
        run = Run(id=f"0jE{n:015d}", name=f"OR-{n:07d}", status=RunStatus.ERROR,
                  orchestration=orch, label=None, current_stage="Stage",
                  created=NOW - timedelta(days=1), modified=NOW, modstamp=NOW, duration=None,
                  interview_id=f"0Fo{n:015d}")
        err = InterviewError(run.id, run.interview_id or "", "Error", text.format(n), "Step")
        at = NOW - timedelta(minutes=100 - n)  # a higher number failed later
        failures.append(failure(run, err, [FailRow(run.id, "FailInstance", at, "Stage", "Step",
                                                   1)]))
    return FailureReport(build_clusters(failures), True, True, NOW)


def test_a_cluster_that_gains_runs_grew_by_those_runs() -> None:
    before = _report((1, "Onboard", LOCK), (2, "Onboard", LOCK), (3, "Billing", "BOOM"))
    after = _report((1, "Onboard", LOCK), (2, "Onboard", LOCK), (4, "Onboard", LOCK),
                    (3, "Billing", "BOOM"))
    (g,) = cluster_growth(before, after)
    assert g.new_runs == (f"0jE{4:015d}",) and g.previous == 2 and g.cluster.count == 3
    assert growth_words(g) == "UNABLE_TO_LOCK_ROW in Stage / Step: 2 → 3 runs (+1)"
    assert cluster_growth(after, after) == ()  # a read like the last: nothing grew


def test_a_resumed_run_leaving_does_not_hide_a_new_failure() -> None:
    before = _report((1, "Onboard", LOCK), (2, "Onboard", LOCK))
    after = _report((1, "Onboard", LOCK), (5, "Onboard", LOCK))  # 2 resumed, 5 failed
    (g,) = cluster_growth(before, after)
    assert g.new_runs == (f"0jE{5:015d}",) and g.previous == g.cluster.count == 2
    assert cluster_growth(after, _report((1, "Onboard", LOCK))) == ()  # only shrank


def test_a_new_cluster_grew_from_nothing_and_orchestration_narrows() -> None:
    before = _report((1, "Onboard", LOCK))
    after = _report((1, "Onboard", LOCK), (7, "Billing", "BOOM"))
    (g,) = cluster_growth(before, after)
    assert g.previous == 0 and g.new_runs == (f"0jE{7:015d}",)
    assert cluster_growth(before, after, "bill") == (g,)
    assert cluster_growth(before, after, "onboard") == ()


def test_the_watch_takes_its_first_read_as_the_baseline() -> None:
    watch = AlertWatch((RULE, WatchRule(2, "errors", statuses=("Error",))))
    assert watch.needs_clusters and not watch.needs_work
    first = _report((1, "Onboard", LOCK))
    assert watch.evaluate_clusters(first) == []
    second = _report((1, "Onboard", LOCK), (2, "Onboard", LOCK))
    (alert,) = watch.evaluate_clusters(second)
    assert isinstance(alert, ClusterAlert) and alert.rule is RULE and alert.at == NOW
    assert watch.evaluate_clusters(second) == []  # an edge, not a level
    assert not AlertWatch((WatchRule(1, "e", statuses=("Error",)),)).needs_clusters


def test_the_alert_json_and_notification_words() -> None:
    watch = AlertWatch((RULE,))
    watch.evaluate_clusters(_report((1, "Onboard", LOCK)))
    (alert,) = watch.evaluate_clusters(_report((1, "Onboard", LOCK), (2, "Onboard", LOCK)))
    rec = alert_record(alert, "prod", "https://acme.my.salesforce.com")
    assert {k: rec[k] for k in ("event", "kind", "rule", "count", "previous", "new_runs",
                                "orchestrations", "codes", "stage", "step")} == {
        "event": "alert", "kind": "cluster-growth", "rule": "clusters", "count": 2,
        "previous": 1, "new_runs": [f"0jE{2:015d}"], "orchestrations": ["Onboard"],
        "codes": ["UNABLE_TO_LOCK_ROW"], "stage": "Stage", "step": "Step"}
    assert rec["url"].endswith(f"/FlowOrchestrationInstance/0jE{2:015d}/view")
    assert rec["message"] == LOCK.format(2)
    assert alert_words(rec) == ("flowstage: clusters",
                                "UNABLE_TO_LOCK_ROW in Stage / Step: 1 → 2 runs (+1)")


def test_the_cadence_is_due_first_then_every_five_minutes() -> None:
    c = Cadence()
    assert c.due(NOW) and not c.due(NOW + timedelta(minutes=4, seconds=59))
    assert c.due(NOW + timedelta(minutes=5)) and not c.due(NOW + timedelta(minutes=6))


def _config(rule: str) -> str:
    return f'[profiles.p]\nauth = "demo"\n\n[[profiles.p.watch]]\n{rule}\n'


def test_the_clusters_key_is_read_and_checked() -> None:
    cfg = parse_config(Path("/x/config.toml"), _config('clusters = true\norchestration = "HR"'))
    assert cfg.profiles["p"].watch == (WatchRule(1, "watch rule 1", "HR", clusters=True),)
    for body, said in (("clusters = 1", "clusters: must be true or false"),
                       ('clusters = true\nstatus = ["Error"]', "one of them"),
                       ("clusters = true\nstuck_work = true", "one of them"),
                       ("clusters = false", "says nothing to watch")):
        with pytest.raises(ConfigError, match=said):
            parse_config(Path("/x/config.toml"), _config(body))
