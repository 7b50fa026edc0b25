"""Every endpoint of the demo org through the real simple-salesforce, on every transport."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from flowstage_tui.emulator.ids import looks_like_id
from flowstage_tui.emulator.triage_data import STUCK_RUNS

from .conftest import Transport

RUN = "FlowOrchestrationInstance"


def error_code(exc: Any) -> str:
    """Salesforce's errorCode from a simple-salesforce exception's parsed body."""
    return str(exc.content[0]["errorCode"])


def test_versions_list_is_public_and_uncounted(transport: Transport) -> None:
    s = transport.session()
    before = transport.org.api_used
    resp = s.get(f"{transport.origin}/services/data/")
    assert resp.status_code == 200
    versions = resp.json()
    assert versions[0]["version"] == "31.0" and versions[-1]["version"] == "66.0"
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    assert "Sforce-Limit-Info" not in resp.headers
    assert transport.org.api_used == before


def test_soap_login_and_resource_map(sf: Any, transport: Transport) -> None:
    res = sf.restful("")
    assert res["query"] == "/services/data/v64.0/query"
    assert res["identity"].endswith(f"/id/{transport.org.org_id}/{transport.org.admin_id}")
    assert sf.api_usage["api-usage"].used >= 1


def test_soap_login_failure_is_invalid_login(transport: Transport) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as err:
        Salesforce(username="admin@flowstage-demo.example", password="wrong",
                   security_token="x", session=transport.session())
    assert err.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in str(err.value)


def test_query_shape_parent_paths_and_nulls(sf: Any) -> None:
    res = sf.query(f"SELECT Id, Name, Status, owner.name, Interview.Error, Interview.Owner.Name, "
                   f"CurrentStage FROM {RUN} WHERE Status = 'Completed' LIMIT 1")
    rec = res["records"][0]
    assert list(rec)[:1] == ["attributes"]
    assert rec["attributes"]["type"] == RUN
    assert rec["attributes"]["url"] == f"/services/data/v64.0/sobjects/{RUN}/{rec['Id']}"
    assert looks_like_id(rec["Id"]) and len(rec["Id"]) == 18
    assert rec["Owner"]["attributes"]["type"] == "User" and rec["Owner"]["Name"]
    assert "CurrentStage" in rec and rec["CurrentStage"] is None  # present, null
    assert rec["Interview"]["Error"] is None
    assert rec["Interview"]["Owner"]["attributes"]["type"] == "User"


def test_child_subquery_by_relationship_name(sf: Any) -> None:
    res = sf.query(f"SELECT Id, (SELECT Position, Status FROM FlowOrchestrationStageInstances "
                   f"ORDER BY Position DESC) FROM {RUN} WHERE Status = 'Error' LIMIT 5")
    assert len(res["records"]) == 5
    for rec in res["records"]:
        stages = rec["FlowOrchestrationStageInstances"]
        assert stages["done"] is True and stages["totalSize"] == len(stages["records"])
        positions = [s["Position"] for s in stages["records"]]
        assert positions == sorted(positions, reverse=True)
        # the failing stage is the last that started: those after it never did
        started = [s["Status"] for s in stages["records"] if s["Status"] != "NotStarted"]
        assert started[0] == "Error"


def test_paging_across_more_than_2000_rows(sf: Any, transport: Transport) -> None:
    q = "SELECT Id, Kind FROM FlowOrchestrationLog"
    first = sf.query(q)
    total = first["totalSize"]
    assert total > 2000 and first["done"] is False and len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v64.0/query/01g")
    everything = sf.query_all(q)
    assert len(everything["records"]) == total
    assert len({r["Id"] for r in everything["records"]}) == total
    # the locator also works in the Id form
    loc = first["nextRecordsUrl"].rsplit("/", 1)[1]
    again = sf.query_more(loc, identifier_is_url=False)
    assert again["records"][0]["Id"] == everything["records"][2000]["Id"]


def test_batch_size_header(sf: Any) -> None:
    res = sf.query("SELECT Id FROM FlowOrchestrationStageInstance",
                   headers={"Sforce-Query-Options": "batchSize=300"})
    assert len(res["records"]) == 300 and res["done"] is False
    res = sf.query("SELECT Id FROM FlowOrchestrationStageInstance",
                   headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(res["records"]) == 200  # Salesforce's minimum batch


def test_query_all_includes_deleted(sf: Any, transport: Transport) -> None:
    org = transport.org
    org.write_all()
    with org.lock:
        victim = next(iter(org.store.table("FlowOrchestrationInstanceFeed").rows))
        org.store.delete("FlowOrchestrationInstanceFeed", victim, org.now_ms())
    q = f"SELECT Id, IsDeleted FROM FlowOrchestrationInstanceFeed WHERE Id = '{victim}'"
    assert sf.query(q)["totalSize"] == 0
    rows = sf.query_all(q, include_deleted=True)["records"]
    assert rows[0]["IsDeleted"] is True


def test_count_and_group_by(sf: Any, transport: Transport) -> None:
    count = sf.query(f"SELECT COUNT() FROM {RUN}")
    assert count["totalSize"] == 300 + STUCK_RUNS and count["records"] == []
    groups = sf.query(f"SELECT Status, COUNT(Id) FROM {RUN} GROUP BY Status")["records"]
    assert sum(g["expr0"] for g in groups) == 300 + STUCK_RUNS
    assert all(g["attributes"] == {"type": "AggregateResult"} for g in groups)
    aliased = sf.query(f"SELECT Status s, COUNT(Id) n FROM {RUN} GROUP BY Status")
    assert "n" in aliased["records"][0]


def test_describe_global_object_and_metadata(sf: Any) -> None:
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {RUN, "FlowOrchestrationStageInstance", "FlowOrchestrationWorkItem",
            "FlowOrchestrationLog", "FlowInterview", "FlowOrchestrationInstanceFeed",
            "FlowOrchestrationInstanceHistory", "FlowOrchestrationInstanceShare"} <= names
    desc = sf.FlowOrchestrationInstance.describe()
    fields = {f["name"]: f for f in desc["fields"]}
    assert fields["Status"]["type"] == "picklist"
    assert [p["value"] for p in fields["Status"]["picklistValues"]] == [  # real describes'
        "NotStarted", "InProgress", "Completed", "Error", "Discontinued", "Canceled", "Suspended"]
    assert fields["InterviewId"]["relationshipName"] == "Interview"
    assert "OrchestrationLabel" in fields and "AuxiliaryTriggeringRecord" not in fields  # v64
    rels = {c["relationshipName"] for c in desc["childRelationships"]}
    assert "FlowOrchestrationStageInstances" in rels
    assert desc["keyPrefix"] == "0jE"
    meta = sf.FlowOrchestrationInstance.metadata()
    assert meta["objectDescribe"]["name"] == RUN and meta["recentItems"] == []


def test_get_record_with_fields(sf: Any) -> None:
    rid = sf.query(f"SELECT Id FROM {RUN} LIMIT 1")["records"][0]["Id"]
    rec = sf.FlowOrchestrationInstance.get(rid, params={"fields": "Name,Status"})
    assert set(rec) == {"attributes", "Name", "Status"}
    full = sf.FlowOrchestrationInstance.get(rid[:15])
    assert full["Id"] == rid and "SystemModstamp" in full
    with pytest.raises(SalesforceResourceNotFound):
        sf.FlowOrchestrationInstance.get("0jERM0000000000AAA")


def test_updated_and_deleted(sf: Any, transport: Transport) -> None:
    org = transport.org
    now = datetime.fromtimestamp(org.now_ms() / 1000, UTC)
    upd = sf.FlowOrchestrationInstance.updated(now - timedelta(days=2), now)
    assert upd["latestDateCovered"].endswith(":00.000+0000")
    assert upd["ids"] and all(i.startswith("0jE") for i in upd["ids"])
    dele = sf.FlowOrchestrationInstanceFeed.deleted(now - timedelta(days=1), now)
    assert set(dele) == {"deletedRecords", "earliestDateAvailable", "latestDateCovered"}
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationInstance.updated(now - timedelta(days=40), now)
    assert error_code(err.value) == "INVALID_REPLICATION_DATE"


def test_limits(sf: Any) -> None:
    lim = sf.limits()
    assert lim["DailyApiRequests"]["Max"] == 100_000
    assert lim["DailyApiRequests"]["Remaining"] < 100_000


def test_composite_counts_one_call(sf: Any, transport: Transport) -> None:
    org = transport.org
    before = org.api_used
    body = {"allOrNone": False, "compositeRequest": [
        {"method": "GET", "referenceId": "runs",
         "url": f"/services/data/v64.0/query?q=SELECT+Id+FROM+{RUN}+WHERE+Status='Error'+LIMIT+1"},
        {"method": "GET", "referenceId": "stages",
         "url": "/services/data/v64.0/query?q=SELECT+Id,Status+FROM+"
                "FlowOrchestrationStageInstance+WHERE+OrchestrationInstanceId='@{runs.records[0].Id}'"},
        {"method": "GET", "referenceId": "one",
         "url": f"/services/data/v64.0/sobjects/{RUN}/@{{runs.records[0].Id}}?fields=Status"},
    ]}
    res = sf.restful("composite", method="POST", data=json.dumps(body))
    codes = [r["httpStatusCode"] for r in res["compositeResponse"]]
    assert codes == [200, 200, 200]
    assert res["compositeResponse"][2]["body"]["Status"] == "Error"
    assert any(s["Status"] == "Error" for s in res["compositeResponse"][1]["body"]["records"])
    assert org.api_used == before + 1
    assert org.request_log[-1].counted == 1


def test_composite_limits_and_errors(sf: Any) -> None:
    six = [{"method": "GET", "referenceId": f"q{i}",
            "url": f"/services/data/v64.0/query?q=SELECT+Id+FROM+{RUN}+LIMIT+1"} for i in range(6)]
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", data=json.dumps({"compositeRequest": six}))
    bad = {"compositeRequest": [
        {"method": "GET", "referenceId": "bad", "url": "/services/data/v64.0/query?q=SELEKT"},
        {"method": "GET", "referenceId": "next",
         "url": f"/services/data/v64.0/query?q=SELECT+Id+FROM+{RUN}+LIMIT+1"}],
        "allOrNone": True}
    res = sf.restful("composite", method="POST", data=json.dumps(bad))["compositeResponse"]
    assert res[0]["httpStatusCode"] == 400 and res[0]["body"][0]["errorCode"] == "MALFORMED_QUERY"
    assert res[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"


def test_composite_batch_counts_each_subrequest(sf: Any, transport: Transport) -> None:
    org = transport.org
    before = org.api_used
    body = {"batchRequests": [
        {"method": "GET", "url": f"v64.0/query?q=SELECT+Id+FROM+{RUN}+LIMIT+1"},
        {"method": "GET", "url": "v64.0/limits"},
        {"method": "GET", "url": "v64.0/sobjects/Nope__c/describe"}]}
    res = sf.restful("composite/batch", method="POST", data=json.dumps(body))
    assert res["hasErrors"] is True
    assert [r["statusCode"] for r in res["results"]] == [200, 200, 404]
    assert org.api_used == before + 3


@pytest.mark.parametrize(("soql", "code"), [
    ("SELEKT Id FROM FlowOrchestrationInstance", "MALFORMED_QUERY"),
    ("SELECT Label FROM FlowOrchestrationInstance", "INVALID_FIELD"),
    ("SELECT Id FROM Missing__c", "INVALID_TYPE"),
    ("SELECT Id FROM FlowOrchestrationInstance WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM FlowOrchestrationInstance OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
])
def test_query_errors_map_to_malformed_request(sf: Any, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query(soql)
    assert err.value.status == 400
    assert error_code(err.value) == code


def test_status_codes_map_to_simple_salesforce_exceptions(transport: Transport) -> None:
    org = transport.org
    sf = transport.login()
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("no/such/resource")
    org.write_all()
    with pytest.raises(SalesforceGeneralError) as err:
        sf.restful(f"sobjects/FlowOrchestrationStageInstance/"
                   f"{next(iter(org.store.table('FlowOrchestrationStageInstance').rows))}",
                   method="DELETE")
    assert err.value.status == 405
    org.faults.update(error_rate=1.0)
    try:
        with pytest.raises(SalesforceGeneralError) as err:
            sf.query(f"SELECT Id FROM {RUN} LIMIT 1")
        assert err.value.status in (500, 503)
    finally:
        org.faults.clear()
    org.api_limit = org.api_used
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.query(f"SELECT Id FROM {RUN} LIMIT 1")
    assert error_code(refused.value) == "REQUEST_LIMIT_EXCEEDED"
    direct = Salesforce(instance_url=transport.origin, session_id="not-a-token",
                        session=transport.session())
    with pytest.raises(SalesforceExpiredSession):
        direct.query("SELECT Id FROM User")


def test_automatic_relogin_after_invalid_session(transport: Transport) -> None:
    org = transport.org
    org.faults.update(session_expiry_calls=2)
    sf = transport.login()
    tokens = set()
    for _ in range(5):
        assert sf.query(f"SELECT COUNT() FROM {RUN}")["totalSize"] == 300 + STUCK_RUNS
        tokens.add(sf.session_id)
    assert len(tokens) >= 2  # simple-salesforce logged in again on INVALID_SESSION_ID
    assert any(r.status == 401 for r in org.request_log)


def test_limit_info_header_on_every_api_response(transport: Transport) -> None:
    sf = transport.login()
    s = transport.session()
    headers = {"Authorization": f"Bearer {sf.session_id}"}
    ok = s.get(f"{transport.origin}/services/data/v64.0/limits", headers=headers)
    bad = s.get(f"{transport.origin}/services/data/v64.0/query?q=nope", headers=headers)
    for resp in (ok, bad):
        assert resp.headers["Sforce-Limit-Info"].startswith("api-usage=")
    assert bad.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_cancel_cascade_and_refused_writes(sf: Any, transport: Transport) -> None:
    assigned = sf.query("SELECT StepInstance.OrchestrationInstanceId FROM "
                        "FlowOrchestrationWorkItem WHERE Status = 'Assigned' AND "
                        "StepInstance.OrchestrationInstance.Status = 'InProgress' LIMIT 1")
    run = {"Id": assigned["records"][0]["StepInstance"]["OrchestrationInstanceId"]}
    assert sf.FlowOrchestrationInstance.update(run["Id"], {"Status": "Canceled"}) == 204
    after = sf.query(
        f"SELECT Status, (SELECT Status FROM FlowOrchestrationStageInstances), "
        f"(SELECT Status FROM FlowOrchestrationStepInstances), "
        f"(SELECT Kind FROM FlowOrchestrationLogs ORDER BY Timestamp DESC LIMIT 1) "
        f"FROM {RUN} WHERE Id = '{run['Id']}'")["records"][0]
    assert after["Status"] == "Canceled"
    assert "InProgress" not in {s["Status"] for s in after["FlowOrchestrationStageInstances"][
        "records"]}
    assert "InProgress" not in {s["Status"] for s in after["FlowOrchestrationStepInstances"][
        "records"]}
    assert after["FlowOrchestrationLogs"]["records"][0]["Kind"] == "CancelInstance"
    items = sf.query(f"SELECT Status FROM FlowOrchestrationWorkItem WHERE "
                     f"StepInstance.OrchestrationInstanceId = '{run['Id']}'")["records"]
    assert items and all(i["Status"] == "Completed" for i in items)  # it had an open one
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationInstance.update(run["Id"], {"Status": "Bogus"})
    assert error_code(err.value) == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationInstance.update(run["Id"], {"Name": "x"})
    assert error_code(err.value) == "INVALID_FIELD_FOR_INSERT_UPDATE"
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationStageInstance.update(
            after["FlowOrchestrationStageInstances"]["records"][0]["attributes"]["url"]
            .rsplit("/", 1)[1], {"Status": "Completed"})
    assert error_code(err.value) == "INVALID_TYPE_FOR_OPERATION"
    with pytest.raises(SalesforceMalformedRequest):
        sf.FlowOrchestrationInstance.create({"Status": "InProgress"})


def test_reassign_work_item(sf: Any, transport: Transport) -> None:
    item = sf.query("SELECT Id, AssigneeId FROM FlowOrchestrationWorkItem "
                    "WHERE Status = 'Assigned' LIMIT 1")["records"][0]
    target = sf.query("SELECT Id FROM User WHERE IsActive = true AND UserType = 'Standard' "
                      f"AND Id != '{item['AssigneeId']}' LIMIT 1")["records"][0]
    assert sf.FlowOrchestrationWorkItem.update(item["Id"], {"AssigneeId": target["Id"]}) == 204
    now = sf.FlowOrchestrationWorkItem.get(item["Id"], params={"fields": "AssigneeId"})
    assert now["AssigneeId"] == target["Id"]
    # logged on the run found through the step (RelatedRecordId is the context record)
    run = sf.query("SELECT StepInstance.OrchestrationInstanceId FROM FlowOrchestrationWorkItem "
                   f"WHERE Id = '{item['Id']}'")["records"][0]["StepInstance"]
    log = sf.query("SELECT Id FROM FlowOrchestrationLog WHERE Kind = 'ReassignWorkItem' AND "
                   f"OrchestrationInstanceId = '{run['OrchestrationInstanceId']}'")
    assert log["totalSize"] >= 1
    inactive = sf.query("SELECT Id FROM User WHERE IsActive = false LIMIT 1")["records"][0]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationWorkItem.update(item["Id"], {"AssigneeId": inactive["Id"]})
    assert error_code(err.value) == "INACTIVE_OWNER_OR_USER"


def test_identity_and_userinfo(sf: Any, transport: Transport) -> None:
    s = transport.session()
    h = {"Authorization": f"Bearer {sf.session_id}"}
    ident = sf.restful("")["identity"]
    who = s.get(f"{transport.origin}{ident[ident.index('/id/'):]}", headers=h).json()
    assert who["user_id"] == transport.org.admin_id
    info = s.get(f"{transport.origin}/services/oauth2/userinfo", headers=h).json()
    assert info["preferred_username"] == "admin@flowstage-demo.example"


def test_sf_cli_queries(sf: Any, transport: Transport) -> None:
    """What `sf org login access-token` and `sf data query` ask for."""
    org = sf.query("SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, "
                   "OrganizationType FROM Organization")["records"][0]
    assert org["IsSandbox"] is False and org["OrganizationType"] == "Enterprise Edition"
    user = sf.User.get(transport.org.admin_id)
    assert user["Username"] == "admin@flowstage-demo.example"
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id FROM ScratchOrgInfo")
    assert error_code(err.value) == "INVALID_TYPE"
    tooling = sf.restful("tooling/query", params={"q": "SELECT Id FROM SandboxProcess"})
    assert tooling["totalSize"] == 0
    cols = sf.restful("query", params={"q": f"SELECT Name, Owner.Name FROM {RUN}",
                                       "columns": "true"})
    assert [c["columnName"] for c in cols["columnMetadata"]] == ["Name", "Owner"]
    assert cols["columnMetadata"][1]["joinColumns"][0]["columnName"] == "Name"


def test_api_versions_gate_fields_and_objects(transport: Transport) -> None:
    old = transport.login(version="55.0")
    with pytest.raises(SalesforceMalformedRequest):
        old.query(f"SELECT CurrentStage FROM {RUN} LIMIT 1")
    assert "Duration" not in {f["name"] for f in old.FlowOrchestrationInstance.describe()[
        "fields"]}
    v53 = transport.login(version="53.0")
    assert "FlowOrchestrationLog" not in {o["name"] for o in v53.describe()["sobjects"]}
    with pytest.raises(SalesforceMalformedRequest) as err:
        v53.query("SELECT Id FROM FlowOrchestrationWorkItem")
    assert error_code(err.value) == "INVALID_TYPE"
    s = transport.session()
    resp = s.get(f"{transport.origin}/services/data/v30.0/limits",
                 headers={"Authorization": f"Bearer {old.session_id}"})
    assert resp.status_code == 404


def test_control_path_needs_the_token(transport: Transport) -> None:
    s = transport.session()
    resp = s.post(f"{transport.origin}/__flowstage/faults", json={"latency_ms": 1})
    assert resp.status_code == 401
    sf = transport.login()
    resp = s.post(f"{transport.origin}/__flowstage/faults", json={"error_rate": 0.5},
                  headers={"Authorization": f"Bearer {sf.session_id}"})
    assert resp.status_code == 200 and transport.org.faults.error_rate == 0.5
    bad = s.post(f"{transport.origin}/__flowstage/faults", json={"nonsense": 1},
                 headers={"Authorization": f"Bearer {sf.session_id}"})
    assert bad.status_code == 400


def test_query_with_jsforce_style_percent20_encoding(transport: Transport) -> None:
    sf = transport.login()
    s = transport.session()
    url = (f"{transport.origin}/services/data/v64.0/query?q=SELECT%20Name%20FROM%20"
           f"{RUN}%20WHERE%20Name%20=%20%27OR-0000007%27")
    resp = s.get(url, headers={"Authorization": f"Bearer {sf.session_id}"})
    assert resp.status_code == 200 and resp.json()["totalSize"] == 1
    assert resp.json()["records"][0]["Name"] == "OR-0000007"  # %20 and %27 decoded
