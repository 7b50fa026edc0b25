"""The last-known runs file: what goes in comes back, field for field, and nothing else does."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowstage_tui.engine.cache import CachedRuns, load_runs, save_runs, target_of
from flowstage_tui.salesforce.models import OrgInfo, Run, RunStatus

T0 = datetime(2026, 3, 4, 15, 30, 12, 345000, tzinfo=UTC)
ORG = OrgInfo(org_id="00D000000000001EAA", name="Acme Prod", instance_url="https://acme.my",
              api_version="62.0")


def a_run(i: int, status: str = "InProgress") -> Run:
    return Run(id=f"0jE00000000{i:04d}AAA", name=f"OR-{i:07d}", status=RunStatus(status),
               orchestration=f"Orch_{i}", label=f"Orch {i}", current_stage=f"Stage {i}",
               created=T0 - timedelta(minutes=i), modified=T0 - timedelta(seconds=i),
               modstamp=T0 - timedelta(seconds=i, milliseconds=5), duration=i * 7,
               interview_id=f"0Fo00000000{i:04d}AAA")


def test_every_field_comes_back_as_it_was_saved(tmp_path: Path) -> None:
    path = tmp_path / "state" / "runs.json"  # the folder does not exist yet
    runs = (a_run(1), a_run(2, "Error"), a_run(3, "Paused"))  # Paused: a status we don't know
    save_runs(path, runs, ORG, "t")
    back = load_runs(path, "t")
    assert back == CachedRuns(runs, "Acme Prod", "00D000000000001EAA", "https://acme.my")
    assert back.runs[2].status == "Paused" and not back.runs[2].status.known
    assert back.runs[1].status is RunStatus.ERROR
    # what the file holds: ISO timestamps with their zone and the status as its API value
    row = json.loads(path.read_text(encoding="utf-8"))["runs"][1]
    assert row["created"] == "2026-03-04T15:28:12.345000+00:00"
    assert row["status"] == "Error"


def test_optional_fields_and_no_org(tmp_path: Path) -> None:
    path = tmp_path / "runs.json"
    bare = Run(id="0jE000000000001AAA", name="OR-1", status=RunStatus.COMPLETED,
               orchestration=None, label=None, current_stage=None, created=T0, modified=T0,
               modstamp=T0, duration=None, interview_id=None)
    save_runs(path, (bare,), None, "t")
    assert load_runs(path, "t") == CachedRuns((bare,), None, None, None)


def test_at_most_two_hundred_runs_are_kept_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "runs.json"
    runs = tuple(a_run(i) for i in range(250))
    save_runs(path, runs, ORG, "t")
    assert load_runs(path, "t").runs == runs[:200]


def test_a_cache_for_another_target_is_not_shown(tmp_path: Path) -> None:
    path = tmp_path / "runs.json"
    save_runs(path, (a_run(1),), ORG, "prod")
    assert load_runs(path, "sandbox") == CachedRuns()
    assert load_runs(path, "prod").runs == (a_run(1),)


@pytest.mark.parametrize("text", [
    "", "not json", "[]", "{}", '{"target": "t"}', '{"target": "t", "runs": [{"id": 1}]}',
    '{"target": "t", "runs": [{"created": "yesterday"}]}', '{"target": "t", "runs": 5}',
    '{"target": "t", "runs": [null]}',
])
def test_a_broken_file_is_ignored(tmp_path: Path, text: str) -> None:
    path = tmp_path / "runs.json"
    path.write_text(text, encoding="utf-8")
    assert load_runs(path, "t") == CachedRuns()


def test_a_missing_file_is_an_empty_cache(tmp_path: Path) -> None:
    assert load_runs(tmp_path / "nothing.json", "t") == CachedRuns()


def test_saving_replaces_the_file_whole_and_leaves_no_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.json"
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        renames.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    save_runs(path, (a_run(1), a_run(2)), ORG, "t")
    save_runs(path, (a_run(3),), ORG, "t")
    assert load_runs(path, "t").runs == (a_run(3),)
    assert sorted(os.listdir(tmp_path)) == ["runs.json"]
    # the new file is written beside the old one and renamed over it: a rename within one
    # folder is atomic, so a reader never sees half a file
    assert len(renames) == 2
    for src, dst in renames:
        assert Path(src).parent == tmp_path and Path(src).name.startswith(".runs-")
        assert dst == str(path)


def test_the_folders_are_made_as_needed(tmp_path: Path) -> None:
    path = tmp_path / "state" / "flowstage" / "profiles" / "runs.json"
    save_runs(path, (a_run(1),), ORG, "t")
    assert load_runs(path, "t").runs == (a_run(1),)


def test_an_unwritable_place_costs_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    save_runs(blocker / "runs.json", (a_run(1),), ORG, "t")  # its parent is a file: no raise
    assert blocker.read_text(encoding="utf-8") == "x"


def test_target_names_every_key_that_changes_the_org() -> None:
    base = {"auth": "password", "instance_url": "https://a", "login_url": "https://login",
            "username": "ann@acme", "sf_alias": "prod"}
    assert target_of(base) == "password|https://a|https://login|ann@acme|prod"
    for key in base:
        assert target_of({**base, key: "other"}) != target_of(base), key
    # what does not point at an org does not change the target; a missing key is empty
    assert target_of({**base, "theme": "dark", "interval": 5}) == target_of(base)
    assert target_of({"auth": "sf", "sf_alias": "prod"}) == "sf||||prod"
    assert target_of({"auth": None}) == "||||"
