"""The demo org's global describe weighs what a real org's does (issue 12): beside the twenty
objects it models, it lists a real org's standard objects (emulator/org_objects.py, copied out
of the most recent dump in tests/fixtures/real-describes/global-describes.json). Those it does
not model answer describe and query as a real org answers for an object the user cannot
reach; flowstage's start-up still finds what it needs, and pays the real org's bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from flowstage_tui.emulator import org_objects
from flowstage_tui.emulator.adapter import DEMO_ORIGIN, demo_session
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.describe import global_entry
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce.capabilities import OBJECTS
from tests.engine.conftest import quiet_connection

FIXTURE = Path(__file__).parents[1] / "fixtures" / "real-describes" / "global-describes.json"
TRACKING = {f"FlowOrchestration{o}Instance{k}" for o in ("", "Stage") for k in ("Feed", "History")}


def _org(clock: ManualClock, **kw: Any) -> DemoOrg:
    return DemoOrg(seed=3, runs=4, clock=clock, frozen=True, **kw)


def _session(org: DemoOrg) -> tuple[requests.Session, dict[str, str]]:
    with org.lock:
        token = org.new_session().token
    return demo_session(org), {"Authorization": f"Bearer {token}"}


def listed(org: DemoOrg, version: str = "62.0") -> list[dict[str, Any]]:
    s, auth = _session(org)
    r = s.get(f"{DEMO_ORIGIN}/services/data/v{version}/sobjects", headers=auth)
    assert r.status_code == 200
    out: list[dict[str, Any]] = r.json()["sobjects"]
    return out


def test_the_object_list_is_the_dump_it_names() -> None:
    """org_objects.py is the standard part of one fixture source: the fixture says how many
    objects that dump listed; 18 of them are the project's own (six custom objects and their
    share, history and change-event companions)."""
    sources = {s["id"]: s for s in json.loads(FIXTURE.read_text())["sources"]}
    repo, _path, commit = org_objects.SOURCE
    source = sources[f"{repo}@{commit[:10]}"]
    assert (source["repo"], source["path"], source["commit"]) == org_objects.SOURCE
    own = 18  # Battle__c, …, Type_Advantage__mdt, Battle__ChangeEvent, …, TM__Share
    assert len(org_objects.NAMES) == source["objects_listed"] - own == 1089
    assert not any("__" in n for n in org_objects.NAMES)
    assert set(source["lists"]) <= set(org_objects.NAMES)
    assert not set(source["lacks"]) & set(org_objects.NAMES)


def test_a_global_describe_lists_a_real_orgs_objects(clock: ManualClock) -> None:
    """Over a thousand objects, as every real dump (995 to 2,426), sorted by name, each with
    the same keys as the entries of the objects the demo org models."""
    org = _org(clock)
    entries = listed(org)
    names = [e["name"] for e in entries]
    counts = [s["objects_listed"] for s in json.loads(FIXTURE.read_text())["sources"]]
    assert min(counts) <= len(names) <= max(counts)
    assert len(names) == len(set(names)) == len(set(org_objects.NAMES) | set(names))
    assert names == sorted(names)
    own = {o.name for o in org.schema.all_at(62.0)}
    assert own <= set(names) and set(OBJECTS) <= set(names)
    keys = set(global_entry("/x", org.schema.get("FlowOrchestrationInstance", 62.0)))  # type: ignore[arg-type]
    assert all(set(e) == keys for e in entries)
    account = next(e for e in entries if e["name"] == "Account")
    assert (account["keyPrefix"], account["label"], account["queryable"]) == ("001", "Account",
                                                                             True)
    assert account["urls"]["describe"] == "/services/data/v62.0/sobjects/Account/describe"
    change = next(e for e in entries if e["name"] == "AccountChangeEvent")
    assert change["queryable"] is False and change["associateEntityType"] == "ChangeEvent"
    assert change["associateParentEntity"] == "Account" and change["keyPrefix"] is None


def test_what_the_demo_org_models_decides_its_own_objects(clock: ManualClock) -> None:
    """The real list never brings back an object the org's configuration leaves out: no
    run/stage Feed and History without tracking, no run log without the permission or
    before v60 — although the real dump lists the log."""
    tracking_on = {e["name"] for e in listed(_org(clock))}
    assert TRACKING <= tracking_on
    tracking_off = {e["name"] for e in listed(_org(clock, feed_history=False))}
    assert not TRACKING & tracking_off
    assert {"FlowRecordHistory", "AccountHistory", "FeedItem"} <= tracking_off
    assert "FlowOrchestrationLog" in org_objects.NAMES
    assert "FlowOrchestrationLog" not in {e["name"] for e in listed(_org(clock), "59.0")}
    no_log = {e["name"] for e in listed(_org(clock, run_log_access=False))}
    assert "FlowOrchestrationLog" not in no_log


@pytest.mark.parametrize("name", ["Lead", "Campaign", "AccountChangeEvent", "ApexClass"])
def test_an_object_it_does_not_model_answers_like_one_the_user_cannot_reach(
        clock: ManualClock, name: str) -> None:
    """Listed, but the demo org holds neither fields nor rows for it: describe, metadata and
    query answer what a real org answers for an object beyond the user's access."""
    org = _org(clock)
    s, auth = _session(org)
    base = f"{DEMO_ORIGIN}/services/data/v62.0"
    for path in (f"sobjects/{name}/describe", f"sobjects/{name}"):
        r = s.get(f"{base}/{path}", headers=auth)
        assert r.status_code == 404
        assert r.json() == [{"errorCode": "NOT_FOUND",
                             "message": "The requested resource does not exist"}]
    r = s.get(f"{base}/query", params={"q": f"SELECT Id FROM {name}"}, headers=auth)
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_TYPE"
    assert f"sObject type '{name}' is not supported" in r.json()[0]["message"]


def test_flowstage_starts_against_the_big_describe_and_pays_for_it(clock: ManualClock,
                                                                   tmp_path: Path) -> None:
    """Start-up finds the objects it needs among a thousand and describes only those: a cold
    start is three calls (versions, composite with the global describe, composite of the
    describes), a warm one two; the global describe is most of the bytes of either."""
    org = _org(clock)
    start = len(org.request_log)
    _client, caps = quiet_connection(org, cache_dir=tmp_path).open()
    assert set(caps.fields) == {o for o in OBJECTS if org.schema.get(o, 66.0) is not None}
    cold = org.request_log[start:]
    assert [(r.method, r.path) for r in cold] == [
        ("GET", "/services/data/"), ("POST", "/services/data/v66.0/composite"),
        ("POST", "/services/data/v66.0/composite")]
    assert cold[1].response_bytes > 800_000  # the global describe, as big as a real org's
    start = len(org.request_log)
    quiet_connection(org, cache_dir=tmp_path).open()
    warm = org.request_log[start:]
    assert len(warm) == 2 and warm[1].response_bytes > 0.9 * sum(r.response_bytes for r in warm)
