"""REST records to models, one record at a time: every field from its own key, the nulls and
missing keys real orgs send, and the timestamp forms Salesforce writes. The expected models are
written out by hand here, not built by the parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from flowstage_tui.salesforce import parse
from flowstage_tui.salesforce.models import (
    FeedComment,
    FeedPost,
    HistoryEntry,
    InterviewError,
    LogEntry,
    Run,
    RunStatus,
    StageRun,
    StageStatus,
    StepRun,
    WorkItem,
    WorkItemStatus,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def at(h: int, m: int = 0, s: int = 0, ms: int = 0) -> datetime:
    return datetime(2026, 11, 27, h, m, s, ms * 1000, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-27T10:15:30.000+0000", at(10, 15, 30)),
    ("2026-11-27T10:15:30.250+0000", at(10, 15, 30, 250)),
    ("2026-11-27T10:15:30.000Z", at(10, 15, 30)),
    ("2026-11-27T10:15:30Z", at(10, 15, 30)),
    ("2026-11-27T12:15:30.000+0200", at(10, 15, 30)),
    ("2026-11-27T05:15:30.000-0500", at(10, 15, 30)),
    ("2026-11-27T10:15:30+00:00", at(10, 15, 30)),
    ("  2026-11-27T10:15:30.000+0000 ", at(10, 15, 30)),
    ("2026-11-27T10:15:30", at(10, 15, 30)),  # no zone: taken as UTC
    ("2026-11-27", datetime(2026, 11, 27, tzinfo=UTC)),
])
def test_salesforce_timestamps(text: str, expected: datetime) -> None:
    got = parse.sf_datetime(text)
    assert got == expected
    assert got is not None and got.utcoffset() is not None


def test_offsets_are_kept_not_just_the_instant() -> None:
    got = parse.sf_datetime("2026-11-27T12:15:30.000+0200")
    assert got is not None and got.utcoffset() == timedelta(hours=2)
    assert got.tzinfo == timezone(timedelta(hours=2))


@pytest.mark.parametrize("value", [None, "", 0, 17, "yesterday", "2026-13-01T00:00:00Z",
                                   "2026-11-27T10:15:30+0", ["2026-11-27"], "Z"])
def test_what_is_not_a_timestamp(value: Any) -> None:
    assert parse.sf_datetime(value) is None


def test_path_walks_parents_and_stops_at_null() -> None:
    rec = {"Interview": {"Error": "boom", "Owner": None}, "Name": "x"}
    assert parse.path(rec, "Interview.Error") == "boom"
    assert parse.path(rec, "Name") == "x"
    assert parse.path(rec, "Interview.Owner.Name") is None
    assert parse.path(rec, "Interview.Missing") is None
    assert parse.path(rec, "Name.Length") is None
    assert parse.path(None, "Name") is None


def test_children_of_a_subquery() -> None:
    assert parse.children({"FeedComments": None}, "FeedComments") == []
    assert parse.children({}, "FeedComments") == []
    assert parse.children({"FeedComments": {"records": None}}, "FeedComments") == []
    rows = [{"Id": "a"}, {"Id": "b"}]
    got = parse.children({"FeedComments": {"totalSize": 2, "records": rows}}, "FeedComments")
    assert got == rows and got is not rows


RUN_REC = {
    "attributes": {"type": "FlowOrchestrationInstance"}, "Id": "0jEx00000000001AAA",
    "Name": "OR-0000001", "Status": "InProgress", "OrchestrationDeveloperName": "Onboard",
    "OrchestrationName": "Onboard (name)", "OrchestrationLabel": "Onboarding",
    "CurrentStage": "Review", "CreatedDate": "2026-11-27T10:00:00.000+0000",
    "LastModifiedDate": "2026-11-27T10:30:00.000+0000",
    "SystemModstamp": "2026-11-27T10:31:00.000+0000", "Duration": 1800,
    "InterviewId": "0Fox00000000001AAA", "IsDebugRun": True, "TriggeringRecord": "001x1",
    "TriggeringRecordType": "Account",
}


def test_a_run_field_by_field() -> None:
    assert parse.run(RUN_REC) == Run(
        id="0jEx00000000001AAA", name="OR-0000001", status=RunStatus.IN_PROGRESS,
        orchestration="Onboard", label="Onboarding", current_stage="Review",
        created=at(10), modified=at(10, 30), modstamp=at(10, 31), duration=1800,
        interview_id="0Fox00000000001AAA", is_debug=True, triggering_record="001x1",
        triggering_type="Account")


def test_a_run_with_only_an_id() -> None:
    assert parse.run({"Id": "0jEx1"}) == Run(
        id="0jEx1", name="0jEx1", status=RunStatus(""), orchestration=None, label=None,
        current_stage=None, created=EPOCH, modified=EPOCH, modstamp=EPOCH, duration=None,
        interview_id=None, is_debug=False, triggering_record=None, triggering_type=None)


def test_a_run_before_v63_names_its_orchestration_by_name() -> None:
    rec = {"Id": "r", "OrchestrationName": "Onboard", "Name": None, "Status": None}
    got = parse.run(rec)
    assert (got.orchestration, got.name, got.status) == ("Onboard", "r", "")


@pytest.mark.parametrize(("status", "duration"), [
    ("Completed", 1800), ("Error", 1800), ("Canceled", 1800), ("Discontinued", 1800),
    ("InProgress", None), ("Suspended", None), ("NotStarted", None), ("Paused", None),
])
def test_an_ended_run_without_duration_took_created_to_modified(
        status: str, duration: int | None) -> None:
    rec = {**RUN_REC, "Status": status, "Duration": None}
    assert parse.run(rec).duration == duration
    rec.pop("Duration")
    assert parse.run(rec).duration == duration
    assert parse.run({**RUN_REC, "Status": status, "Duration": 5}).duration == 5


def test_a_duration_of_zero_is_salesforces_word_not_a_gap() -> None:
    assert parse.run({**RUN_REC, "Status": "Completed", "Duration": 0}).duration == 0


def test_an_ended_run_modified_before_created_took_no_time() -> None:
    rec = {**RUN_REC, "Status": "Completed", "Duration": None,
           "LastModifiedDate": "2026-11-27T09:00:00.000+0000"}
    assert parse.run(rec).duration == 0
    rec["LastModifiedDate"] = "2026-11-27T10:00:01.900+0000"
    assert parse.run(rec).duration == 1


def test_a_new_status_is_kept_as_its_word() -> None:
    got = parse.run({**RUN_REC, "Status": "Paused"})
    assert got.status == "Paused" and not got.status.known
    assert parse.run(RUN_REC).status.known


def test_interview_error_only_for_failures() -> None:
    rec = {"Id": "r", "InterviewId": "0Fo1",
           "Interview": {"InterviewStatus": "Error", "Error": "boom", "CurrentElement": "Send"}}
    assert parse.interview_error(rec) == InterviewError("r", "0Fo1", "Error", "boom", "Send")
    # an error text without the Error status still matters (v62+ keeps the text)
    rec2 = {**rec, "Interview": {"InterviewStatus": "Paused", "Error": "late"}}
    assert parse.interview_error(rec2) == InterviewError("r", "0Fo1", "Paused", "late", None)
    rec3 = {**rec, "Interview": {"InterviewStatus": "Error"}}
    assert parse.interview_error(rec3) == InterviewError("r", "0Fo1", "Error", None, None)
    assert parse.interview_error({**rec, "Interview": {"InterviewStatus": "Started"}}) is None
    assert parse.interview_error({**rec, "Interview": None}) is None
    assert parse.interview_error({**rec, "InterviewId": None}) is None
    assert parse.interview_error({"Id": "r", "Interview": rec["Interview"]}) is None


STAGE_REC = {"Id": "0jfx1", "OrchestrationInstanceId": "0jEx1", "Name": "Review_Stage",
             "Label": "Review", "Position": 2, "Status": "Error",
             "CreatedDate": "2026-11-27T10:00:00.000+0000",
             "LastModifiedDate": "2026-11-27T11:00:00.000+0000",
             "SystemModstamp": "2026-11-27T11:00:05.000+0000"}


def test_a_stage_field_by_field() -> None:
    assert parse.stage(STAGE_REC) == StageRun(
        id="0jfx1", run_id="0jEx1", name="Review_Stage", label="Review", position=2,
        status=StageStatus.ERROR, created=at(10), modified=at(11), modstamp=at(11, 0, 5))


def test_a_stage_with_nulls() -> None:
    assert parse.stage({"Id": "s", "Name": "N"}) == StageRun(
        id="s", run_id="", name="N", label="N", position=0, status=StageStatus(""),
        created=EPOCH, modified=EPOCH, modstamp=EPOCH)
    assert parse.stage({"Id": "s", "Position": "3"}).position == 3
    got = parse.stage({"Id": "s", "Label": None, "Name": None, "Position": None})
    assert (got.label, got.name, got.position) == ("", "", 0)


STEP_REC = {"Id": "0jgx1", "OrchestrationInstanceId": "0jEx1", "StageInstanceId": "0jfx1",
            "Name": "Approve_Step", "Label": "Approve", "Status": "InProgress",
            "StepType": "InteractiveStep", "Description": "Manager signs off",
            "CreatedDate": "2026-11-27T10:00:00.000+0000",
            "LastModifiedDate": "2026-11-27T10:10:00.000+0000",
            "SystemModstamp": "2026-11-27T10:10:01.000+0000"}


def test_a_step_field_by_field() -> None:
    got = parse.step(STEP_REC)
    assert got == StepRun(
        id="0jgx1", run_id="0jEx1", stage_id="0jfx1", name="Approve_Step", label="Approve",
        status=StageStatus.IN_PROGRESS, step_type="InteractiveStep",
        description="Manager signs off", created=at(10), modified=at(10, 10),
        modstamp=at(10, 10, 1))
    assert got.interactive
    assert not parse.step({**STEP_REC, "StepType": "BackgroundStep"}).interactive


def test_a_step_with_nulls() -> None:
    assert parse.step({"Id": "p", "Name": "N"}) == StepRun(
        id="p", run_id="", stage_id="", name="N", label="N", status=StageStatus(""),
        step_type="", description=None, created=EPOCH, modified=EPOCH, modstamp=EPOCH)


WORK_REC = {"Id": "0jhx1", "StepInstanceId": "0jgx1",
            "StepInstance": {"OrchestrationInstanceId": "0jEx1"}, "RelatedRecordId": "001x9",
            "RelatedRecord": {"Type": "Account", "Name": "Acme"},
            "Label": "Approve order", "Status": "Assigned", "AssigneeId": "005x1",
            "Assignee": {"Name": "Ann Lee", "Type": "User", "IsActive": False},
            "CreatedDate": "2026-11-27T10:00:00.000+0000",
            "LastModifiedDate": "2026-11-27T10:05:00.000+0000",
            "SystemModstamp": "2026-11-27T10:05:00.500+0000", "ElapsedTimeSinceAsgntInSec": 90}


def test_a_work_item_field_by_field() -> None:
    read = at(12)
    assert parse.work_item(WORK_REC, read) == WorkItem(
        id="0jhx1", step_id="0jgx1", run_id="0jEx1", label="Approve order",
        status=WorkItemStatus.ASSIGNED, assignee_id="005x1", assignee_name="Ann Lee",
        assignee_type="User", assignee_active=False, created=at(10), modified=at(10, 5),
        modstamp=at(10, 5, 0, 500), seconds_assigned=90, assigned_since=at(11, 58, 30),
        context_id="001x9", context_type="Account", context_name="Acme")
    assert parse.work_item(WORK_REC).assigned_since is None
    assert parse.work_item({**WORK_REC, "ElapsedTimeSinceAsgntInSec": None},
                           read).assigned_since is None


def test_a_work_item_with_nulls() -> None:
    assert parse.work_item({"Id": "w", "Assignee": "not a record"}) == WorkItem(
        id="w", step_id=None, run_id=None, label=None, status=WorkItemStatus(""),
        assignee_id="", assignee_name=None, assignee_type=None, assignee_active=None,
        created=EPOCH, modified=EPOCH, modstamp=EPOCH, seconds_assigned=None,
        assigned_since=None)


LOG_REC = {"Id": "0jix1", "OrchestrationInstanceId": "0jEx1", "Kind": "AssignWorkItem",
           "Timestamp": "2026-11-27T10:01:00.000+0000", "StageName": "Review",
           "StepName": "Approve", "Actor": "Automated Process", "Assignee": "Ann Lee",
           "Duration": 12, "Comments": "sent"}


def test_a_log_entry_field_by_field() -> None:
    assert parse.log_entry(LOG_REC) == LogEntry(
        id="0jix1", run_id="0jEx1", kind="AssignWorkItem", timestamp=at(10, 1),
        stage_name="Review", step_name="Approve", actor="Automated Process",
        assignee="Ann Lee", duration=12, comments="sent")
    assert parse.log_entry({"Id": "l"}) == LogEntry(
        id="l", run_id="", kind="", timestamp=EPOCH, stage_name=None, step_name=None,
        actor=None, assignee=None, duration=None, comments=None)


def test_a_history_entry_field_by_field() -> None:
    rec = {"Id": "h1", "ParentId": "0jfx1", "Field": "Status", "OldValue": "InProgress",
           "NewValue": "Error", "CreatedDate": "2026-11-27T10:02:00.000+0000",
           "CreatedBy": {"Name": "Automated Process"}}
    assert parse.history_entry(rec) == HistoryEntry(
        id="h1", parent_id="0jfx1", field="Status", old_value="InProgress", new_value="Error",
        created=at(10, 2), created_by="Automated Process")
    assert parse.history_entry({"Id": "h"}) == HistoryEntry(
        id="h", parent_id="", field="", old_value=None, new_value=None, created=EPOCH,
        created_by=None)


def test_a_feed_post_with_its_comments_oldest_first() -> None:
    rec = {"Id": "f1", "ParentId": "0jfx1", "Type": "TextPost", "Title": "t", "Body": "<b>x</b>",
           "LinkUrl": "https://x", "IsRichText": True, "CreatedDate": "2026-11-27T10:03:00.000Z",
           "InsertedBy": {"Name": "Ann"},
           "FeedComments": {"records": [
               {"Id": "c2", "CommentBody": "second", "IsRichText": False,
                "CreatedDate": "2026-11-27T10:05:00.000Z", "InsertedBy": {"Name": "Bo"}},
               {"Id": "c1", "CommentBody": None, "IsRichText": True,
                "CreatedDate": "2026-11-27T10:04:00.000Z", "InsertedBy": None,
                "CreatedBy": {"Name": "Cy"}},
               {"Id": "c0"}]}}
    assert parse.feed_post(rec) == FeedPost(
        id="f1", parent_id="0jfx1", type="TextPost", title="t", body="<b>x</b>",
        link="https://x", rich=True, author="Ann", created=at(10, 3), comments=(
            FeedComment(id="c0", body="", rich=False, author=None, created=EPOCH),
            FeedComment(id="c1", body="", rich=True, author="Cy", created=at(10, 4)),
            FeedComment(id="c2", body="second", rich=False, author="Bo", created=at(10, 5))))


def test_a_bare_feed_post() -> None:
    assert parse.feed_post({"Id": "f", "CreatedBy": {"Name": "Dee"}}) == FeedPost(
        id="f", parent_id="", type="", title=None, body=None, link=None, rich=False,
        author="Dee", created=EPOCH, comments=())


def test_a_work_item_on_an_account_without_a_step_invents_no_run() -> None:
    """RelatedRecordId is the context record (here an Account), never the run: with no step
    the item belongs to no run, and the Account is kept as what the assignee works on."""
    rec = {**WORK_REC, "StepInstanceId": None, "StepInstance": None,
           "RelatedRecordId": "001RM000000001AAAA",
           "RelatedRecord": {"attributes": {"type": "Name"}, "Type": "Account",
                             "Name": "Globex [EMEA]"}}
    got = parse.work_item(rec)
    assert got.run_id is None and got.step_id is None
    assert (got.context_id, got.context_type, got.context_name) == (
        "001RM000000001AAAA", "Account", "Globex [EMEA]")


def test_a_context_record_the_user_cannot_see_keeps_its_id_and_standard_type() -> None:
    """No RelatedRecord parent (deleted, or not shared with the API user): the Id stays, the
    type comes from a key prefix every org shares, an unknown prefix is not guessed."""
    got = parse.work_item({**WORK_REC, "RelatedRecordId": "500RM0000000042AAA",
                           "RelatedRecord": None})
    assert got.run_id == "0jEx1"  # through the step
    assert (got.context_id, got.context_type, got.context_name) == (
        "500RM0000000042AAA", "Case", None)
    odd = parse.work_item({**WORK_REC, "RelatedRecordId": "a01RM0000000042AAA",
                           "RelatedRecord": None})
    assert odd.context_type is None


def test_an_empty_context_record_id_is_no_context() -> None:
    got = parse.work_item({**WORK_REC, "RelatedRecordId": "", "RelatedRecord": None})
    assert (got.context_id, got.context_type, got.context_name) == (None, None, None)
    # a parent that came without its Type still names the record; the type falls back to
    # the key prefix
    got = parse.work_item({**WORK_REC, "RelatedRecordId": "006RM0000000042AAA",
                           "RelatedRecord": {"Name": "Big deal"}})
    assert (got.context_type, got.context_name) == ("Opportunity", "Big deal")


@pytest.mark.parametrize(("prefix", "kind"), [
    ("001", "Account"), ("003", "Contact"), ("005", "User"), ("006", "Opportunity"),
    ("00D", "Organization"), ("00Q", "Lead"), ("500", "Case"), ("801", "Order"),
    ("0Q0", "Quote"), ("00G", None), ("a0X", None),
])
def test_standard_key_prefixes_name_the_context_type(prefix: str, kind: str | None) -> None:
    got = parse.work_item({**WORK_REC, "RelatedRecordId": prefix + "RM0000000042AAA",
                           "RelatedRecord": None})
    assert got.context_type == kind


def test_an_interview_that_is_not_a_record_is_no_error() -> None:
    assert parse.interview_error({"Id": "r", "InterviewId": "0Fo1", "Interview": "Error"}) is None
    assert parse.interview_error({"Id": "r", "InterviewId": "", "Interview": {
        "InterviewStatus": "Error"}}) is None


def test_comments_written_at_the_same_moment_keep_the_orgs_order() -> None:
    same = "2026-11-27T10:04:00.000Z"
    rec = {"Id": "f", "FeedComments": {"records": [
        {"Id": "b", "CreatedDate": same}, {"Id": "a", "CreatedDate": same},
        {"Id": "c", "CreatedDate": "2026-11-27T10:03:00.000Z"}]}}
    assert [c.id for c in parse.feed_post(rec).comments] == ["c", "b", "a"]
