"""DemoOrg: the demo org's data, sessions, API accounting, faults and live simulation."""

from __future__ import annotations

import gc
import json
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, system_clock
from .demo_data import (
    DAY_MS,
    DEPLOY_AGO_MS,
    DRIFT_AGO_MS,
    ERROR_TEXTS,
    HOUR_MS,
    MIN_MS,
    ORCHESTRATIONS,
    PREVIOUS_VERSIONS,
    OrchestrationDef,
    build_context_records,
    build_people,
    definition_at,
)
from .faults import Faults
from .ids import BlockMinter, IdMinter
from .lifecycle import INTERVIEW, RUN, RUN_PARTS, Lifecycle, Planner, definition_of
from .permissions import ALL as ALL_PERMISSIONS
from .permissions import hidden_objects
from .schema import CONTEXT_OBJECTS, KeyPrefixes, Schema
from .store import Deferred, Journal, Record, Store, visible_at

DEFAULT_API_LIMIT = 100_000
DETAIL_SEED = 0x5DEECE66D  # a generated run's record-level draws: its seed xor this
# Autonumbers each generated run may use (OR-, FI-, WI-, OL- names), in blocks like its Ids.
AUTONUMBER_BLOCKS = {"run": 1, "interview": 1, "work": 16, "log": 128, "submission": 1,
                     "approval_item": 16}
# Fields kept only for the simulation; never served, never dumped.
PRIVATE = "_"


# Polymorphic fields that, in this org's data, only ever hold Ids of runs or their parts
# (comments sit on run and stage feeds), although their describe lists other targets too.
_POLYMORPHIC_RUN_LINKS = frozenset({("FeedComment", "FeedItemId"), ("FeedComment", "ParentId")})


def never_started(seed: int) -> bool:
    """A generated run that was created and never started (1 in 64: NotStarted, its stages
    NotStarted, no steps), decided by its seed alone so that neither its fate's draws nor
    any other run's change."""
    return seed % 64 == 0


def _block_counters(index: int) -> dict[str, int]:
    return {kind: index * size for kind, size in AUTONUMBER_BLOCKS.items()}


@dataclass
class Session:
    token: str
    user_id: str
    issued_ms: int
    calls: int = 0
    valid: bool = True


@dataclass
class LoggedRequest:
    method: str
    path: str
    soql: str | None
    status: int
    request_bytes: int
    response_bytes: int
    counted: int


@dataclass
class Credentials:
    """Who may log in, and with what (the demo org's connected app and users)."""

    username: str = "admin@flowstage-demo.example"
    password: str = "demo-password"
    security_token: str = "DEMOTOKEN"
    client_id: str = "3MVG9flowstage.demo.consumer.key"
    client_secret: str = "flowstage-demo-secret"
    jwt_certificate_pem: bytes | None = None  # public cert/key checked on JWT bearer logins
    refresh_tokens: set[str] = field(default_factory=set)


class DemoOrg:
    """A whole Salesforce org in memory. Thread-safe: every request takes `lock`."""

    def __init__(
        self,
        *,
        seed: int = 7,
        runs: int = 300,
        clock: Clock | None = None,
        frozen: bool = False,
        feed_history: bool = True,
        run_log_access: bool = True,
        pace: float = 3.0,
        prefixes: KeyPrefixes | None = None,
        data: dict[str, Any] | None = None,
        api_limit: int = DEFAULT_API_LIMIT,
        max_version: float = 66.0,
        token: str | None = None,
        clock_skew: float = 0.0,
        user_perms: frozenset[str] | None = None,
    ) -> None:
        self.clock = clock or system_clock
        self.seed = seed
        self.frozen = frozen
        self.pace = pace
        self.schema = Schema(feed_history=feed_history, prefixes=prefixes,
                             run_log_access=run_log_access)
        self.store = Store()
        self.lock = self.store.lock
        self.minter = IdMinter()
        self.rng = random.Random(seed)
        self.faults = Faults()
        # the org's clock from the start: its generated history ends at its own "now"
        self.faults.update(clock_skew_seconds=clock_skew)
        self.fault_rng = random.Random(seed ^ 0x5EED)
        self.max_version = max_version
        self.api_limit = api_limit
        self.api_used = 0
        self.request_log: list[LoggedRequest] = []
        self.sessions: dict[str, Session] = {}
        self.credentials = Credentials()
        self.permissions: frozenset[str] = ALL_PERMISSIONS
        self.set_permissions(ALL_PERMISSIONS if user_perms is None else user_perms)
        # Runs the live simulation leaves alone: the demo data's stuck work stays stuck
        # until someone fixes it (triage_data).
        self.pinned: set[str] = set()
        now = self.now_ms()
        collecting = gc.isenabled()
        gc.disable()  # generation allocates millions of objects that all stay alive
        try:
            if data is not None:
                self._load(data)
            else:
                self._generate(runs, now)
        finally:
            if collecting:
                gc.enable()
        self.sim_ms = now
        self.next_event_ms = now + self._gap()
        self.fixed_token = token
        if runs >= 10_000 or (data is not None and len(data.get("records", data)) > 0):
            # Millions of long-lived records: keep them out of the cyclic collector's full
            # passes, which otherwise stall every request that allocates (seconds at 100k runs).
            gc.collect()
            gc.freeze()
        if token:
            self.sessions[token] = Session(token, self.admin_id, now)

    # ------------------------------------------------------------ time
    def now_ms(self) -> int:
        """The org's clock: the client's (the injected clock) shifted by clock_skew_seconds."""
        return int(self.clock() * 1000) + round(self.faults.clock_skew_seconds * 1000)

    def _commit_delay(self, at: int) -> int:
        """How long the transaction stamped `at` takes to commit: 0 to commit_lag_seconds,
        the same for every write it makes, drawn from the timestamp (and the seed) alone."""
        journal = self.store.journal
        lag = journal.lag_ms if journal is not None else 0
        return int(random.Random(at ^ self.seed).random() * lag)

    def _follow_commit_lag(self) -> None:
        lag_ms = round(self.faults.commit_lag_seconds * 1000)
        journal = self.store.journal
        if lag_ms <= 0:
            self.store.journal = None  # what was pending commits now
        elif journal is None:
            self.store.journal = Journal(lag_ms, self._commit_delay)
        else:
            journal.lag_ms = lag_ms

    def visible_store(self) -> Store:
        """The records a query sees now (under the lock, after tick): with a commit lag,
        without the writes that have not committed yet."""
        return visible_at(self.store, self.now_ms())

    # ------------------------------------------------------------ data
    def _generate(self, runs: int, now: int) -> None:
        """A month of runs. Each run's fate is played at once against a Planner, which keeps
        only the run row; its other records are written when first needed (store.Deferred),
        from the run's own seed and Id block, so the org is the same whatever reads it first.
        """
        users, queues, org, who = build_people(self.minter, now, self.rng)
        self._install_people(users, queues, org, who)
        owners = [u["Id"] for u in users if u["UserType"] == "Standard" and u["IsActive"]]
        for obj, recs in build_context_records(self.seed, now, owners, who["admin"]).items():
            self.store.bulk_insert(obj, recs)
        self._collect_contexts()
        span = 30 * DAY_MS
        rng = self.rng
        starts = sorted(now - int(rng.random() * span) for _ in range(runs))
        plans: list[tuple[OrchestrationDef, int, bool, int]] = []
        rows: list[Record] = []
        interviews: list[Record] = []
        horizons: list[int] = []
        lc = self.lifecycle
        lc.deployed_at = now - DEPLOY_AGO_MS  # the live simulation's failures follow it too
        lc.activated_at = now - DRIFT_AGO_MS
        saved = lc.minter, lc.counters
        try:
            for index, t0 in enumerate(starts):
                orch = definition_at(rng.choice(ORCHESTRATIONS), t0, lc.activated_at)
                debug = rng.random() < 0.02
                seed = rng.getrandbits(64)
                fate = random.Random(seed)
                planner = Planner(self.admin_id, self.auto_id)
                planner.deployed_at = lc.deployed_at
                # the Ids and names _write_children's replay will give it (see Lifecycle.scope)
                lc.minter, lc.counters = BlockMinter(self.minter, index), _block_counters(index)
                interview, run = lc.build_run(orch, t0, debug, fate)
                if never_started(seed):
                    run["Status"] = "NotStarted"  # as start_run(begin=False) leaves it
                    planner.horizon = t0
                else:
                    planner.start(interview, run, orch)
                    self._play_history(run, orch, t0, now, fate, planner)
                plans.append((orch, t0, debug, seed))
                rows.append(run)
                interviews.append(interview)
                horizons.append(planner.horizon)
        finally:
            lc.minter, lc.counters = saved
        self.store.bulk_insert(INTERVIEW, interviews)
        self.store.bulk_insert(RUN, rows)
        self._plans = plans
        self._generated_at = now
        self.minter.reserve_below(BlockMinter.SIZE * runs + self.minter.START)
        lc.counters = _block_counters(runs)
        self.store.run_parts = RUN_PARTS & {o.name for o in self.schema.objects.values()}
        self.store.run_links = {
            o.name: frozenset(f.name for f in o.fields.values()
                              if f.type == "id" or (o.name, f.name) in _POLYMORPHIC_RUN_LINKS
                              or (f.reference_to and set(f.reference_to) <= RUN_PARTS | {RUN}))
            for o in self.schema.objects.values() if o.name in RUN_PARTS}
        self._run_ids = [r["Id"] for r in rows]
        self.store.deferred = Deferred(horizons, self._write_children,
                                       [r["Status"] for r in rows])
        self._insert_orchestration_defs(now)
        self._install_triage(now)

    def _install_triage(self, now: int) -> None:
        from . import triage_data

        triage_data.install_people(self, now, random.Random(self.seed ^ triage_data.TRIAGE_SEED))
        if len(self._run_ids) < triage_data.STUCK_RUNS_FROM:
            return
        before = set(self.store.table(RUN).rows)
        triage_data.install_stuck_runs(self, now)
        self.pinned = set(self.store.table(RUN).rows) - before

    def set_permissions(self, perms: frozenset[str]) -> None:
        """What the API user may do from now on (permissions.py); objects it may not see
        leave the describes and SOQL at once."""
        self.permissions = frozenset(perms)
        self.schema.hide(hidden_objects(self.permissions))

    def write_all(self) -> None:
        """Write every generated run's records now (dump does; tests that read tables do)."""
        with self.lock:
            self.store.ensure_all()

    def _write_children(self, index: int) -> None:
        """Write a generated run's records by replaying its history through the Lifecycle,
        exactly as planned: the run row ends where the Planner left it."""
        orch, t0, debug, seed = self._plans[index]
        runs, interviews = self.store.table(RUN), self.store.table(INTERVIEW)
        run = runs.rows[self._run_ids[index]]
        interview = interviews.rows.get(run["InterviewId"])
        if interview is None:  # the simulation deleted it: write the rest with a stand-in
            interview = {}
        planned = (dict(interview), dict(run))
        generations = (interviews.generation, runs.generation)
        fate = random.Random(seed)
        lc = self.lifecycle
        with lc.scope(BlockMinter(self.minter, index), _block_counters(index),
                      random.Random(seed ^ DETAIL_SEED)):
            begin = not never_started(seed)
            lc.start_run(orch, t0, debug=debug, rng=fate, replay=(interview, run), begin=begin)
            if begin:
                self._play_history(run, orch, t0, self._generated_at, fate, lc)
        # rows that did not change keep the sorted views built on them
        if interview == planned[0]:
            interviews.generation = generations[0]
        if run == planned[1]:
            runs.generation = generations[1]
        # (a mismatch would be a Planner bug: the replayed rows win; tests compare the two)

    def _install_people(self, users: list[Record], queues: list[Record], org: Record,
                        who: dict[str, str]) -> None:
        self.store.bulk_insert("User", users)
        self.store.bulk_insert("Group", queues)
        self.store.bulk_insert("Organization", [org])
        self.org_id = org["Id"]
        self.admin_id = who["admin"]
        self.auto_id = who["auto"]
        self.lifecycle = Lifecycle(self.store, self.minter, self.rng,
                                   feed_history=self.schema.feed_history, admin_id=self.admin_id,
                                   auto_id=self.auto_id, users=users, queues=queues,
                                   prefixes=self.schema.prefixes)

    def _collect_contexts(self) -> None:
        """Tell the lifecycle which records runs may be triggered by or handed."""
        self.lifecycle.contexts = {
            obj: sorted(self.store.table(obj).rows) for obj in CONTEXT_OBJECTS
            if self.store.tables.get(obj) is not None and self.store.tables[obj].rows}

    def _insert_orchestration_defs(self, now: int) -> None:
        """One FlowOrchestration per definition, with its active FlowOrchestrationVersion."""
        runs = list(self.store.table(RUN).rows.values())
        kp = self.schema.prefixes
        obsolete: list[Record] = []
        for o in ORCHESTRATIONS:
            mine = [r for r in runs if r["OrchestrationDeveloperName"] == o.api_name]
            done = [r for r in mine if r["Status"] == "Completed"]
            orch_id = self.minter.mint(kp.orchestration)
            version_id = self.minter.mint(kp.orchestration_version)
            audit = {"IsDeleted": False, "CreatedById": self.admin_id,
                     "CreatedDate": now - 200 * DAY_MS, "LastModifiedById": self.admin_id,
                     "LastModifiedDate": now - 20 * DAY_MS, "SystemModstamp": now - 20 * DAY_MS}
            common = {"OrchestrationType": o.flow_type, "Status": "Active", "Description": None,
                      "IsTemplate": False, "SourceTemplateId": None, "IsOverridable": False,
                      "OverriddenById": None, "OverriddenOrchestrationId": None,
                      "LastViewedDate": None, "LastReferencedDate": None}
            trigger = "RecordAfterSave" if "RecTrig" in o.flow_type else "None"
            self.store.insert("FlowOrchestration", {
                "Id": orch_id, "Name": o.label, "ApiName": o.api_name,
                "OrchestrationLabel": o.label, "OrchestrationDefinition": None,
                "TriggerType": trigger, "NamespacePrefix": None, "ManageableState": "unmanaged",
                "ActiveVersionId": version_id, "IsCitizenEnabled": False,
                "InstalledPackageName": None, "RunCount": len(mine),
                "CompletionRate": round(100 * len(done) / len(mine), 2) if mine else None,
                "AverageRunTime": None, "ApiVersion": 62,
                "FailedRunCount": sum(r["Status"] == "Error" for r in mine),
                **common, **audit})
            prev = PREVIOUS_VERSIONS.get(o.api_name)
            activated = now - (DRIFT_AGO_MS if prev is not None else 20 * DAY_MS)
            self.store.insert("FlowOrchestrationVersion", {
                "Id": version_id, "Name": o.label, "FlowOrchestrationId": orch_id,
                "VersionNumber": o.version, "ActivatedById": self.admin_id,
                "ActivatedDate": activated, "RunInMode": "DefaultMode",
                "ApiVersion": 62.0, "TriggerObjectOrEventLabel": o.trigger_object,
                **common, **audit})
            if prev is not None:  # the version it replaced mid-month, now Obsolete
                obsolete.append({
                    "Name": o.label, "FlowOrchestrationId": orch_id,
                    "VersionNumber": prev.version, "ActivatedById": self.admin_id,
                    "ActivatedDate": now - 90 * DAY_MS, "RunInMode": "DefaultMode",
                    "ApiVersion": 62.0, "TriggerObjectOrEventLabel": o.trigger_object,
                    **common, **audit, "Status": "Obsolete"})
        for row in obsolete:  # minted last: the other versions keep their Ids
            self.store.insert("FlowOrchestrationVersion",
                              {"Id": self.minter.mint(kp.orchestration_version), **row})

    def _play_history(self, run: Record, orch: Any, t0: int, now: int, rng: random.Random,
                      lc: Any) -> None:
        """Play a run from its start until now with a randomly chosen fate, against the
        Lifecycle (writing records) or a Planner (keeping only the run row)."""
        fate = rng.random()
        # Error 10%, Canceled 4%, Suspended 3%, Discontinued 2%, the rest run until done (or
        # until now). (NotStarted runs, 1.5%, are never played: see never_started.)
        fail_at = rng.randrange(len(orch.stages)) if fate < 0.10 else None
        cancel_at = rng.randrange(len(orch.stages)) if 0.10 <= fate < 0.14 else None
        suspend_at = rng.randrange(len(orch.stages)) if 0.14 <= fate < 0.17 else None
        discontinue_at = rng.randrange(len(orch.stages)) if 0.17 <= fate < 0.19 else None
        stall = fate > 0.985  # stuck on an inactive user for weeks
        t = t0
        for index in range(len(orch.stages)):
            stage = lc.current_stage(run)
            if stage is None:
                return
            if index == fail_at:
                t += rng.randint(5_000, 20 * MIN_MS)
                if t >= now:
                    return
                lc.fail_run(run, t, rng.choice(ERROR_TEXTS))
                if rng.random() < 0.5:
                    lc.chatter(run, t + rng.randint(MIN_MS, 3 * HOUR_MS))
                return
            if index in (cancel_at, suspend_at, discontinue_at):
                t += rng.randint(MIN_MS, 6 * HOUR_MS)
                if t >= now:
                    return
                if index == cancel_at:
                    lc.cancel_run(run, t, self.admin_id)
                elif index == suspend_at:
                    lc.suspend_run(run, t)
                else:
                    lc.discontinue_run(run, t)
                return
            steps = lc.steps(stage)  # in creation order
            ends = []
            for s in steps:
                if s["StepType"] == "InteractiveStep":
                    ends.append(t + rng.randint(20 * MIN_MS, 2 * DAY_MS))
                else:
                    ends.append(t + rng.randint(2_000, 10 * MIN_MS))
            for s, end in sorted(zip(steps, ends, strict=True), key=lambda p: p[1]):
                if end >= now or (stall and s["StepType"] == "InteractiveStep"):
                    return
                lc.complete_step(run, orch, s, end)
            t = max(ends)
            if rng.random() < 0.08:
                lc.chatter(run, t)

    def _load(self, data: dict[str, Any]) -> None:
        """Load an org written by `flowstage demo dump` or `flowstage snapshot`."""
        from .clock import sf_to_ms
        from .soql_exec import DERIVED

        records = data.get("records", data)
        dt_fields: dict[str, set[str]] = {}
        for obj in self.schema.objects.values():
            dt_fields[obj.name] = {f.name for f in obj.fields.values() if f.type == "datetime"}
        users = queues = None
        org = None
        for name, rows in records.items():
            found_obj = self.schema.get(name, 99.0)
            if found_obj is None:
                continue  # e.g. Feed/History rows loaded into an org without tracking
            obj = found_obj
            parsed = []
            for row in rows:
                rec = {k: v for k, v in row.items() if k != "attributes"}
                for k in dt_fields[obj.name] & rec.keys():
                    if isinstance(rec[k], str):
                        rec[k] = sf_to_ms(rec[k])
                for f in obj.fields.values():
                    if (obj.name, f.name) not in DERIVED:
                        rec.setdefault(f.name, False if f.type == "boolean" else None)
                for derived_obj, derived_field in DERIVED:
                    if derived_obj == obj.name and derived_field != "Duration":
                        rec.pop(derived_field, None)
                self.minter.bump_past(rec["Id"])
                parsed.append(rec)
            if obj.name == "FlowOrchestrationWorkItem":
                for rec in parsed:
                    rec["_AssignedAt"] = rec["LastModifiedDate"]
            if obj.name == RUN:
                for rec in parsed:
                    rec["_Version"] = 1
            self.store.bulk_insert(obj.name, parsed)
            if obj.name == "User":
                users = parsed
            elif obj.name == "Group":
                queues = [g for g in parsed if g.get("Type") == "Queue"]
            elif obj.name == "Organization":
                org = parsed[0] if parsed else None
        if not users or org is None:
            raise ValueError("the data file needs at least one User and the Organization row")
        admin = next((u for u in users if u.get("UserType") == "Standard" and u.get("IsActive")),
                     users[0])
        auto = next((u for u in users if u.get("UserType") == "AutomatedProcess"), admin)
        self._install_people(users, queues or [], org, {"admin": admin["Id"], "auto": auto["Id"]})
        self._collect_contexts()
        from .triage_data import TRIAGE_SEED, install_people

        # an older dump has no logins or memberships: give it the generated kind
        install_people(self, self.now_ms(), random.Random(self.seed ^ TRIAGE_SEED))
        # Keep the org's own rows (already inserted) as they are.
        self.store.tables["User"].rows.update({u["Id"]: u for u in users})

    def dump(self) -> dict[str, Any]:
        """The org's data as JSON-ready records keyed by object API name."""
        from .clock import ms_to_sf

        out: dict[str, list[dict[str, Any]]] = {}
        with self.lock:
            self.store.ensure_all()
            for obj in sorted(self.schema.objects.values(), key=lambda o: o.name):
                table = self.store.tables.get(obj.name)
                if table is None or not table.rows:
                    continue
                dts = {f.name for f in obj.fields.values() if f.type == "datetime"}
                rows = []
                for rec in table.rows.values():
                    row = {}
                    for k, v in rec.items():
                        if k.startswith(PRIVATE):
                            continue
                        row[k] = ms_to_sf(v) if k in dts and v is not None else v
                    rows.append(row)
                out[obj.name] = rows
        return {"format": "flowstage-demo-org/1", "records": out}

    def dump_json(self) -> str:
        return json.dumps(self.dump(), ensure_ascii=False, indent=1)

    # ------------------------------------------------------------ sessions
    def new_session(self, user_id: str | None = None) -> Session:
        token = f"{self.org_id[:15]}!{secrets.token_urlsafe(48)}"
        s = Session(token, user_id or self.admin_id, self.now_ms())
        self.sessions[token] = s
        return s

    def check_session(self, token: str) -> Session | None:
        s = self.sessions.get(token)
        if s is None or not s.valid:
            return None
        f = self.faults
        if f.session_expiry_calls and s.calls >= f.session_expiry_calls:
            s.valid = False
        if f.session_expiry_seconds and self.now_ms() - s.issued_ms > f.session_expiry_seconds * 1000:
            s.valid = False
        if not s.valid:
            if token == self.fixed_token:
                # A fixed token (demo serve --token) comes back to life for the next client,
                # as if its holder had logged in again.
                self.sessions[token] = Session(token, s.user_id, self.now_ms())
            return None
        return s

    def issue_refresh_token(self) -> str:
        """A refresh token, as a web-server or device flow would have handed out."""
        token = "5Aep" + secrets.token_urlsafe(40)
        self.credentials.refresh_tokens.add(token)
        return token

    # ------------------------------------------------------------ simulation
    def _gap(self) -> int:
        return max(1, int(self.rng.expovariate(1.0 / max(self.pace, 0.001)) * 1000))

    def tick(self) -> None:
        """Bring the simulation up to the clock. Called under the lock on every request."""
        now = self.now_ms()
        self._follow_commit_lag()
        # the recycle bin empties after 15 days whether or not anything happens meanwhile
        self.store.purge_deleted_before(now - 15 * DAY_MS)
        if self.frozen:
            self.sim_ms = now
            return
        done = 0
        while self.next_event_ms <= now and done < 500:
            self._event(self.next_event_ms)
            self.next_event_ms += self._gap()
            done += 1
        if self.next_event_ms <= now:  # a long jump: skip what we could not play
            self.next_event_ms = now + self._gap()
        self.sim_ms = now

    def _open_runs(self) -> list[Record]:
        pinned = self.pinned
        return [r for r in self.store.table(RUN).rows.values()
                if r["Status"] == "InProgress" and r["Id"] not in pinned]

    def _event(self, t: int) -> None:
        rng = self.rng
        lc = self.lifecycle
        roll = rng.random()
        if roll < 0.22:
            lc.start_run(rng.choice(ORCHESTRATIONS), t)
            return
        open_runs = self._open_runs()
        if not open_runs:
            lc.start_run(rng.choice(ORCHESTRATIONS), t)
            return
        run = open_runs[rng.randrange(len(open_runs))]
        orch = definition_of(run)
        stage = lc.current_stage(run)
        if roll < 0.72:
            if stage is None:
                return
            running = [s for s in lc.steps(stage) if s["Status"] == "InProgress"]
            if running:
                lc.complete_step(run, orch, rng.choice(running), t)
        elif roll < 0.80:
            lc.fail_run(run, t, rng.choice(ERROR_TEXTS))
        elif roll < 0.86 and stage is not None:
            items = [w for s in lc.steps(stage) for w in lc.work_items(s)
                     if w["Status"] == "Assigned"]
            if items:
                wi = rng.choice(items)
                pool = lc.active_people + lc.queues
                lc.reassign(run, wi, rng.choice(pool), t, self.admin_id)
        elif roll < 0.93:
            lc.chatter(run, t)
        elif roll < 0.95:
            lc.cancel_run(run, t, self.admin_id)
        elif roll < 0.97:
            suspended = [r for r in self.store.table(RUN).rows.values()
                         if r["Status"] == "Suspended" and r["Id"] not in self.pinned]
            if suspended:
                lc.resume_run(rng.choice(suspended), t)
            else:
                lc.suspend_run(run, t)
        else:
            self._delete_something(t)

    def _delete_something(self, t: int) -> None:
        """Now and then a record disappears: a run's feed item, or a finished run's interview
        (chosen through the runs, which are all in memory, so held-back runs stay held)."""
        rng = self.rng
        runs = list(self.store.table(RUN).rows.values())
        if not runs:
            return
        run = rng.choice(runs)
        feed = "FlowOrchestrationInstanceFeed"
        if rng.random() < 0.5 and self.schema.get(feed, 99.0) is not None:
            posts = self.store.children(feed, "ParentId", run["Id"])
            if posts:
                self.store.delete(feed, rng.choice(posts)["Id"], t)
            return
        if run["Status"] == "Completed":
            interview = self.store.get(INTERVIEW, run["InterviewId"])
            if interview is not None:
                self.store.delete(INTERVIEW, interview["Id"], t)

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self.lock:
            self.tick()
            yield


