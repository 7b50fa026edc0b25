"""What flowstage asks an org, as text: the SOQL each builder method sends for an org that has
everything and for one that lacks fields and objects, and how capabilities decide which fields
and parent paths exist. Written out by hand: the text is the interface with Salesforce."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from flowstage_tui.salesforce import capabilities as capmod
from flowstage_tui.salesforce.capabilities import (
    GROUP,
    INTERVIEW,
    LOG,
    RUN,
    RUN_FEED,
    STAGE,
    STAGE_FEED,
    STAGE_HISTORY,
    STAGE_SHARE,
    STEP,
    WORK,
    Capabilities,
)
from flowstage_tui.salesforce.models import Run, RunStatus
from flowstage_tui.salesforce.queries import (
    LOG_FIELDS,
    RUN_FIELDS,
    STAGE_FIELDS,
    STEP_FIELDS,
    WORK_FIELDS,
    QueryBuilder,
    RunFilter,
)

T = datetime(2026, 11, 27, 10, 15, 30, 250000, tzinfo=UTC)
T_LIT = "2026-11-27T10:15:30.250Z"


def plain(names: tuple[str, ...]) -> frozenset[str]:
    """The fields an object needs for these wanted names: plain ones and parent Ids."""
    return frozenset(n.split(".")[0] + ("Id" if "." in n else "") for n in names)


FULL = Capabilities("66.0", {
    RUN: plain(RUN_FIELDS), STAGE: plain(STAGE_FIELDS), STEP: plain(STEP_FIELDS),
    WORK: plain(WORK_FIELDS), LOG: plain(LOG_FIELDS),
    INTERVIEW: frozenset({"Id", "InterviewStatus", "Error", "CurrentElement"}),
    STAGE_HISTORY: frozenset({"Id", "ParentId", "Field", "OldValue", "NewValue", "CreatedDate",
                              "CreatedById"}),
    STAGE_FEED: frozenset({"Id", "ParentId", "Type", "Title", "Body", "LinkUrl", "IsRichText",
                           "CreatedDate", "InsertedById"}),
    RUN_FEED: frozenset({"Id", "ParentId", "Type", "Body", "CreatedDate", "InsertedById"}),
    STAGE_SHARE: frozenset({"Id", "ParentId", "UserOrGroupId", "AccessLevel", "RowCause"}),
})
# An older org: no label, no Duration, no interview error text, no log, no feed or history.
OLD = Capabilities("55.0", {
    RUN: frozenset({"Id", "Name", "Status", "OrchestrationName", "CreatedDate",
                    "LastModifiedDate", "SystemModstamp", "InterviewId"}),
    STAGE: plain(STAGE_FIELDS), STEP: plain(STEP_FIELDS) - {"Description"},
    WORK: frozenset({"Id", "StepInstanceId", "Label", "Status", "AssigneeId", "CreatedDate",
                     "LastModifiedDate", "SystemModstamp"}),
    INTERVIEW: frozenset({"Id", "InterviewStatus"}),
})
RUN_SELECT = ("Id, Name, Status, OrchestrationDeveloperName, OrchestrationName, "
              "OrchestrationLabel, CurrentStage, CreatedDate, LastModifiedDate, SystemModstamp, "
              "Duration, InterviewId, IsDebugRun, TriggeringRecord, TriggeringRecordType, "
              "Interview.InterviewStatus, Interview.Error, Interview.CurrentElement")
OLD_RUN_SELECT = ("Id, Name, Status, OrchestrationName, CreatedDate, LastModifiedDate, "
                  "SystemModstamp, InterviewId, Interview.InterviewStatus")
WORK_SELECT = ("Id, StepInstanceId, StepInstance.OrchestrationInstanceId, RelatedRecordId, "
               "RelatedRecord.Type, RelatedRecord.Name, "
               "Label, Status, AssigneeId, Assignee.Name, Assignee.Type, Assignee.IsActive, "
               "CreatedDate, LastModifiedDate, SystemModstamp, ElapsedTimeSinceAsgntInSec")
STAGE_SELECT = ("Id, OrchestrationInstanceId, Name, Label, Position, Status, CreatedDate, "
                "LastModifiedDate, SystemModstamp")
STEP_SELECT = ("Id, OrchestrationInstanceId, StageInstanceId, Name, Label, Status, StepType, "
               "Description, CreatedDate, LastModifiedDate, SystemModstamp")


def test_has_and_has_path() -> None:
    assert FULL.has(RUN) and FULL.has(RUN, "Status") and not FULL.has(RUN, "Nope")
    assert not FULL.has(GROUP) and not FULL.has(GROUP, "Id")
    assert FULL.has_path(RUN, "Interview.Error")
    assert not OLD.has_path(RUN, "Interview.Error")  # the interview has no Error field
    assert not Capabilities("62.0", {RUN: frozenset({"InterviewId"})}).has_path(
        RUN, "Interview.Error")  # no FlowInterview object at all
    assert not Capabilities("62.0", {RUN: frozenset(), INTERVIEW: frozenset({"Error"})}
                            ).has_path(RUN, "Interview.Error")  # no InterviewId on the run
    assert FULL.has_path(WORK, "StepInstance.OrchestrationInstanceId")
    # polymorphic parents: the Id field and a name field every target has
    assert FULL.has_path(WORK, "Assignee.Name") and FULL.has_path(WORK, "Assignee.IsActive")
    assert not FULL.has_path(WORK, "Assignee.Department")
    assert OLD.has_path(WORK, "Assignee.Name")  # AssigneeId is enough for a name field
    assert not Capabilities("62.0", {WORK: frozenset()}).has_path(WORK, "Assignee.Name")
    assert FULL.has_path(STAGE_SHARE, "UserOrGroup.Name")
    # the audit parents every object has, when their Id is there
    assert FULL.has_path(STAGE_HISTORY, "CreatedBy.Name")
    assert not FULL.has_path(STAGE_HISTORY, "LastModifiedBy.Name")
    assert not FULL.has_path(STAGE, "Owner.Name")  # not a relationship we know
    assert FULL.has_path(STAGE, "OrchestrationInstance.CreatedDate")
    assert FULL.has_path(STEP, "StageInstance.Position")
    assert not FULL.has_path(STEP, "StageInstance.Nope")
    assert FULL.select(RUN, ("Id", "Nope", "Interview.Error")) == ["Id", "Interview.Error"]


def test_old_org_step_instance_path() -> None:
    # OLD has StepInstanceId on the work item and OrchestrationInstanceId on the step
    assert OLD.has_path(WORK, "StepInstance.OrchestrationInstanceId")
    assert not Capabilities("55.0", {WORK: frozenset({"StepInstanceId"})}).has_path(
        WORK, "StepInstance.OrchestrationInstanceId")


def test_from_describes_and_json_round_trip() -> None:
    describes = {RUN: {"fields": [{"name": "Id"}, {"name": "Status"}]}, STAGE: {},
                 LOG: {"fields": [{"name": "Kind"}]}}
    caps = capmod.from_describes("62.0", [RUN, STAGE, STEP], describes)
    assert caps == Capabilities("62.0", {RUN: frozenset({"Id", "Status"}), STAGE: frozenset()})
    assert caps.to_json() == {"version": "62.0", "fields": {RUN: ["Id", "Status"], STAGE: []}}
    assert Capabilities.from_json(json.loads(json.dumps(caps.to_json()))) == caps


def test_the_describe_cache(tmp_path: Path) -> None:
    assert capmod.cache_path(tmp_path, "00Dx", "62.0") == tmp_path / "describe" / "00Dx-v62.0.json"
    assert capmod.load_cached(None, "00Dx", "62.0") is None
    capmod.store_cached(None, "00Dx", FULL)  # no cache dir: nothing happens
    assert capmod.load_cached(tmp_path, "00Dx", "66.0") is None
    capmod.store_cached(tmp_path, "00Dx", FULL)
    assert capmod.load_cached(tmp_path, "00Dx", "66.0") == FULL
    assert capmod.load_cached(tmp_path, "00Dy", "66.0") is None  # another org
    assert capmod.load_cached(tmp_path, "00Dx", "62.0") is None  # another version
    assert os.listdir(tmp_path / "describe") == ["00Dx-v66.0.json"]
    for broken in ("", "{", "[]", '{"version": "66.0"}', '{"fields": {}}',
                   '{"version": "66.0", "fields": 3}'):
        capmod.cache_path(tmp_path, "00Dx", "66.0").write_text(broken, encoding="utf-8")
        assert capmod.load_cached(tmp_path, "00Dx", "66.0") is None, broken
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    capmod.store_cached(blocker, "00Dx", FULL)  # cannot be written: no raise
    assert blocker.read_text(encoding="utf-8") == "x"


def test_runs_page() -> None:
    assert QueryBuilder(FULL).runs_page(50) == (
        f"SELECT {RUN_SELECT} FROM {RUN} ORDER BY CreatedDate DESC, Id DESC LIMIT 50")
    assert QueryBuilder(FULL).runs_page(50, after=(T, "0jE1")) == (
        f"SELECT {RUN_SELECT} FROM {RUN} WHERE (CreatedDate < {T_LIT} OR (CreatedDate = "
        f"{T_LIT} AND Id < '0jE1')) ORDER BY CreatedDate DESC, Id DESC LIMIT 50")
    flt = RunFilter(statuses=("Error", "Suspended"))
    assert QueryBuilder(OLD, flt).runs_page(7, after=(T, "0jE1")) == (
        f"SELECT {OLD_RUN_SELECT} FROM {RUN} WHERE Status IN ('Error', 'Suspended') AND "
        f"(CreatedDate < {T_LIT} OR (CreatedDate = {T_LIT} AND Id < '0jE1')) "
        "ORDER BY CreatedDate DESC, Id DESC LIMIT 7")


def test_where_for_every_filter() -> None:
    flt = RunFilter(statuses=("Error",), orchestration="Quo_te", since=T, text="50%",
                    ids=("0jE000000000001", "0jE000000000002AAA"))
    assert QueryBuilder(FULL, flt).run_where() == [
        "Id IN ('0jE000000000001', '0jE000000000002AAA')",
        "Status IN ('Error')",
        "(OrchestrationDeveloperName = 'Quo_te' OR OrchestrationDeveloperName LIKE "
        "'%Quo\\_te%' OR OrchestrationLabel LIKE '%Quo\\_te%')",
        f"CreatedDate >= {T_LIT}",
        "(Name LIKE '%50\\%%' OR OrchestrationDeveloperName LIKE '%50\\%%' OR "
        "OrchestrationLabel LIKE '%50\\%%')",
    ]
    # an org without OrchestrationLabel is not asked about it; a prefix reaches the parent
    assert QueryBuilder(OLD, flt).run_where(prefix="OrchestrationInstance.") == [
        "OrchestrationInstance.Id IN ('0jE000000000001', '0jE000000000002AAA')",
        "OrchestrationInstance.Status IN ('Error')",
        "(OrchestrationInstance.OrchestrationDeveloperName = 'Quo_te' OR "
        "OrchestrationInstance.OrchestrationDeveloperName LIKE '%Quo\\_te%')",
        f"OrchestrationInstance.CreatedDate >= {T_LIT}",
        "(OrchestrationInstance.Name LIKE '%50\\%%' OR "
        "OrchestrationInstance.OrchestrationDeveloperName LIKE '%50\\%%')",
    ]
    assert QueryBuilder(FULL).run_where() == []
    other = RunFilter(text="x")
    assert QueryBuilder(FULL, flt).run_where(other) == [
        "(Name LIKE '%x%' OR OrchestrationDeveloperName LIKE '%x%' OR "
        "OrchestrationLabel LIKE '%x%')"]


def test_since_in_another_zone_is_sent_in_utc() -> None:
    flt = RunFilter(since=datetime(2026, 11, 27, 2, 15, 30, 250000,
                                   tzinfo=timezone(timedelta(hours=-8))))
    assert QueryBuilder(FULL, flt).run_where() == [f"CreatedDate >= {T_LIT}"]


def test_ids_count_and_status_counts() -> None:
    flt = RunFilter(statuses=("Error",), text="a")
    b = QueryBuilder(FULL, flt)
    where = ("Status IN ('Error') AND (Name LIKE '%a%' OR OrchestrationDeveloperName LIKE '%a%' "
             "OR OrchestrationLabel LIKE '%a%')")
    assert b.run_ids(10) == (
        f"SELECT Id FROM {RUN} WHERE {where} ORDER BY CreatedDate DESC, Id DESC LIMIT 10")
    assert b.run_count() == f"SELECT COUNT(Id) FROM {RUN} WHERE {where}"
    # the counts are per status, so they drop the status filter and keep the rest
    assert b.status_counts() == (
        f"SELECT Status, COUNT(Id) FROM {RUN} WHERE (Name LIKE '%a%' OR "
        "OrchestrationDeveloperName LIKE '%a%' OR OrchestrationLabel LIKE '%a%') "
        "GROUP BY Status")
    bare = QueryBuilder(FULL, RunFilter(statuses=("Error",)))
    assert bare.status_counts() == f"SELECT Status, COUNT(Id) FROM {RUN} GROUP BY Status"
    assert bare.run_ids(3) == (f"SELECT Id FROM {RUN} WHERE Status IN ('Error') "
                               "ORDER BY CreatedDate DESC, Id DESC LIMIT 3")
    assert QueryBuilder(FULL).run_ids(3) == (
        f"SELECT Id FROM {RUN} ORDER BY CreatedDate DESC, Id DESC LIMIT 3")
    assert QueryBuilder(FULL).run_count() == f"SELECT COUNT(Id) FROM {RUN}"


def test_what_changed() -> None:
    b = QueryBuilder(FULL)
    oldest = T - timedelta(days=1)
    old_lit = "2026-11-26T10:15:30.250Z"
    assert b.runs_changed(T, None) == (
        f"SELECT {RUN_SELECT} FROM {RUN} WHERE SystemModstamp > {T_LIT} "
        "ORDER BY SystemModstamp, Id")
    assert b.runs_changed(T, oldest) == (
        f"SELECT {RUN_SELECT} FROM {RUN} WHERE SystemModstamp > {T_LIT} AND "
        f"CreatedDate >= {old_lit} ORDER BY SystemModstamp, Id")
    assert b.children_changed(STAGE, T, oldest) == (
        f"SELECT {STAGE_SELECT} FROM {STAGE} WHERE SystemModstamp > {T_LIT} AND "
        f"OrchestrationInstance.CreatedDate >= {old_lit} ORDER BY SystemModstamp, Id")
    assert b.children_changed(STEP, T, None) == (
        f"SELECT {STEP_SELECT} FROM {STEP} WHERE SystemModstamp > {T_LIT} "
        "ORDER BY SystemModstamp, Id")
    assert b.children_changed(WORK, T, oldest) == (
        f"SELECT {WORK_SELECT} FROM {WORK} WHERE SystemModstamp > {T_LIT} AND "
        f"StepInstance.OrchestrationInstance.CreatedDate >= {old_lit} "
        "ORDER BY SystemModstamp, Id")
    assert b.children_changed(GROUP, T, None) is None
    assert QueryBuilder(Capabilities("55.0", {WORK: frozenset({"Id"})})).children_changed(
        WORK, T, None) is None
    assert b.deleted_since(STAGE, T) == (
        f"SELECT Id FROM {STAGE} WHERE IsDeleted = true AND SystemModstamp > {T_LIT}")
    assert b.deleted_since(GROUP, T) is None


def test_children_of_runs() -> None:
    b = QueryBuilder(FULL)
    ids = ["0jE2", "0jE1"]
    assert b.children_of(STAGE, ids) == (
        f"SELECT {STAGE_SELECT} FROM {STAGE} WHERE OrchestrationInstanceId IN ('0jE1', '0jE2')")
    assert b.children_of(STEP, ids) == (
        f"SELECT {STEP_SELECT} FROM {STEP} WHERE OrchestrationInstanceId IN ('0jE1', '0jE2')")
    assert b.children_of(WORK, ids) == (
        f"SELECT {WORK_SELECT} FROM {WORK} "
        "WHERE StepInstance.OrchestrationInstanceId IN ('0jE1', '0jE2')")
    assert b.children_of(STAGE, []) is None
    assert b.children_of(GROUP, ids) is None
    assert QueryBuilder(Capabilities("55.0", {WORK: frozenset({"Id"})})).children_of(
        WORK, ids) is None
    assert QueryBuilder(OLD).children_of(STEP, ["r"]) == (
        f"SELECT {STEP_SELECT.replace('Description, ', '')} FROM {STEP} "
        "WHERE OrchestrationInstanceId IN ('r')")


def test_details() -> None:
    b = QueryBuilder(FULL)
    assert b.stage_history("0jf'1") == (
        f"SELECT Id, ParentId, Field, OldValue, NewValue, CreatedDate, CreatedBy.Name FROM "
        f"{STAGE_HISTORY} WHERE ParentId = '0jf\\'1' ORDER BY CreatedDate, Id")
    assert b.stage_feed("0jf1") == (
        "SELECT Id, ParentId, Type, Title, Body, LinkUrl, IsRichText, CreatedDate, "
        "InsertedBy.Name, (SELECT Id, CommentBody, IsRichText, CreatedDate, InsertedBy.Name "
        f"FROM FeedComments ORDER BY CreatedDate) FROM {STAGE_FEED} WHERE ParentId = '0jf1' "
        "ORDER BY CreatedDate DESC, Id DESC LIMIT 200")
    assert b.run_feed("0jE1") == (
        "SELECT Id, ParentId, Type, Body, CreatedDate, InsertedBy.Name, (SELECT Id, "
        "CommentBody, IsRichText, CreatedDate, InsertedBy.Name FROM FeedComments ORDER BY "
        f"CreatedDate) FROM {RUN_FEED} WHERE ParentId = '0jE1' ORDER BY CreatedDate DESC, "
        "Id DESC LIMIT 200")
    assert b.run_log("0jE1") == (
        "SELECT Id, OrchestrationInstanceId, Kind, Timestamp, StageName, StepName, Actor, "
        f"Assignee, Duration, Comments FROM {LOG} WHERE OrchestrationInstanceId = '0jE1' "
        "ORDER BY Timestamp, Id")
    assert b.stage_shares("0jf1") == (
        f"SELECT UserOrGroupId, UserOrGroup.Name, AccessLevel, RowCause FROM {STAGE_SHARE} "
        "WHERE ParentId = '0jf1'")
    old = QueryBuilder(OLD)
    assert (old.stage_history("s"), old.stage_feed("s"), old.run_feed("r"), old.run_log("r"),
            old.stage_shares("s")) == (None, None, None, None, None)


@pytest.mark.parametrize(("flt", "text"), [
    (RunFilter(), "all runs"),
    (RunFilter(statuses=("Error", "Suspended")), "status=Error,Suspended"),
    (RunFilter(orchestration="Quote"), "orch=Quote"),
    (RunFilter(since=datetime(2026, 11, 27, 10, 15, 59, tzinfo=UTC)), "since=2026-11-27 10:15"),
    (RunFilter(text="EMEA"), "text=EMEA"),
    (RunFilter(ids=("a", "b")), "id=a,b"),
    (RunFilter(statuses=("Error",), orchestration="Q", since=T, text="x", ids=("a",)),
     "status=Error orch=Q since=2026-11-27 10:15 text=x id=a"),
])
def test_a_filter_in_words(flt: RunFilter, text: str) -> None:
    assert flt.describe() == text


def test_a_filter_in_words_in_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    import time
    time.tzset()
    try:
        assert RunFilter(since=T).describe(local=True) == "since=2026-11-27 15:45"
        assert RunFilter(since=T).describe() == "since=2026-11-27 10:15"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_without_status_keeps_the_rest() -> None:
    flt = RunFilter(statuses=("Error",), orchestration="Q", since=T, text="x", ids=("a",))
    assert flt.without_status() == RunFilter(orchestration="Q", since=T, text="x", ids=("a",))


def a_run(name: str = "OR-0000001", label: str | None = None, orch: str | None = None,
          created: datetime = T) -> Run:
    return Run(id="0jE000000000001AAA", name=name, status=RunStatus.ERROR, orchestration=orch,
               label=label, current_stage=None, created=created, modified=created,
               modstamp=created, duration=None, interview_id=None)


def test_the_local_match_case_by_case() -> None:
    bare = a_run()  # no label, no developer name
    assert RunFilter(text="or-00").matches(bare)  # case-insensitive, in the run's name
    assert not RunFilter(text="xx").matches(bare)  # a missing label matches nothing
    assert not RunFilter(orchestration="xx").matches(bare)
    assert RunFilter(orchestration="onb").matches(a_run(orch="Employee_Onboarding"))
    assert RunFilter(orchestration="EMPLOYEE").matches(a_run(label="Employee Onboarding"))
    assert RunFilter(text="hire").matches(a_run(orch="New_Hire"))
    assert RunFilter(text="HIRE").matches(a_run(label="New hire"))
    assert RunFilter(since=T).matches(a_run(created=T))  # CreatedDate >= since
    assert not RunFilter(since=T).matches(a_run(created=T - timedelta(milliseconds=1)))
    assert RunFilter(statuses=("Error",)).matches(bare)
    assert not RunFilter(statuses=("Completed",)).matches(bare)
    assert RunFilter(ids=("0jE000000000001",)).matches(bare)
    assert not RunFilter(ids=("0jE000000000002",)).matches(bare)


def test_audit_parents_of_objects_that_are_not_polymorphic() -> None:
    caps = Capabilities("62.0", {STAGE: frozenset({"Id", "CreatedById", "LastModifiedById"}),
                                 STEP: frozenset({"Id"})})
    assert caps.has_path(STAGE, "CreatedBy.Name")
    assert caps.has_path(STAGE, "LastModifiedBy.Name")
    assert not caps.has_path(STEP, "CreatedBy.Name")  # no CreatedById on the step
    assert not caps.has_path(STAGE, "Owner.Name")
    assert not caps.has_path(STAGE, "Id.Name")


def test_naive_moments_are_utc_whatever_the_machines_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from flowstage_tui.salesforce.soql import datetime_literal
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert datetime_literal(datetime(2026, 11, 27, 10, 15, 30, 250000)) == T_LIT
        assert datetime_literal(T) == T_LIT
        assert datetime_literal(T.astimezone(timezone(timedelta(hours=5, minutes=30)))) == T_LIT
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_describe_cache_makes_its_folders(tmp_path: Path) -> None:
    deep = tmp_path / "cache" / "flowstage"
    capmod.store_cached(deep, "00Dx", FULL)
    assert capmod.load_cached(deep, "00Dx", "66.0") == FULL


def test_a_new_filter_on_the_builder_narrows_what_it_sends_next() -> None:
    """The engine keeps one builder per connection and hands it each new filter."""
    b = QueryBuilder(FULL)
    assert "WHERE" not in b.runs_page(5)
    b.filter = RunFilter(statuses=("Error",))
    assert b.runs_page(5) == (f"SELECT {RUN_SELECT} FROM {RUN} WHERE Status IN ('Error') "
                              "ORDER BY CreatedDate DESC, Id DESC LIMIT 5")
    assert b.run_where() == ["Status IN ('Error')"]


def test_counts_keep_every_part_of_the_filter_but_its_statuses() -> None:
    flt = RunFilter(statuses=("Error",), orchestration="Q", since=T, ids=("0jE1",))
    assert QueryBuilder(OLD, flt).status_counts() == (
        f"SELECT Status, COUNT(Id) FROM {RUN} WHERE Id IN ('0jE1') AND "
        "(OrchestrationDeveloperName = 'Q' OR OrchestrationDeveloperName LIKE '%Q%') AND "
        f"CreatedDate >= {T_LIT} GROUP BY Status")


def test_typed_quotes_and_backslashes_stay_inside_their_literal() -> None:
    flt = RunFilter(orchestration="O'Neil\\", text="it's")
    assert QueryBuilder(OLD, flt).run_where() == [
        "(OrchestrationDeveloperName = 'O\\'Neil\\\\' OR "
        "OrchestrationDeveloperName LIKE '%O\\'Neil\\\\%')",
        "(Name LIKE '%it\\'s%' OR OrchestrationDeveloperName LIKE '%it\\'s%')"]
    assert QueryBuilder(FULL).children_of(STAGE, ["0jE1') OR Id != ('x"]) == (
        f"SELECT {STAGE_SELECT} FROM {STAGE} "
        "WHERE OrchestrationInstanceId IN ('0jE1\\') OR Id != (\\'x')")


def test_changed_steps_within_the_window() -> None:
    oldest = T - timedelta(days=1)
    assert QueryBuilder(FULL).children_changed(STEP, T, oldest) == (
        f"SELECT {STEP_SELECT} FROM {STEP} WHERE SystemModstamp > {T_LIT} AND "
        "OrchestrationInstance.CreatedDate >= 2026-11-26T10:15:30.250Z "
        "ORDER BY SystemModstamp, Id")
