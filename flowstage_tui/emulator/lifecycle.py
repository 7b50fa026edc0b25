"""How an orchestration run moves, applied to the store with Salesforce's cascades.

The same operations build the demo org's history (at past timestamps) and drive the live
simulation (at "now"), so generated and simulated runs obey one state machine:
one InProgress stage per run; on error the run, the stage and the failing step are Error,
other running steps Discontinued and assigned work items Completed; on cancel the running
stage and steps are Canceled and open work items Completed; every transition logs a
FlowOrchestrationLog row and, when tracking is on, a History row and a feed item.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import approvals
from .demo_data import (
    COMMENTS,
    ORCHESTRATIONS,
    POSTS,
    OrchestrationDef,
    definition,
    failure_text,
)
from .ids import BlockMinter, IdMinter, to18
from .store import Record, Store

RUN = "FlowOrchestrationInstance"
STAGE = "FlowOrchestrationStageInstance"
STEP = "FlowOrchestrationStepInstance"
WORK = "FlowOrchestrationWorkItem"
LOG = "FlowOrchestrationLog"
INTERVIEW = "FlowInterview"
OPEN_RUN = ("InProgress", "Suspended")
# Standard key prefixes, for a triggering record when the org holds no records of the type
# (an org loaded from an older dump): an Id that resolves to nothing, as a deleted record's.
TRIGGER_PREFIXES = {"Account": "001", "Contact": "003", "Case": "500", "Opportunity": "006"}

BY_API_NAME = {o.api_name: o for o in ORCHESTRATIONS}


def definition_of(run: Record) -> OrchestrationDef | None:
    """The definition an existing run follows: its orchestration at the version it started on."""
    return definition(str(run.get("OrchestrationDeveloperName")), run.get("_Version"))

# Everything a run owns: written with it, never shared with another run.
RUN_PARTS = frozenset({
    STAGE, STEP, WORK, LOG, "ApprovalSubmission", "ApprovalWorkItem", f"{RUN}Share",
    f"{RUN}History", f"{RUN}Feed", f"{STAGE}Share", f"{STAGE}History", f"{STAGE}Feed",
    f"{STEP}Share", "FeedComment"})
# What the operations below guarantee for a generated run (DemoOrg._play_history: one fate,
# each step completed at most once): a record of the run's with one of these Status values
# exists only if the run ends with one of the values given. Assigned work items are completed
# when a run fails, is canceled, discontinued or completes (suspending leaves them); the open
# stage and its running steps take the run's fate. The demo org reads this to write only the
# held-back runs a status query could see (held_back.py); tests check it against every record
# of generated orgs of several seeds. (Live operations on written runs may go further, e.g.
# canceling a Suspended run: the deferral never needs them.)
_OPEN = frozenset(OPEN_RUN)
STATUS_NEEDS_RUN: dict[str, dict[str, frozenset[str]]] = {
    WORK: {"Assigned": _OPEN},
    "ApprovalWorkItem": {"Assigned": _OPEN},
    STEP: {"InProgress": frozenset({"InProgress"}), "Suspended": frozenset({"Suspended"}),
           "Error": frozenset({"Error"}), "Canceled": frozenset({"Canceled"}),
           "Discontinued": frozenset({"Error", "Discontinued"})},
    STAGE: {"InProgress": frozenset({"InProgress"}), "Suspended": frozenset({"Suspended"}),
            "Error": frozenset({"Error"}), "Canceled": frozenset({"Canceled"}),
            "Discontinued": frozenset({"Discontinued"})},
}


class Lifecycle:
    def __init__(self, store: Store, minter: IdMinter, rng: random.Random, *,
                 feed_history: bool, admin_id: str, auto_id: str,
                 users: list[Record], queues: list[Record], prefixes: Any) -> None:
        self.store = store
        self.minter: IdMinter | BlockMinter = minter
        self.rng = rng
        self.feed_history = feed_history
        self.admin_id = admin_id
        self.auto_id = auto_id
        self.people = [u for u in users if u["UserType"] == "Standard" and u["Id"] != admin_id]
        self.active_people = [u for u in self.people if u["IsActive"]]
        self.queues = queues
        self.kp = prefixes
        self.counters = {"run": 0, "work": 0, "log": 0, "interview": 0, "submission": 0,
                         "approval_item": 0}
        # When the demo data's deploy happened (demo_data.failure_text); None: no deploy.
        self.deployed_at: int | None = None
        # when the drifting orchestration's active version was activated (demo_data)
        self.activated_at: int | None = None
        # Who the next work items go to instead of a random pick (the demo data's stuck runs).
        self.assign_to: Record | None = None
        # The Ids of the org's Accounts, Contacts, ... by object: the records runs are
        # triggered by or handed, their work items' context records.
        self.contexts: dict[str, list[str]] = {}

    # ------------------------------------------------------------ helpers
    def _audit(self, t: int, by: str, modified: bool = True) -> Record:
        """System fields; `modified=False` for FeedComment, which has no LastModified*."""
        if not modified:
            return {"IsDeleted": False, "CreatedById": by, "CreatedDate": t, "SystemModstamp": t}
        return {"IsDeleted": False, "CreatedById": by, "CreatedDate": t, "LastModifiedById": by,
                "LastModifiedDate": t, "SystemModstamp": t}

    def _autonumber(self, kind: str, fmt: str) -> str:
        self.counters[kind] += 1
        return fmt.format(self.counters[kind])

    def _update(self, obj: str, rec: Record, t: int, by: str | None = None, **changes: Any) -> None:
        self.store.update(obj, rec["Id"], changes, t, by or self.auto_id)

    def log(self, run: Record, kind: str, t: int, *, stage: str | None = None,
            step: str | None = None, duration: int | None = None, actor: str | None = None,
            assignee: str | None = None, assignee_type: str | None = None,
            comments: str | None = None) -> None:
        rid = self.minter.mint(self.kp.log)
        self.store.insert(LOG, {
            "Id": rid, "Name": self._autonumber("log", "OL-{:08d}"), **self._audit(t, self.auto_id),
            "Actor": actor, "Assignee": assignee, "AssigneeType": assignee_type,
            "Comments": comments, "Context": run.get("TriggeringRecord"), "Duration": duration,
            "Kind": kind, "OrchestrationInstanceId": run["Id"],
            "OrchestrationName": run["OrchestrationDeveloperName"],
            "OrchestrationVersion": run["_Version"], "StageName": stage, "StepName": step,
            "Timestamp": t,
        })

    def history(self, obj: str, parent_id: str, fname: str, old: Any, new: Any, t: int,
                by: str) -> None:
        if not self.feed_history:
            return
        self.store.insert(f"{obj}History", {
            "Id": self.minter.mint("017"), "IsDeleted": False, "ParentId": parent_id,
            "CreatedById": by, "CreatedDate": t, "Field": fname,
            "DataType": "EntityId" if fname == "Owner" else ("DynamicEnum" if fname == "Status"
                                                             else "Text"),
            "OldValue": old, "NewValue": new,
        })

    def post(self, obj: str, parent_id: str, t: int, by: str, ftype: str, body: str | None,
             rich: bool = False, title: str | None = None, link: str | None = None,
             comments: int = 0) -> Record | None:
        if not self.feed_history:
            return None
        post = {"Id": self.minter.mint("0D5"), "ParentId": parent_id, "Type": ftype,
                **self._audit(t, by), "Title": title, "Body": body, "LinkUrl": link,
                "CommentCount": 0, "LikeCount": self.rng.randint(0, 3), "IsRichText": rich,
                "InsertedById": by}
        self.store.insert(f"{obj}Feed", post)
        for i in range(comments):
            self.comment(post, parent_id, t + (i + 1) * 7 * 60_000)
        return post

    def comment(self, post: Record, parent_id: str, t: int) -> None:
        by = self.rng.choice(self.active_people)["Id"]
        body = self.rng.choice(COMMENTS)
        self.store.insert("FeedComment", {
            "Id": self.minter.mint("0D7"), "FeedItemId": post["Id"], "ParentId": parent_id,
            "CommentBody": body, "CommentType": "TextComment", "IsRichText": body.startswith("<"),
            "InsertedById": by, **self._audit(t, by, modified=False)})
        obj = "FlowOrchestrationInstanceFeed" if parent_id.startswith("0jE") else \
            "FlowOrchestrationStageInstanceFeed"
        self.store.update(obj, post["Id"], {"CommentCount": post["CommentCount"] + 1}, t, by)

    def tracked(self, obj: str, parent_id: str, old: str, new: str, t: int, by: str) -> None:
        self.history(obj, parent_id, "Status", old, new, t, by)
        # Feed tracking posts for the run's outcome and for failing stages only: a stage's
        # routine completion is in History already.
        if self.feed_history and (new == "Error" or (obj == RUN and new != "InProgress")):
            self.post(obj, parent_id, t, by, "TrackedChange", None)

    def stages(self, run: Record) -> list[Record]:
        return sorted(self.store.children(STAGE, "OrchestrationInstanceId", run["Id"]),
                      key=lambda s: s["Position"])

    def current_stage(self, run: Record) -> Record | None:
        for s in self.store.children(STAGE, "OrchestrationInstanceId", run["Id"]):
            if s["Status"] in ("InProgress", "Suspended"):
                return s
        return None

    def steps(self, stage: Record) -> list[Record]:
        return self.store.children(STEP, "StageInstanceId", stage["Id"])

    def work_items(self, step: Record) -> list[Record]:
        return self.store.children(WORK, "StepInstanceId", step["Id"])

    # ------------------------------------------------------------ operations
    def build_run(self, orch: OrchestrationDef, t: int, debug: bool,
                  rng: random.Random) -> tuple[Record, Record]:
        """A new run's interview and run rows, as they are the moment it starts."""
        interview_id = self.minter.mint("0Fo")
        interview = {
            "Id": interview_id, "Name": self._autonumber("interview", "FI-{:07d}"),
            "Guid": f"{rng.getrandbits(64):016x}{rng.getrandbits(64):016x}",
            "InterviewLabel": f"{orch.label} {t // 1000}", "CurrentElement": None,
            "PauseLabel": None, "InterviewStatus": "Running", "WasPausedFromScreen": False,
            "OwnerId": self.auto_id, "Error": None, "EngineType": None, "FlowVersionViewId": None,
            **self._audit(t, self.auto_id)}
        trig = None
        if orch.trigger_object:
            bits = rng.getrandbits(40)  # one draw either way: the rest of the run's fate holds
            pool = self.contexts.get(orch.trigger_object)
            trig = pool[bits % len(pool)] if pool else to18(
                TRIGGER_PREFIXES[orch.trigger_object] + "RM0" + f"{bits:012X}"[:9])
        run: Record = {
            "Id": self.minter.mint("0jE"), "Name": self._autonumber("run", "OR-{:07d}"),
            **self._audit(t, self.auto_id), "Status": "InProgress", "InterviewId": interview_id,
            "LastReferencedDate": None, "LastViewedDate": None,
            "OrchestrationDeveloperName": orch.api_name, "OrchestrationName": orch.api_name,
            "OwnerId": self.auto_id, "IsDebugRun": debug, "CurrentStage": None, "Duration": None,
            "FlowDefinitionVersionName": None, "FlowType": orch.flow_type,
            "TriggeringRecord": trig, "OrchestrationLabel": orch.label,
            "TriggeringRecordType": orch.trigger_object if trig else None,
            "AuxiliaryTriggeringRecord": None, "_Version": orch.version,
        }
        return interview, run

    def context_of(self, run: Record) -> str:
        """The record a run's work items are about: its triggering record; for an
        autolaunched orchestration the record it was handed (the same one for a run whatever
        reads it first, from the run's Id); else the run itself."""
        if run.get("TriggeringRecord"):
            return str(run["TriggeringRecord"])
        orch = definition_of(run)
        pool = self.contexts.get(orch.context or "") if orch is not None else None
        if pool:
            return pool[zlib.crc32(run["Id"].encode()) % len(pool)]
        return str(run["Id"])

    def start_run(self, orch: OrchestrationDef, t: int, *, debug: bool = False,
                  rng: random.Random | None = None,
                  replay: tuple[Record, Record] | None = None, begin: bool = True) -> Record:
        """Start a run. With `replay`, its interview and run rows already exist (a generated
        run whose other records are written now): they are reset in place to how they began.
        Every stage record is made with the run, NotStarted, as real orgs show them; the first
        starts at once, unless `begin` is False: a run that stays NotStarted.
        """
        interview, run = self.build_run(orch, t, debug, rng or self.rng)
        if not begin:
            run["Status"] = "NotStarted"
        if replay is None:
            self.store.insert(INTERVIEW, interview)
            self.store.insert(RUN, run)
        else:
            for old, new in zip(replay, (interview, run), strict=True):
                old.clear()
                old.update(new)
            interview, run = replay
        self.store.insert(f"{RUN}Share", {
            "Id": self.minter.mint(self.kp.instance_share), "ParentId": run["Id"],
            "UserOrGroupId": self.auto_id, "AccessLevel": "All", "RowCause": "Owner",
            "LastModifiedDate": t, "LastModifiedById": self.auto_id, "IsDeleted": False})
        self.history(RUN, run["Id"], "created", None, None, t, self.auto_id)
        approvals.open_submission(self, run, t)
        for index, sdef in enumerate(orch.stages):
            stage: Record = {
                "Id": self.minter.mint("0jF"), "Name": sdef.name, **self._audit(t, self.auto_id),
                "Label": sdef.label, "OrchestrationInstanceId": run["Id"], "Position": index + 1,
                "Status": "NotStarted", "OrchestrationName": orch.api_name,
                "OwnerId": self.auto_id,
            }
            self.store.insert(STAGE, stage)
            self.history(STAGE, stage["Id"], "created", None, None, t, self.auto_id)
        if begin:
            self.log(run, "StartInstance", t)
            self.start_stage(run, orch, 0, t)
        return run

    @contextmanager
    def scope(self, minter: IdMinter | BlockMinter, counters: dict[str, int],
              rng: random.Random) -> Iterator[None]:
        """Write with another Id source, autonumbers and randomness (one generated run's)."""
        saved = self.minter, self.counters, self.rng
        self.minter, self.counters, self.rng = minter, counters, rng
        try:
            yield
        finally:
            self.minter, self.counters, self.rng = saved

    def start_stage(self, run: Record, orch: OrchestrationDef, index: int, t: int) -> Record:
        sdef = orch.stages[index]
        waiting = next((s for s in self.stages(run) if s["Position"] == index + 1), None)
        if waiting is not None:  # made NotStarted with the run
            stage = waiting
            self._update(STAGE, stage, t, Status="InProgress")
            self.tracked(STAGE, stage["Id"], "NotStarted", "InProgress", t, self.auto_id)
        else:  # a run loaded from an older dump, whose stages were made as they started
            stage = {
                "Id": self.minter.mint("0jF"), "Name": sdef.name,
                **self._audit(t, self.auto_id), "Label": sdef.label,
                "OrchestrationInstanceId": run["Id"], "Position": index + 1,
                "Status": "InProgress", "OrchestrationName": orch.api_name,
                "OwnerId": self.auto_id,
            }
            self.store.insert(STAGE, stage)
            self.history(STAGE, stage["Id"], "created", None, None, t, self.auto_id)
        self._update(RUN, run, t, CurrentStage=sdef.name)
        self.log(run, "StartStage", t, stage=sdef.name)
        for st in sdef.steps:
            step: Record = {
                "Id": self.minter.mint("0jL"), "Name": st.name, **self._audit(t, self.auto_id),
                "Label": st.label,
                "Description": f"{st.label} for {orch.label}" if st.interactive else None,
                "OrchestrationInstanceId": run["Id"], "StageInstanceId": stage["Id"],
                "Status": "InProgress",
                "StepType": "InteractiveStep" if st.interactive else self.rng.choice(
                    ("BackgroundStep", "BackgroundStep", "AsynchronousBackgroundStep")),
                "OrchestrationName": orch.api_name, "OrchestrationStageName": sdef.name,
                "RelatedRecord": self.context_of(run), "OwnerId": self.auto_id,
                "InProgressStepOutputs": None,
            }
            self.store.insert(STEP, step)
            self.log(run, "StartStep", t, stage=sdef.name, step=st.name)
            if st.interactive:
                self._open_work_item(run, sdef.name, step, st.assignee, t)
        return stage

    def _open_work_item(self, run: Record, stage_name: str, step: Record, kind: str,
                        t: int) -> None:
        if self.assign_to is not None:
            assignee = self.assign_to
            a_type = "User" if assignee["Id"].startswith("005") else (
                "Queue" if assignee.get("Type") == "Queue" else "Group")
        elif kind == "queue":
            assignee = self.rng.choice(self.queues)
            a_type = "Queue"
        else:
            # Some items land on inactive users: the classic stuck run.
            pool = self.people if self.rng.random() < 0.12 else self.active_people
            assignee = self.rng.choice(pool)
            a_type = "User"
        owner = assignee["Id"] if a_type == "User" else self.auto_id
        context = self.context_of(run)  # the record the assignee works on, not the run
        wi: Record = {
            "Id": self.minter.mint(self.kp.work_item),
            "Name": self._autonumber("work", "WI-{:07d}"), **self._audit(t, self.auto_id),
            "AssigneeId": assignee["Id"], "Description": f"Please complete: {step['Label']}",
            "Label": step["Label"], "RelatedRecordId": context, "ScreenFlow": None,
            "ScreenFlowInputs": f'{{"recordId": "{context}", "note": "line1\\nline2"}}',
            "Status": "Assigned", "StepInstanceId": step["Id"], "LastReferencedDate": None,
            "LastViewedDate": None, "OrchestrationName": run["OrchestrationDeveloperName"],
            "OwnerId": owner, "FlowType": run.get("FlowType"), "_AssignedAt": t}
        self.store.insert(WORK, wi)
        approvals.open_item(self, run, wi, step["Label"], t)
        self.log(run, "StartWorkItem", t, stage=stage_name, step=step["Name"],
                 assignee=assignee["Name"], assignee_type=a_type)

    def complete_step(self, run: Record, orch: OrchestrationDef | None, step: Record,
                      t: int) -> None:
        stage_name = step["OrchestrationStageName"] or ""
        for wi in self.work_items(step):
            if wi["Status"] == "Assigned":
                actor_rec = self.store.get("User", wi["AssigneeId"]) or self.rng.choice(
                    self.active_people)
                self._update(WORK, wi, t, actor_rec["Id"], Status="Completed", OwnerId=wi["OwnerId"])
                approvals.settle_item(self, run, wi, t, actor_rec["Id"], "Approved",
                                      ReviewedById=actor_rec["Id"], ReviewedDate=t)
                self.log(run, "EndWorkItem", t, stage=stage_name, step=step["Name"],
                         actor=actor_rec["Username"], duration=(t - wi["CreatedDate"]) // 1000,
                         comments=self.rng.choice((None, None, "Looks good", "Approved 👍")))
        self._update(STEP, step, t, Status="Completed")
        self.log(run, "EndStep", t, stage=stage_name, step=step["Name"],
                 duration=(t - step["CreatedDate"]) // 1000)
        stage = self.store.get(STAGE, step["StageInstanceId"])
        if stage is None or any(s["Status"] == "InProgress" for s in self.steps(stage)):
            return
        self.complete_stage(run, orch, stage, t)

    def complete_stage(self, run: Record, orch: OrchestrationDef | None, stage: Record,
                       t: int) -> None:
        self._update(STAGE, stage, t, Status="Completed")
        self.tracked(STAGE, stage["Id"], "InProgress", "Completed", t, self.auto_id)
        self.log(run, "EndStage", t, stage=stage["Name"],
                 duration=(t - stage["CreatedDate"]) // 1000)
        nxt = stage["Position"]
        if orch is not None and nxt < len(orch.stages):
            self.start_stage(run, orch, nxt, t)
        else:
            self.finish_run(run, t)

    def finish_run(self, run: Record, t: int) -> None:
        self._update(RUN, run, t, Status="Completed", CurrentStage=None,
                     Duration=(t - run["CreatedDate"]) // 1000)
        self.tracked(RUN, run["Id"], "InProgress", "Completed", t, self.auto_id)
        self.log(run, "EndInstance", t, duration=(t - run["CreatedDate"]) // 1000)
        approvals.set_submission(self, run, t, self.auto_id, "Approved")
        iv = self.store.get(INTERVIEW, run["InterviewId"])
        if iv is not None:
            self._update(INTERVIEW, iv, t, InterviewStatus="Completed")

    def fail_run(self, run: Record, t: int, text: str) -> None:
        stage = self.current_stage(run)
        if stage is None:
            return
        running = [s for s in self.steps(stage) if s["Status"] == "InProgress"]
        if not running:
            return
        background = [s for s in running if s["StepType"] != "InteractiveStep"]
        failing = (background or running)[0]  # the first automated step, as Planner assumes
        text = failure_text(text, run["Id"], failing["Name"], t, self.deployed_at)
        self._update(STEP, failing, t, Status="Error")
        self.log(run, "FailStep", t, stage=stage["Name"], step=failing["Name"])
        for s in running:
            if s is not failing:
                self._update(STEP, s, t, Status="Discontinued")
                self.log(run, "DiscontinueStep", t, stage=stage["Name"], step=s["Name"])
            for wi in self.work_items(s):
                if wi["Status"] == "Assigned":
                    self._update(WORK, wi, t, Status="Completed")
                    approvals.settle_item(self, run, wi, t, self.auto_id, "Canceled")
        old = stage["Status"]
        self._update(STAGE, stage, t, Status="Error")
        self.tracked(STAGE, stage["Id"], old, "Error", t, self.auto_id)
        self.log(run, "FailStage", t, stage=stage["Name"])
        old_run = run["Status"]
        self._update(RUN, run, t, Status="Error", CurrentStage=stage["Name"],
                     Duration=(t - run["CreatedDate"]) // 1000)
        self.tracked(RUN, run["Id"], old_run, "Error", t, self.auto_id)
        self.log(run, "FailInstance", t, stage=stage["Name"], step=failing["Name"])
        iv = self.store.get(INTERVIEW, run["InterviewId"])
        if iv is not None:
            self._update(INTERVIEW, iv, t, InterviewStatus="Error", Error=text,
                         CurrentElement=failing["Name"])
        approvals.set_submission(self, run, t, self.auto_id, "Error")

    def cancel_run(self, run: Record, t: int, by: str) -> None:
        stage = self.current_stage(run)
        if stage is not None:
            for s in self.steps(stage):
                if s["Status"] in ("InProgress", "Suspended"):
                    self._update(STEP, s, t, by, Status="Canceled")
                    for wi in self.work_items(s):
                        if wi["Status"] == "Assigned":
                            self._update(WORK, wi, t, by, Status="Completed")
                            approvals.settle_item(self, run, wi, t, by, "Canceled")
            old = stage["Status"]
            self._update(STAGE, stage, t, by, Status="Canceled")
            self.tracked(STAGE, stage["Id"], old, "Canceled", t, by)
        old_run = run["Status"]
        self._update(RUN, run, t, by, Status="Canceled",
                     Duration=(t - run["CreatedDate"]) // 1000)
        self.tracked(RUN, run["Id"], old_run, "Canceled", t, by)
        user = self.store.get("User", by)
        self.log(run, "CancelInstance", t, actor=user["Username"] if user else None)
        approvals.set_submission(self, run, t, by, "Canceled")

    def suspend_run(self, run: Record, t: int) -> None:
        """Suspend a run: its stage and the stage's running steps are Suspended too."""
        stage = self.current_stage(run)
        self._update(RUN, run, t, self.admin_id, Status="Suspended")
        self.tracked(RUN, run["Id"], "InProgress", "Suspended", t, self.admin_id)
        self.log(run, "SuspendInstance", t)
        if stage is not None:
            self._update(STAGE, stage, t, self.admin_id, Status="Suspended")
            for s in self.steps(stage):
                if s["Status"] == "InProgress":
                    self._update(STEP, s, t, self.admin_id, Status="Suspended")
            self.log(run, "SuspendStage", t, stage=stage["Name"])
        approvals.set_submission(self, run, t, self.admin_id, "Suspended")

    def resume_run(self, run: Record, t: int) -> None:
        stage = self.current_stage(run)
        self._update(RUN, run, t, self.admin_id, Status="InProgress")
        self.tracked(RUN, run["Id"], "Suspended", "InProgress", t, self.admin_id)
        self.log(run, "ResumeInstance", t)
        if stage is not None:
            self._update(STAGE, stage, t, self.admin_id, Status="InProgress")
            for s in self.steps(stage):
                if s["Status"] == "Suspended":
                    self._update(STEP, s, t, self.admin_id, Status="InProgress")
        approvals.set_submission(self, run, t, self.admin_id, "InProgress")

    def discontinue_run(self, run: Record, t: int) -> None:
        """The run is discontinued (its orchestration stopped it): the running stage and its
        running steps are Discontinued, open work items Completed, later stages stay
        NotStarted."""
        stage = self.current_stage(run)
        if stage is not None:
            for s in self.steps(stage):
                if s["Status"] == "InProgress":
                    self._update(STEP, s, t, Status="Discontinued")
                    self.log(run, "DiscontinueStep", t, stage=stage["Name"], step=s["Name"])
                    for wi in self.work_items(s):
                        if wi["Status"] == "Assigned":
                            self._update(WORK, wi, t, Status="Completed")
                            approvals.settle_item(self, run, wi, t, self.auto_id, "Canceled")
            old = stage["Status"]
            self._update(STAGE, stage, t, Status="Discontinued")
            self.tracked(STAGE, stage["Id"], old, "Discontinued", t, self.auto_id)
            self.log(run, "DiscontinueStage", t, stage=stage["Name"])
        old_run = run["Status"]
        self._update(RUN, run, t, Status="Discontinued",
                     Duration=(t - run["CreatedDate"]) // 1000)
        self.tracked(RUN, run["Id"], old_run, "Discontinued", t, self.auto_id)
        approvals.set_submission(self, run, t, self.auto_id, "Canceled")

    def reassign(self, run: Record, wi: Record, assignee: Record, t: int, by: str) -> None:
        is_user = assignee["Id"].startswith("005")
        old = self.store.find(wi["AssigneeId"])
        self._update(WORK, wi, t, by, AssigneeId=assignee["Id"],
                     OwnerId=assignee["Id"] if is_user else self.auto_id, _AssignedAt=t)
        approvals.reassign_item(self, run, wi, assignee["Id"], t, by)
        step = self.store.get(STEP, wi["StepInstanceId"]) if wi["StepInstanceId"] else None
        self.log(run, "ReassignWorkItem", t,
                 stage=step["OrchestrationStageName"] if step else None,
                 step=step["Name"] if step else None, assignee=assignee["Name"],
                 assignee_type="User" if is_user else (
                     "Queue" if assignee.get("Type") == "Queue" else "Group"),
                 comments=f"Reassigned from {old[1]['Name']}" if old else None)

    def chatter(self, run: Record, t: int) -> None:
        ftype, body, rich = self.rng.choice(POSTS)
        by = self.rng.choice(self.active_people)["Id"]
        link = "https://help.example.com/runbooks/orchestration-errors" if ftype == "LinkPost" \
            else None
        target_obj, target = RUN, run["Id"]
        stage = self.current_stage(run)
        if stage is not None and self.rng.random() < 0.4:
            target_obj, target = STAGE, stage["Id"]
        self.post(target_obj, target, t, by, ftype, body, rich, link=link,
                  comments=self.rng.randint(0, 3))


_PLANNED_STEPS: dict[Any, list[Record]] = {}  # what Planner.steps answers, per stage definition


class Planner:
    """Plays a generated run's fate the way Lifecycle does, but keeps only the run and
    interview rows: what they end up as, and `horizon`, the latest moment any other record
    of the run is stamped with.
    It answers the calls DemoOrg._play_history makes; the run row must come out exactly as
    Lifecycle leaves it (tests replay thousands of runs both ways and compare)."""

    def __init__(self, admin_id: str, auto_id: str) -> None:
        self.admin_id = admin_id
        self.auto_id = auto_id
        self.horizon = 0
        self.stage_index = 0
        self.open_steps = 0
        self.done = False
        self.deployed_at: int | None = None
        self.orch: OrchestrationDef | None = None
        self.run: Record = {}
        self.interview: Record = {}

    def start(self, interview: Record, run: Record, orch: OrchestrationDef) -> None:
        self.interview, self.run, self.orch = interview, run, orch
        self.horizon = run["CreatedDate"]
        self._enter(0, run["CreatedDate"])

    def _enter(self, index: int, t: int) -> None:
        assert self.orch is not None
        self.stage_index = index
        self.open_steps = len(self.orch.stages[index].steps)
        self._touch(t, self.auto_id, CurrentStage=self.orch.stages[index].name)

    def _touch(self, t: int, by: str, rec: Record | None = None, **changes: Any) -> None:
        rec = self.run if rec is None else rec
        rec.update(changes)
        rec["LastModifiedDate"] = rec["SystemModstamp"] = t
        rec["LastModifiedById"] = by
        self.horizon = max(self.horizon, t)

    def current_stage(self, run: Record) -> Record | None:
        return None if self.done else {"Position": self.stage_index + 1}

    def steps(self, stage: Record) -> list[Record]:
        assert self.orch is not None
        sdef = self.orch.stages[self.stage_index]
        found = _PLANNED_STEPS.get(sdef)
        if found is None:
            found = _PLANNED_STEPS[sdef] = [
                {"Id": k, "StepType": "InteractiveStep" if st.interactive else "BackgroundStep"}
                for k, st in enumerate(sdef.steps)]
        return found

    def complete_step(self, run: Record, orch: OrchestrationDef, step: Record, t: int) -> None:
        # _play_history completes each step of a stage once
        if t > self.horizon:
            self.horizon = t
        self.open_steps -= 1
        if self.open_steps:
            return
        if self.stage_index + 1 < len(orch.stages):
            self._enter(self.stage_index + 1, t)
        else:
            self.done = True
            self._touch(t, self.auto_id, Status="Completed", CurrentStage=None,
                        Duration=(t - run["CreatedDate"]) // 1000)
            self._touch(t, self.auto_id, self.interview, InterviewStatus="Completed")

    def fail_run(self, run: Record, t: int, text: str) -> None:
        assert self.orch is not None
        self.done = True
        sdef = self.orch.stages[self.stage_index]
        failing = next((st for st in sdef.steps if not st.interactive), sdef.steps[0])
        text = failure_text(text, run["Id"], failing.name, t, self.deployed_at)
        self._touch(t, self.auto_id, Status="Error", CurrentStage=sdef.name,
                    Duration=(t - run["CreatedDate"]) // 1000)
        self._touch(t, self.auto_id, self.interview, InterviewStatus="Error", Error=text,
                    CurrentElement=failing.name)

    def cancel_run(self, run: Record, t: int, by: str) -> None:
        self.done = True
        self._touch(t, by, Status="Canceled", Duration=(t - run["CreatedDate"]) // 1000)

    def suspend_run(self, run: Record, t: int) -> None:
        self.done = True
        self._touch(t, self.admin_id, Status="Suspended")

    def discontinue_run(self, run: Record, t: int) -> None:
        self.done = True
        self._touch(t, self.auto_id, Status="Discontinued",
                    Duration=(t - run["CreatedDate"]) // 1000)

    def chatter(self, run: Record, t: int) -> None:
        # a post at t, and up to three comments seven minutes apart
        self.horizon = max(self.horizon, t + 3 * 7 * 60_000)
