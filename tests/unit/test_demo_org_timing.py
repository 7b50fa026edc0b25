"""The demo org's timing knobs, through its REST API: commit lag (a background write is
invisible to every read until it commits, then shows its original SystemModstamp), clock
skew (the org's now is not the client's), and the two knobs that shape answers: one failing
composite subrequest, and a smaller query batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote_plus

import pytest
import requests

from flowstage_tui.emulator.adapter import DEMO_ORIGIN, demo_session
from flowstage_tui.emulator.clock import ManualClock, ms_to_sf
from flowstage_tui.emulator.demo_data import ORCHESTRATIONS
from flowstage_tui.emulator.lifecycle import LOG, RUN, STAGE
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.triage_data import STUCK_RUNS

API = f"{DEMO_ORIGIN}/services/data/v66.0"
Get = Callable[..., requests.Response]


@pytest.fixture
def api(org: DemoOrg) -> Get:
    session = demo_session(org)
    with org.lock:
        token = org.new_session().token
    session.headers["Authorization"] = f"Bearer {token}"

    def send(path: str, method: str = "GET", **kw: Any) -> requests.Response:
        return session.request(method, f"{API}/{path}", **kw)

    return send


def soql(api: Get, q: str, *, all_rows: bool = False) -> dict[str, Any]:
    resp = api(f"{'queryAll' if all_rows else 'query'}?q={quote_plus(q)}")
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def count(api: Get, q: str, *, all_rows: bool = False) -> int:
    return int(soql(api, q, all_rows=all_rows)["totalSize"])


def start_background_run(org: DemoOrg) -> tuple[str, int, int]:
    """A run the live simulation would start: its Id, SystemModstamp and commit moment."""
    with org.locked():  # the tick turns the journal on
        t = org.now_ms()
        run = org.lifecycle.start_run(ORCHESTRATIONS[0], t)
        journal = org.store.journal
        assert journal is not None
        commits = max(w.commits for w in journal.writes if w.rid == run["Id"])
    return str(run["Id"]), t, commits


def test_a_background_write_is_invisible_everywhere_until_it_commits(
        org: DemoOrg, clock: ManualClock, api: Get) -> None:
    org.faults.update(commit_lag_seconds=20)
    runs_before = count(api, f"SELECT COUNT() FROM {RUN}")
    rid, stamped, commits = start_background_run(org)
    assert stamped <= commits <= stamped + 20_000
    clock.set((commits - 1) / 1000)  # one millisecond before the commit
    assert count(api, f"SELECT Id FROM {RUN} WHERE Id = '{rid}'") == 0
    assert count(api, f"SELECT COUNT() FROM {RUN}") == runs_before
    assert count(api, f"SELECT Id FROM {STAGE} WHERE OrchestrationInstanceId = '{rid}'") == 0
    assert count(api, f"SELECT Id FROM {LOG} WHERE OrchestrationInstanceId = '{rid}'") == 0
    grouped = soql(api, f"SELECT Status, COUNT(Id) FROM {RUN} GROUP BY Status")["records"]
    assert sum(r["expr0"] for r in grouped) == runs_before
    assert api(f"sobjects/{RUN}/{rid}").status_code == 404
    composite = api("composite", "POST", json={"compositeRequest": [
        {"method": "GET", "referenceId": "r",
         "url": f"/services/data/v66.0/query?q={quote_plus(f'SELECT Id FROM {RUN}')}"}]})
    assert rid not in {r["Id"] for r in composite.json()["compositeResponse"][0]["body"]
                       ["records"]}
    clock.set(commits / 1000)
    found = soql(api, f"SELECT Id, SystemModstamp FROM {RUN} WHERE Id = '{rid}'")["records"]
    assert [r["SystemModstamp"] for r in found] == [ms_to_sf(stamped)]  # its own, not now
    assert count(api, f"SELECT COUNT() FROM {RUN}") == runs_before + 1
    # every stage record is made with the run (NotStarted but the first), in the same commit
    assert count(api, f"SELECT Id FROM {STAGE} WHERE OrchestrationInstanceId = '{rid}'") == len(
        ORCHESTRATIONS[0].stages)
    assert count(api, f"SELECT Id FROM {LOG} WHERE OrchestrationInstanceId = '{rid}'") >= 1
    assert api(f"sobjects/{RUN}/{rid}").json()["SystemModstamp"] == ms_to_sf(stamped)


def test_a_pending_update_shows_the_row_as_it_was_and_a_pending_delete_keeps_it(
        org: DemoOrg, clock: ManualClock, api: Get) -> None:
    org.faults.update(commit_lag_seconds=30)
    old = soql(api, f"SELECT Id, Status, SystemModstamp FROM {RUN} WHERE Status = 'InProgress' "
                    "ORDER BY CreatedDate DESC LIMIT 2")["records"]
    changed, deleted = old[0]["Id"], old[1]["Id"]
    with org.locked():
        t = org.now_ms()
        org.store.update(RUN, changed, {"Status": "Completed"}, t, org.admin_id)
        org.store.delete(RUN, deleted, t)
        journal = org.store.journal
        assert journal is not None
        commits = max(w.commits for w in journal.writes)
    clock.set((commits - 1) / 1000)
    now = soql(api, f"SELECT Id, Status, SystemModstamp FROM {RUN} "
                    f"WHERE Id IN ('{changed}', '{deleted}')")["records"]
    assert sorted(now, key=lambda r: str(r["Id"])) == sorted(old, key=lambda r: str(r["Id"]))
    assert count(api, f"SELECT Id FROM {RUN} WHERE IsDeleted = true", all_rows=True) == 0
    clock.set(commits / 1000)
    after = soql(api, f"SELECT Status, SystemModstamp FROM {RUN} WHERE Id = '{changed}'")
    assert after["records"][0]["Status"] == "Completed"
    assert after["records"][0]["SystemModstamp"] == ms_to_sf(t)
    gone = soql(api, f"SELECT Id FROM {RUN} WHERE IsDeleted = true", all_rows=True)["records"]
    assert [r["Id"] for r in gone] == [deleted]


def test_an_api_write_is_visible_at_once_with_a_commit_lag(org: DemoOrg, api: Get) -> None:
    """The answer to a PATCH leaves after its commit: the writer's next query sees it."""
    org.faults.update(commit_lag_seconds=60)
    rid = soql(api, f"SELECT Id FROM {RUN} WHERE Status = 'InProgress' LIMIT 1")["records"][0]["Id"]
    assert api(f"sobjects/{RUN}/{rid}", "PATCH", json={"Status": "Canceled"}).status_code == 204
    assert api(f"sobjects/{RUN}/{rid}").json()["Status"] == "Canceled"


def test_clock_skew_moves_the_orgs_now_its_stamps_and_its_date_literals(
        org: DemoOrg, clock: ManualClock, api: Get) -> None:
    """A day ahead: its TODAY is the client's tomorrow, what it writes carries its own time,
    and its HTTP Date says so."""
    client_now = datetime.fromtimestamp(clock(), UTC)
    created_today = count(api, f"SELECT COUNT() FROM {RUN} WHERE CreatedDate = TODAY")
    assert created_today > 0
    org.faults.update(clock_skew_seconds=86_400)
    assert count(api, f"SELECT COUNT() FROM {RUN} WHERE CreatedDate = TODAY") == 0
    assert count(api, f"SELECT COUNT() FROM {RUN} WHERE CreatedDate = YESTERDAY") == created_today
    q = f"SELECT Id FROM {RUN} WHERE Status = 'InProgress' LIMIT 1"
    resp = api(f"query?q={quote_plus(q)}")
    assert (parsedate_to_datetime(resp.headers["Date"]) - client_now).total_seconds() == 86_400
    rid = resp.json()["records"][0]["Id"]
    api(f"sobjects/{RUN}/{rid}", "PATCH", json={"Status": "Canceled"})
    stamp = api(f"sobjects/{RUN}/{rid}").json()["SystemModstamp"]
    assert stamp == ms_to_sf(round(clock() * 1000) + 86_400_000)
    org.faults.update(clock_skew_seconds=-90)
    assert org.now_ms() == round(clock() * 1000) - 90_000


def test_one_composite_subrequest_fails_while_the_call_succeeds(org: DemoOrg, api: Get) -> None:
    org.faults.update(subrequest_error_rate=1.0)
    url = f"/services/data/v66.0/query?q={quote_plus(f'SELECT Id FROM {RUN} LIMIT 1')}"
    resp = api("composite", "POST", json={"compositeRequest": [
        {"method": "GET", "referenceId": "a", "url": url}]})
    assert resp.status_code == 200
    sub = resp.json()["compositeResponse"][0]
    assert sub["httpStatusCode"] == 500 and sub["body"][0]["errorCode"] == "UNKNOWN_EXCEPTION"
    org.faults.update(subrequest_error_rate=0.0)
    resp = api("composite", "POST", json={"compositeRequest": [
        {"method": "GET", "referenceId": "a", "url": url}]})
    assert resp.json()["compositeResponse"][0]["httpStatusCode"] == 200


def test_query_batch_size_pages_every_answer(org: DemoOrg, api: Get) -> None:
    org.faults.update(query_batch_size=7)
    first = soql(api, f"SELECT Id FROM {RUN}")
    assert len(first["records"]) == 7 and first["done"] is False
    assert first["totalSize"] == 300 + STUCK_RUNS
    seen = [r["Id"] for r in first["records"]]
    nxt = first["nextRecordsUrl"]
    while nxt:
        page = api(nxt.removeprefix("/services/data/v66.0/")).json()
        seen += [r["Id"] for r in page["records"]]
        nxt = page.get("nextRecordsUrl")
    assert len(seen) == len(set(seen)) == 300 + STUCK_RUNS
