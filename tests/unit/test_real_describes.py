"""The demo org's describes held to real orgs' describes (tests/fixtures/real-describes/).

Every object the demo org serves at v55, v60, v62, v63, v65 and v66 is described through its
REST API and compared with the fixtures, not with its own schema: which objects and fields
exist at that version (see tests/real_describes.py for how versions are read), and per field
`type`, `referenceTo`, `relationshipName`, `nillable`, `filterable`, `groupable`, `sortable`,
`aggregatable` and the active picklist values, and the child relationships. Every difference
must be listed in DEVIATIONS with its reason, and every listed deviation must still occur.

Picklists are compared with the newest describe at every version: the dumps carry no
version, so their values cannot be dated. Labels and lengths are not compared (no English
source for every label; the dumps have no lengths).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from flowstage_tui.emulator.adapter import DEMO_ORIGIN, demo_session
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from tests.real_describes import FIXTURES, fields_table, real_objects

VERSIONS = (55.0, 60.0, 62.0, 63.0, 65.0, 66.0)
TOKEN = "real-describes-test"
ATTRS = ("type", "relationshipName", "nillable", "filterable", "groupable", "sortable",
         "aggregatable")
TRACKING = ("FlowOrchestrationInstanceFeed", "FlowOrchestrationInstanceHistory",
            "FlowOrchestrationStageInstanceFeed", "FlowOrchestrationStageInstanceHistory")

Key = tuple[str, str, str]  # (object, field or child relationship or "", what differs)

_MULTI_CURRENCY = ("exists only where multi-currency is switched on (the stubs' scratch org, "
                   "Pokeorg); the demo org is a single-currency org")
_DIVISIONS = "exists only where divisions are switched on; the demo org has none"
_ORG_POLYMORPHIC = ("the real list is the org's own set of 80-600 types (installed packages, "
                    "custom objects); the demo org lists the few it models, all in the real list")

# Differences every demo org shows (both kinds), each with its reason.
DEVIATIONS: dict[Key, str] = {
    **{(o, "CurrencyIsoCode", "field: missing"): _MULTI_CURRENCY for o in (
        "FlowOrchestrationInstance", "FlowOrchestrationStageInstance",
        "FlowOrchestrationStepInstance", "FlowOrchestrationLog", "FlowOrchestration",
        "FlowOrchestrationVersion")},
    **{(f"{o}Share", "Division", "field: missing"): _DIVISIONS for o in (
        "FlowOrchestrationInstance", "FlowOrchestrationStageInstance",
        "FlowOrchestrationStepInstance", "FlowOrchestrationWorkItem")},
    **{("FlowInterview", f, "field: missing"): (
        "in the Apex stubs only: no real describe lists it, not even of orgs at releases whose "
        "stubs have it (the v62 orgs, Pokeorg)") for f in (
        "CurrentFlowVersion", "MasterFlowVersion", "SerializedView")},
    **{(o, "", "object: demo only"): (
        "a context record type: every real RelatedRecordId lists it (and AccountHistory is in "
        "all 17 global describes), but the fixtures hold no describe of these CRM objects; "
        "the demo org serves a few fields of each so work items' context records resolve")
       for o in ("Account", "Contact", "Case", "Opportunity")},
    ("FlowOrchestrationWorkItem", "RelatedRecordId", "referenceTo ⊂"): _ORG_POLYMORPHIC,
    ("FeedComment", "ParentId", "referenceTo ⊂"): _ORG_POLYMORPHIC,
    ("FeedComment", "FeedItemId", "referenceTo ⊂"): _ORG_POLYMORPHIC,
    **{(o, f, "picklist ⊂"): (
        "the values are the org's own flows; the demo org declares none (unrestricted)")
       for o, f in (("FlowOrchestrationWorkItem", "ScreenFlow"),
                    ("FlowOrchestrationInstance", "FlowDefinitionVersionName"))},
    **{(o, f, "picklist ⊂"): (
        "hundreds of platform locale/time-zone values that flowstage never reads; the demo "
        "org declares none (unrestricted)") for o, f in (
        ("User", "TimeZoneSidKey"), ("User", "LocaleSidKey"), ("User", "LanguageLocaleKey"),
        ("Organization", "TimeZoneSidKey"), ("Organization", "DefaultLocaleSidKey"),
        ("Organization", "LanguageLocaleKey"))},
    **{(o, "", "object: demo only"): (
        "no describe of it is among the fixtures; its fields are the object reference's and "
        "the apex-dev-tools stubs' (schema_triage.py)")
       for o in ("ApprovalSubmission", "ApprovalWorkItem", "GroupMember", "UserLogin")},
}

# Only in the org that turned feed and history tracking on (`flowstage --demo`, the default):
# no real global describe lists these objects (tracking is off in all 17 real orgs), but an
# org that switches it on has them, and flowstage must work with them too.
TRACKING_DEVIATIONS: dict[Key, str] = {
    **{(o, "", "object: demo only"): "an org with feed/history tracking on" for o in TRACKING},
    **{(parent, rel, "child: demo only"): f"the {rel} of an org with tracking on"
       for parent in ("FlowOrchestrationInstance", "FlowOrchestrationStageInstance")
       for rel in ("Feeds", "Histories")},
    ("FeedComment", "ParentId", "referenceTo ≠"): (
        "with tracking on, comments sit on runs and stages, which no real (tracking-off) "
        "org's list has"),
    ("FeedComment", "FeedItemId", "referenceTo ≠"): (
        "with tracking on, comments sit on the run and stage feeds, which no real "
        "(tracking-off) org's list has"),
}


def expected_deviations(feed_history: bool) -> dict[Key, str]:
    if not feed_history:
        return DEVIATIONS
    # With tracking on, FeedComment's lists add the run and stage (feeds) instead of being a
    # mere subset of the real lists.
    return {**{k: v for k, v in DEVIATIONS.items() if k[0] != "FeedComment"},
            **TRACKING_DEVIATIONS}


# ------------------------------------------------------------------ the demo org's describes
def _org(clock: ManualClock, **kw: Any) -> DemoOrg:
    return DemoOrg(seed=3, runs=4, clock=clock, frozen=True, token=TOKEN, **kw)


def _get(s: requests.Session, version: float, path: str) -> Any:
    r = s.get(f"{DEMO_ORIGIN}/services/data/v{version:.1f}/{path}",
              headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, (path, r.status_code, r.text[:200])
    return r.json()


def demo_describes(org: DemoOrg, version: float) -> dict[str, dict[str, Any]]:
    """Every object the demo org lists and models at this version, described through its REST
    API. (The global describe also lists a real org's other objects, which the demo org does
    not model: tests/unit/test_global_describe_size.py.)"""
    s = demo_session(org)
    names = [o["name"] for o in _get(s, version, "sobjects/")["sobjects"]]
    return {n: _get(s, version, f"sobjects/{n}/describe") for n in names
            if org.schema.get(n, version) is not None}


# ------------------------------------------------------------------ the comparison
def _compare_list(key: tuple[str, str], what: str, demo: list[Any], real: list[Any],
                  out: set[Key]) -> None:
    if demo == real or (what == "picklist" and set(demo) == set(real)):
        return
    subset = set(demo) < set(real) or (not demo and bool(real))
    out.add((*key, f"{what} {'⊂' if subset else '≠'}"))


def differences(describes: dict[str, dict[str, Any]], version: float) -> set[Key]:
    real = real_objects()
    out: set[Key] = set()
    for name, obj in real.items():
        if obj.exists_at(version) and name not in describes:
            out.add((name, "", "object: missing"))
    for name, desc in describes.items():
        robj = real.get(name)
        if robj is None or robj.exists_at(version) is False:
            out.add((name, "", "object: demo only"))
            continue
        demo_fields = {f["name"]: f for f in desc["fields"]}
        required, allowed = robj.fields_at(version)
        out |= {(name, f, "field: missing") for f in required - demo_fields.keys()}
        out |= {(name, f, "field: demo only") for f in demo_fields.keys() - allowed}
        for fname, df in demo_fields.items():
            rf = robj.fields.get(fname)
            if rf is None or rf.stub_only:
                continue
            for attr in ATTRS:
                if attr in rf.attrs and df[attr] != rf.attrs[attr]:
                    out.add((name, fname, attr))
            _compare_list((name, fname), "referenceTo", df["referenceTo"],
                          rf.attrs.get("referenceTo", []), out)
            if "picklistValues" in rf.attrs or df["picklistValues"]:
                _compare_list((name, fname), "picklist",
                              [v["value"] for v in df["picklistValues"] if v["active"]],
                              rf.attrs.get("picklistValues", []), out)
        demo_children = {c["relationshipName"]: c for c in desc["childRelationships"]}
        for rel, dc in demo_children.items():
            rc = robj.children.get(rel)
            if rc is None or (rc["childSObject"], rc["field"]) != (dc["childSObject"],
                                                                   dc["field"]):
                out.add((name, rel, "child: demo only"))
        if version >= 56:
            for rel, rc in robj.children.items():
                child = describes.get(rc["childSObject"])
                if child is None or rel in demo_children:
                    continue
                if rc["field"] in {f["name"] for f in child["fields"]}:
                    out.add((name, rel, "child: missing"))
    return out


def _observed(org: DemoOrg) -> dict[Key, list[float]]:
    seen: dict[Key, list[float]] = {}
    for v in VERSIONS:
        for key in differences(demo_describes(org, v), v):
            seen.setdefault(key, []).append(v)
    return seen


@pytest.mark.parametrize("feed_history", [True, False], ids=["tracking-on", "no-feed-history"])
def test_demo_org_describes_match_real_orgs_but_for_listed_deviations(
        clock: ManualClock, feed_history: bool) -> None:
    observed = _observed(_org(clock, feed_history=feed_history))
    allowed = expected_deviations(feed_history)
    unexplained = {k: v for k, v in observed.items() if k not in allowed}
    stale = sorted(k for k in allowed if k not in observed)
    assert not unexplained, "differences from real describes with no listed reason: " + \
        "\n".join(f"{k} at {v}" for k, v in sorted(unexplained.items()))
    assert not stale, f"listed deviations that no longer occur: {stale}"


def test_every_deviation_has_a_reason() -> None:
    for key, reason in {**DEVIATIONS, **TRACKING_DEVIATIONS}.items():
        assert len(reason) > 20, key


def test_run_log_needs_a_permission_of_the_api_user(clock: ManualClock) -> None:
    """Without Manage Flow / View All Data the log is not in the describe at any version (as
    in two real 2023 orgs), nor the run's FlowOrchestrationLogs; with it, from v60 only."""
    s = demo_session(_org(clock, run_log_access=False))
    for v in VERSIONS:
        names = {o["name"] for o in _get(s, v, "sobjects/")["sobjects"]}
        assert "FlowOrchestrationLog" not in names
        run = _get(s, v, "sobjects/FlowOrchestrationInstance/describe")
        assert "FlowOrchestrationLogs" not in {c["relationshipName"]
                                               for c in run["childRelationships"]}
        r = s.get(f"{DEMO_ORIGIN}/services/data/v{v:.1f}/query",
                  params={"q": "SELECT Id FROM FlowOrchestrationLog"},
                  headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_TYPE"
    granted = demo_session(_org(clock))
    for v, present in ((59.0, False), (60.0, True)):
        names = {o["name"] for o in _get(granted, v, "sobjects/")["sobjects"]}
        assert ("FlowOrchestrationLog" in names) is present


def test_fields_table_in_docs_matches_the_fixtures() -> None:
    """docs/fields.md is generated from the fixtures; regenerate it when they change."""
    doc = Path(__file__).parents[2] / "docs" / "fields.md"
    assert doc.read_text(encoding="utf-8") == fields_table(), \
        "run: python -m tests.real_describes > docs/fields.md"


def test_fixtures_are_present() -> None:
    assert len(list(FIXTURES.glob("*.json"))) >= 17
    assert "FlowOrchestrationWorkItemShare" in real_objects()

