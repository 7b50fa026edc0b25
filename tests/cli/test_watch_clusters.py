"""`flowstage watch --alert` with a `clusters = true` rule on the demo org's live simulation
(pinned clock): the clusters are read at the first poll (the baseline) and then every five
minutes of the org's clock, not on every poll; each cluster that gained Error runs is one
JSON line naming the new runs, and one terminal notification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import flowstage_tui.cli.alerts as alerts
import flowstage_tui.engine.clusters as engine_clusters
from flowstage_tui.cli.main import main


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    tty = tmp_path / "tty"
    monkeypatch.setattr(alerts, "TTY_PATH", str(tty))
    return tty


def _config(tmp_path: Path, rule: str = "clusters = true\n") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[profiles.d]\nauth = "demo"\nnotify = "bell"\n\n'
                    f'[[profiles.d.watch]]\nname = "growth"\n{rule}')
    return path


def test_cluster_growth_is_read_every_five_minutes_and_alerted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], _fixed: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    real = engine_clusters.read_failures

    def counted(*args: object, **kw: object) -> object:
        reads.append(str(args[2]))
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_clusters, "read_failures", counted)
    code = main(["watch", "-p", "d", "--alert", "--count", "7", "--interval", "60",
                 "--config", str(_config(tmp_path))])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    # polls at 09:00 … 09:06; the clusters at 09:00 (the baseline) and 09:05 only
    assert reads == ["2026-11-28 09:00:00+00:00", "2026-11-28 09:05:00+00:00"]
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines and {(a["event"], a["kind"], a["at"]) for a in lines} == {
        ("alert", "cluster-growth", "2026-11-28T09:05:00Z")}
    for a in lines:
        assert a["count"] - a["previous"] <= len(a["new_runs"]) and a["new_runs"]
        assert a["url"].endswith(f"/FlowOrchestrationInstance/{a['new_runs'][0]}/view")
    assert _fixed.read_text() == "\a" * len(lines)  # notify = "bell": one per alert
    # the same watch with the rule narrowed to an orchestration no run has: no alert
    code = main(["watch", "-p", "d", "--alert", "--count", "7", "--interval", "60",
                 "--config", str(_config(tmp_path, 'clusters = true\norchestration = "Nope"\n'))])
    assert code == 0 and capsys.readouterr().out == ""
