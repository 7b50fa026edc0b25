"""The demo org's SOQL engine: every construct and every error it promises."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock, ms_to_sf, sf_to_ms
from flowstage_tui.emulator.errors import ApiError
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.soql_exec import Context, run_query
from flowstage_tui.emulator.triage_data import STUCK_RUNS

RUN = "FlowOrchestrationInstance"


def q(org: DemoOrg, text: str, version: float = 66.0, all_rows: bool = False) -> Any:
    ctx = Context(org.schema, org.store, version, org.now_ms(), f"/services/data/v{version}")
    res = run_query(ctx, text, all_rows)
    if res.aggregate_records is not None:
        return res.aggregate_records
    return [res.serialize(r) for r in res.rows] if res.rows or not text.upper().startswith(
        "SELECT COUNT()") else res.total_size


def err(org: DemoOrg, text: str, version: float = 66.0) -> ApiError:
    with pytest.raises(ApiError) as info:
        q(org, text, version)
    return info.value


def runs(org: DemoOrg) -> list[dict[str, Any]]:
    return list(org.store.table(RUN).rows.values())


def test_case_insensitive_names_come_back_canonical(org: DemoOrg) -> None:
    rows = q(org, "select id, NAME, status from flowORCHESTRATIONinstance limit 1")
    assert list(rows[0]) == ["attributes", "Id", "Name", "Status"]
    assert rows[0]["attributes"]["type"] == RUN


def test_comparison_operators(org: DemoOrg) -> None:
    total = len(runs(org))
    errors = sum(r["Status"] == "Error" for r in runs(org))
    assert len(q(org, f"SELECT Id FROM {RUN} WHERE Status = 'error'")) == errors  # case-insens.
    assert len(q(org, f"SELECT Id FROM {RUN} WHERE Status != 'Error'")) == total - errors
    assert len(q(org, f"SELECT Id FROM {RUN} WHERE Status <> 'Error'")) == total - errors
    stages = q(org, "SELECT Position FROM FlowOrchestrationStageInstance WHERE Position >= 3 "
               "AND Position < 5")
    assert stages and {s["Position"] for s in stages} <= {3, 4}
    assert all(s["Position"] > 2 for s in q(
        org, "SELECT Position FROM FlowOrchestrationStageInstance WHERE Position > 2"))
    assert all(s["Position"] <= 1 for s in q(
        org, "SELECT Position FROM FlowOrchestrationStageInstance WHERE Position <= 1"))


def test_in_not_in_like_and_null(org: DemoOrg) -> None:
    some = q(org, f"SELECT Id FROM {RUN} WHERE Status IN ('Error', 'Canceled')")
    assert {r["Id"] for r in some} == {r["Id"] for r in runs(org)
                                       if r["Status"] in ("Error", "Canceled")}
    rest = q(org, f"SELECT Id FROM {RUN} WHERE Status NOT IN ('Error', 'Canceled')")
    assert len(some) + len(rest) == len(runs(org))
    like = q(org, f"SELECT OrchestrationLabel FROM {RUN} WHERE OrchestrationLabel LIKE '%onboard%'")
    assert like and all("onboard" in r["OrchestrationLabel"].lower() for r in like)
    under = q(org, f"SELECT Name FROM {RUN} WHERE Name LIKE 'OR-000000_'")
    assert {r["Name"] for r in under} == {f"OR-000000{i}" for i in range(1, 10)}
    lit = q(org, f"SELECT Id FROM {RUN} WHERE OrchestrationLabel LIKE '%\\_%'")
    assert lit == []  # \_ is a literal underscore; no label has one
    nulls = q(org, f"SELECT CurrentStage FROM {RUN} WHERE CurrentStage = null")
    assert nulls and all(r["CurrentStage"] is None for r in nulls)
    assert all(r["CurrentStage"] for r in q(org, f"SELECT CurrentStage FROM {RUN} "
                                             "WHERE CurrentStage != null"))


def test_and_or_not_and_mixing_rule(org: DemoOrg) -> None:
    a = q(org, f"SELECT Id FROM {RUN} WHERE (Status = 'Error' OR Status = 'Canceled') "
          "AND IsDebugRun = false")
    b = q(org, f"SELECT Id FROM {RUN} WHERE NOT Status = 'Completed'")
    assert a and b
    assert len(q(org, f"SELECT Id FROM {RUN} WHERE (NOT Status = 'Completed')")) == len(b)
    e = err(org, f"SELECT Id FROM {RUN} WHERE Status = 'Error' AND IsDebugRun = false OR "
            "Status = 'Canceled'")
    assert e.code == "MALFORMED_QUERY" and "unexpected token: OR" in e.message
    assert "ERROR at Row:1:Column:" in e.message


def test_literals_booleans_numbers_strings_and_escapes(org: DemoOrg) -> None:
    debug = q(org, f"SELECT IsDebugRun FROM {RUN} WHERE IsDebugRun = TRUE")
    org.store.ensure_all()
    expected = sum(1 for r in runs(org) if r["IsDebugRun"] is True)
    assert debug and len(debug) == expected
    assert all(r["IsDebugRun"] is True for r in debug)
    odd = runs(org)[0]
    odd["Name"] = "it's \\ \n"  # a quote, a backslash and a newline, decoded
    got = q(org, f"SELECT Id FROM {RUN} WHERE Name = 'it\\'s \\\\ \\n'")
    assert [r["Id"] for r in got] == [odd["Id"]]
    e = err(org, f"SELECT Id FROM {RUN} WHERE Name = \"x\"")
    assert e.code == "MALFORMED_QUERY"
    e = err(org, f"SELECT Id FROM {RUN} WHERE Name = 'bad \\q escape'")
    assert e.code == "MALFORMED_QUERY"
    e = err(org, "SELECT Id FROM FlowOrchestrationStageInstance WHERE Position = '3'")
    assert e.code == "INVALID_FIELD" and "must be of type integer" in e.message


def test_datetime_and_date_literals(org: DemoOrg) -> None:
    now = org.now_ms()
    cut = now - 3 * 86_400_000
    lit = ms_to_sf(cut)[:19] + "Z"
    recent = q(org, f"SELECT CreatedDate FROM {RUN} WHERE CreatedDate > {lit}")
    assert recent and all(sf_to_ms(r["CreatedDate"]) > cut for r in recent)
    plus = q(org, f"SELECT Id FROM {RUN} WHERE CreatedDate > {ms_to_sf(cut)[:19]}+00:00")
    assert len(plus) == len(recent)
    e = err(org, f"SELECT Id FROM {RUN} WHERE CreatedDate > '{lit}'")
    assert e.code == "INVALID_FIELD" and "dateTime" in e.message
    e = err(org, f"SELECT Id FROM {RUN} WHERE CreatedDate > 2026-01-01")
    assert e.code == "INVALID_FIELD"


def utc(y: int, m: int, d: int) -> int:
    """Midnight UTC of a day, in epoch ms: the demo org's user is in GMT (en_US locale)."""
    return int(datetime(y, m, d, tzinfo=UTC).timestamp() * 1000)


# Every date literal the demo org knows, for two pinned moments, with both ends written by
# hand from Salesforce's SOQL reference ("Date Formats and Date Literals in WHERE"): ranges
# start at 00:00:00 in the user's zone (GMT here), weeks start on Sunday (en_US), the
# LAST_N_DAYS:n / LAST_90_DAYS ranges include today, NEXT_N_DAYS:n / NEXT_90_DAYS start
# tomorrow, the N_..._AGO ranges are one whole unit, and with the standard fiscal year the
# FISCAL literals are calendar quarters and years. End bounds are exclusive.
WED = "2026-03-04T15:30:00Z"  # a Wednesday; the week began on Sunday 1 March
NYE = "2026-12-31T23:30:00Z"  # a Thursday, half an hour before the year (and quarter) ends
DATE_LITERALS: list[tuple[str, str, int, int]] = [
    (WED, "YESTERDAY", utc(2026, 3, 3), utc(2026, 3, 4)),
    (WED, "TODAY", utc(2026, 3, 4), utc(2026, 3, 5)),
    (WED, "TOMORROW", utc(2026, 3, 5), utc(2026, 3, 6)),
    (WED, "LAST_WEEK", utc(2026, 2, 22), utc(2026, 3, 1)),
    (WED, "THIS_WEEK", utc(2026, 3, 1), utc(2026, 3, 8)),
    (WED, "NEXT_WEEK", utc(2026, 3, 8), utc(2026, 3, 15)),
    (WED, "LAST_MONTH", utc(2026, 2, 1), utc(2026, 3, 1)),
    (WED, "THIS_MONTH", utc(2026, 3, 1), utc(2026, 4, 1)),
    (WED, "NEXT_MONTH", utc(2026, 4, 1), utc(2026, 5, 1)),
    (WED, "LAST_90_DAYS", utc(2025, 12, 4), utc(2026, 3, 5)),  # 91 days with today
    (WED, "NEXT_90_DAYS", utc(2026, 3, 5), utc(2026, 6, 3)),
    (WED, "LAST_N_DAYS:1", utc(2026, 3, 3), utc(2026, 3, 5)),  # the doc: yesterday and today
    (WED, "LAST_N_DAYS:7", utc(2026, 2, 25), utc(2026, 3, 5)),
    (WED, "NEXT_N_DAYS:1", utc(2026, 3, 5), utc(2026, 3, 6)),  # the doc: = TOMORROW
    (WED, "NEXT_N_DAYS:7", utc(2026, 3, 5), utc(2026, 3, 12)),
    (WED, "N_DAYS_AGO:3", utc(2026, 3, 1), utc(2026, 3, 2)),
    (WED, "LAST_N_WEEKS:2", utc(2026, 2, 15), utc(2026, 3, 1)),
    (WED, "NEXT_N_WEEKS:2", utc(2026, 3, 8), utc(2026, 3, 22)),
    (WED, "N_WEEKS_AGO:2", utc(2026, 2, 15), utc(2026, 2, 22)),
    (WED, "LAST_N_MONTHS:3", utc(2025, 12, 1), utc(2026, 3, 1)),
    (WED, "NEXT_N_MONTHS:2", utc(2026, 4, 1), utc(2026, 6, 1)),
    (WED, "N_MONTHS_AGO:2", utc(2026, 1, 1), utc(2026, 2, 1)),
    (WED, "THIS_QUARTER", utc(2026, 1, 1), utc(2026, 4, 1)),
    (WED, "LAST_QUARTER", utc(2025, 10, 1), utc(2026, 1, 1)),
    (WED, "NEXT_QUARTER", utc(2026, 4, 1), utc(2026, 7, 1)),
    (WED, "LAST_N_QUARTERS:2", utc(2025, 7, 1), utc(2026, 1, 1)),
    (WED, "NEXT_N_QUARTERS:2", utc(2026, 4, 1), utc(2026, 10, 1)),
    (WED, "N_QUARTERS_AGO:2", utc(2025, 7, 1), utc(2025, 10, 1)),
    (WED, "THIS_YEAR", utc(2026, 1, 1), utc(2027, 1, 1)),
    (WED, "LAST_YEAR", utc(2025, 1, 1), utc(2026, 1, 1)),
    (WED, "NEXT_YEAR", utc(2027, 1, 1), utc(2028, 1, 1)),
    (WED, "LAST_N_YEARS:2", utc(2024, 1, 1), utc(2026, 1, 1)),
    (WED, "NEXT_N_YEARS:2", utc(2027, 1, 1), utc(2029, 1, 1)),
    (WED, "N_YEARS_AGO:2", utc(2024, 1, 1), utc(2025, 1, 1)),
    (WED, "THIS_FISCAL_QUARTER", utc(2026, 1, 1), utc(2026, 4, 1)),
    (WED, "LAST_FISCAL_QUARTER", utc(2025, 10, 1), utc(2026, 1, 1)),
    (WED, "NEXT_FISCAL_QUARTER", utc(2026, 4, 1), utc(2026, 7, 1)),
    (WED, "LAST_N_FISCAL_QUARTERS:2", utc(2025, 7, 1), utc(2026, 1, 1)),
    (WED, "NEXT_N_FISCAL_QUARTERS:2", utc(2026, 4, 1), utc(2026, 10, 1)),
    (WED, "N_FISCAL_QUARTERS_AGO:2", utc(2025, 7, 1), utc(2025, 10, 1)),
    (WED, "THIS_FISCAL_YEAR", utc(2026, 1, 1), utc(2027, 1, 1)),
    (WED, "LAST_FISCAL_YEAR", utc(2025, 1, 1), utc(2026, 1, 1)),
    (WED, "NEXT_FISCAL_YEAR", utc(2027, 1, 1), utc(2028, 1, 1)),
    (WED, "LAST_N_FISCAL_YEARS:2", utc(2024, 1, 1), utc(2026, 1, 1)),
    (WED, "NEXT_N_FISCAL_YEARS:2", utc(2027, 1, 1), utc(2029, 1, 1)),
    (WED, "N_FISCAL_YEARS_AGO:2", utc(2024, 1, 1), utc(2025, 1, 1)),
    (NYE, "YESTERDAY", utc(2026, 12, 30), utc(2026, 12, 31)),
    (NYE, "TODAY", utc(2026, 12, 31), utc(2027, 1, 1)),
    (NYE, "TOMORROW", utc(2027, 1, 1), utc(2027, 1, 2)),
    (NYE, "LAST_WEEK", utc(2026, 12, 20), utc(2026, 12, 27)),
    (NYE, "THIS_WEEK", utc(2026, 12, 27), utc(2027, 1, 3)),
    (NYE, "NEXT_WEEK", utc(2027, 1, 3), utc(2027, 1, 10)),
    (NYE, "LAST_MONTH", utc(2026, 11, 1), utc(2026, 12, 1)),
    (NYE, "THIS_MONTH", utc(2026, 12, 1), utc(2027, 1, 1)),
    (NYE, "NEXT_MONTH", utc(2027, 1, 1), utc(2027, 2, 1)),
    (NYE, "LAST_90_DAYS", utc(2026, 10, 2), utc(2027, 1, 1)),
    (NYE, "NEXT_90_DAYS", utc(2027, 1, 1), utc(2027, 4, 1)),
    (NYE, "LAST_N_DAYS:7", utc(2026, 12, 24), utc(2027, 1, 1)),
    (NYE, "NEXT_N_DAYS:7", utc(2027, 1, 1), utc(2027, 1, 8)),
    (NYE, "N_DAYS_AGO:3", utc(2026, 12, 28), utc(2026, 12, 29)),
    (NYE, "LAST_N_WEEKS:2", utc(2026, 12, 13), utc(2026, 12, 27)),
    (NYE, "NEXT_N_WEEKS:2", utc(2027, 1, 3), utc(2027, 1, 17)),
    (NYE, "N_WEEKS_AGO:2", utc(2026, 12, 13), utc(2026, 12, 20)),
    (NYE, "LAST_N_MONTHS:2", utc(2026, 10, 1), utc(2026, 12, 1)),
    (NYE, "NEXT_N_MONTHS:2", utc(2027, 1, 1), utc(2027, 3, 1)),
    (NYE, "N_MONTHS_AGO:2", utc(2026, 10, 1), utc(2026, 11, 1)),
    (NYE, "THIS_QUARTER", utc(2026, 10, 1), utc(2027, 1, 1)),
    (NYE, "LAST_QUARTER", utc(2026, 7, 1), utc(2026, 10, 1)),
    (NYE, "NEXT_QUARTER", utc(2027, 1, 1), utc(2027, 4, 1)),
    (NYE, "LAST_N_QUARTERS:2", utc(2026, 4, 1), utc(2026, 10, 1)),
    (NYE, "NEXT_N_QUARTERS:2", utc(2027, 1, 1), utc(2027, 7, 1)),
    (NYE, "N_QUARTERS_AGO:2", utc(2026, 4, 1), utc(2026, 7, 1)),
    (NYE, "THIS_YEAR", utc(2026, 1, 1), utc(2027, 1, 1)),
    (NYE, "LAST_YEAR", utc(2025, 1, 1), utc(2026, 1, 1)),
    (NYE, "NEXT_YEAR", utc(2027, 1, 1), utc(2028, 1, 1)),
    (NYE, "LAST_N_YEARS:2", utc(2024, 1, 1), utc(2026, 1, 1)),
    (NYE, "NEXT_N_YEARS:2", utc(2027, 1, 1), utc(2029, 1, 1)),
    (NYE, "N_YEARS_AGO:2", utc(2024, 1, 1), utc(2025, 1, 1)),
    (NYE, "THIS_FISCAL_YEAR", utc(2026, 1, 1), utc(2027, 1, 1)),
    (NYE, "NEXT_FISCAL_QUARTER", utc(2027, 1, 1), utc(2027, 4, 1)),
]


@pytest.mark.parametrize(("now", "literal", "start", "end"), DATE_LITERALS,
                         ids=[f"{now[:10]}-{lit}" for now, lit, _, _ in DATE_LITERALS])
def test_relative_date_literal_ranges_by_hand(now: str, literal: str, start: int,
                                              end: int) -> None:
    """Both ends of every literal, through SOQL: four runs stamped a millisecond either side
    of each end, and each comparison operator picks exactly the ones Salesforce would."""
    org = DemoOrg(seed=7, runs=12, clock=ManualClock(sf_to_ms(now) / 1000), frozen=True)
    stamps = {"before": start - 1, "first": start, "last": end - 1, "after": end}
    chosen = dict(zip(stamps, runs(org)[:4], strict=True))
    for key, rec in chosen.items():
        org.store.update(RUN, rec["Id"], {"CreatedDate": stamps[key]}, org.now_ms(),
                         org.admin_id)
    name_of = {rec["Id"]: key for key, rec in chosen.items()}
    in_list = ", ".join(f"'{i}'" for i in name_of)

    def picked(op: str) -> set[str]:
        rows = q(org, f"SELECT Id FROM {RUN} WHERE CreatedDate {op} {literal} "
                 f"AND Id IN ({in_list})")
        return {name_of[r["Id"]] for r in rows}

    assert picked("=") == {"first", "last"}
    assert picked("!=") == {"before", "after"}
    assert picked("<") == {"before"}  # before the range starts
    assert picked("<=") == {"before", "first", "last"}
    assert picked(">") == {"after"}  # after the range ends
    assert picked(">=") == {"first", "last", "after"}


def test_every_literal_the_demo_org_knows_is_in_the_hand_table() -> None:
    """A literal added to the emulator without a hand-computed row would go unchecked."""
    from flowstage_tui.emulator import dates

    now = sf_to_ms(WED)
    table = {lit.partition(":")[0] for _, lit, _, _ in DATE_LITERALS}
    candidates = {f"{w}_{u}" for w in ("LAST", "THIS", "NEXT") for u in (
        "WEEK", "MONTH", "QUARTER", "YEAR", "FISCAL_QUARTER", "FISCAL_YEAR", "90_DAYS")}
    candidates |= {f"{w}_N_{u}" for w in ("LAST", "NEXT") for u in (
        "DAYS", "WEEKS", "MONTHS", "QUARTERS", "YEARS", "FISCAL_QUARTERS", "FISCAL_YEARS")}
    candidates |= {f"N_{u}_AGO" for u in ("DAYS", "WEEKS", "MONTHS", "QUARTERS", "YEARS",
                                          "FISCAL_QUARTERS", "FISCAL_YEARS")}
    candidates |= {"YESTERDAY", "TODAY", "TOMORROW"}
    known = {c for c in candidates
             if dates.literal_range(c, None, now) or dates.literal_range(c, 2, now)}
    assert known == table
    assert dates.literal_range("NOT_A_LITERAL", None, now) is None
    e = err(DemoOrg(seed=7, runs=3, clock=ManualClock(now / 1000), frozen=True),
            f"SELECT Id FROM {RUN} WHERE CreatedDate = NEXT_FORTNIGHT")
    assert e.code == "MALFORMED_QUERY" and "NEXT_FORTNIGHT" in e.message


def test_order_by_keys_directions_and_nulls(org: DemoOrg) -> None:
    rows = q(org, f"SELECT Status, CreatedDate FROM {RUN} ORDER BY Status DESC, CreatedDate ASC")
    keys = [(r["Status"], r["CreatedDate"]) for r in rows]
    assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)
    for a, b in itertools.pairwise(keys):
        if a[0] == b[0]:
            assert a[1] <= b[1]
    first = q(org, f"SELECT CurrentStage FROM {RUN} ORDER BY CurrentStage")
    assert first[0]["CurrentStage"] is None  # nulls first by default
    last = q(org, f"SELECT CurrentStage FROM {RUN} ORDER BY CurrentStage ASC NULLS LAST")
    assert last[-1]["CurrentStage"] is None and last[0]["CurrentStage"] is not None
    desc_first = q(org, f"SELECT CurrentStage FROM {RUN} ORDER BY CurrentStage DESC NULLS FIRST")
    assert desc_first[0]["CurrentStage"] is None
    parent = q(org, "SELECT OrchestrationInstance.Name FROM FlowOrchestrationStageInstance "
               "ORDER BY OrchestrationInstance.Name DESC LIMIT 5")
    names = [r["OrchestrationInstance"]["Name"] for r in parent]
    assert names == sorted(names, reverse=True)


def test_text_orders_and_compares_on_its_upper_cased_value(org: DemoOrg) -> None:
    """Salesforce's English-locale rule: text sorts case-insensitively by the upper-cased
    value, so `_` (0x5F) comes after the letters; `<` and `>` compare the same way, so a
    keyset page (`Label > 'X'`) continues where the sorted page stopped."""
    labels = ["EmployeeX", "employee_y", "EMPLOYEE_A", "Employeez"]
    rows = sorted(runs(org), key=lambda r: r["Id"])[:len(labels)]
    for row, label in zip(rows, labels, strict=True):
        row["OrchestrationLabel"] = label
    ids = ", ".join(f"'{r['Id']}'" for r in rows)
    got = [r["OrchestrationLabel"] for r in q(
        org, f"SELECT OrchestrationLabel FROM {RUN} WHERE Id IN ({ids}) "
        "ORDER BY OrchestrationLabel, Id")]
    assert got == ["EmployeeX", "Employeez", "EMPLOYEE_A", "employee_y"]
    after = [r["OrchestrationLabel"] for r in q(
        org, f"SELECT OrchestrationLabel FROM {RUN} WHERE Id IN ({ids}) AND "
        "OrchestrationLabel > 'employeez' ORDER BY OrchestrationLabel")]
    assert after == ["EMPLOYEE_A", "employee_y"]
    same = q(org, f"SELECT Id FROM {RUN} WHERE Id IN ({ids}) AND "
             "OrchestrationLabel = 'employeex'")
    assert len(same) == 1  # = still ignores case


def test_limit_offset(org: DemoOrg) -> None:
    all_rows = q(org, f"SELECT Id FROM {RUN} ORDER BY Name")
    page = q(org, f"SELECT Id FROM {RUN} ORDER BY Name LIMIT 10 OFFSET 20")
    assert [r["Id"] for r in page] == [r["Id"] for r in all_rows[20:30]]
    e = err(org, f"SELECT Id FROM {RUN} LIMIT 5 OFFSET 2001")
    assert e.code == "NUMBER_OUTSIDE_VALID_RANGE"


def test_count_and_aggregates(org: DemoOrg) -> None:
    assert q(org, f"SELECT COUNT() FROM {RUN}") == 300 + STUCK_RUNS
    assert q(org, f"SELECT COUNT() FROM {RUN} WHERE Status = 'Error'") == sum(
        r["Status"] == "Error" for r in runs(org))
    agg = q(org, "SELECT COUNT(Id), MIN(Position), MAX(Position), SUM(Position), "
            "AVG(Position), COUNT_DISTINCT(Name) FROM FlowOrchestrationStageInstance")
    rec = agg[0]
    assert rec["attributes"] == {"type": "AggregateResult"}
    assert rec["expr1"] == 1 and rec["expr2"] <= 7 and rec["expr0"] > 300
    grouped = q(org, f"SELECT OrchestrationDeveloperName, COUNT(Id) total FROM {RUN} "
                "GROUP BY OrchestrationDeveloperName ORDER BY COUNT(Id) DESC")
    totals = [g["total"] for g in grouped]
    assert totals == sorted(totals, reverse=True) and sum(totals) == 300 + STUCK_RUNS
    e = err(org, f"SELECT Name, COUNT(Id) FROM {RUN} GROUP BY Status")
    assert e.code == "MALFORMED_QUERY" and "grouped or aggregated" in e.message
    e = err(org, f"SELECT COUNT() FROM {RUN} ORDER BY Name")
    assert e.code == "MALFORMED_QUERY"


def test_parent_paths_five_levels_and_null_lookups(org: DemoOrg) -> None:
    rows = q(org, "SELECT StageInstance.OrchestrationInstance.Interview.Owner.Name "
             "FROM FlowOrchestrationStepInstance LIMIT 1")
    nested = rows[0]["StageInstance"]["OrchestrationInstance"]["Interview"]["Owner"]
    assert nested["attributes"]["type"] == "User" and nested["Name"] == "Automated Process"
    e = err(org, "SELECT StageInstance.OrchestrationInstance.Interview.Owner.CreatedBy."
            "CreatedBy.Name FROM FlowOrchestrationStepInstance")
    assert e.code == "MALFORMED_QUERY"
    nulls = q(org, "SELECT Id, StepInstance.Name FROM FlowOrchestrationWorkItem LIMIT 1")
    assert "StepInstance" in nulls[0]
    where = q(org, "SELECT Id FROM FlowOrchestrationWorkItem WHERE "
              "StepInstance.OrchestrationInstance.Status = 'Error'")
    org.store.ensure_all()
    status = {r["Id"]: r["Status"] for r in runs(org)}
    steps = {s["Id"]: s["OrchestrationInstanceId"]
             for s in org.store.table("FlowOrchestrationStepInstance").rows.values()}
    expected = {w["Id"] for w in org.store.table("FlowOrchestrationWorkItem").rows.values()
                if status.get(steps.get(w["StepInstanceId"], "")) == "Error"}
    assert expected and {r["Id"] for r in where} == expected


def test_polymorphic_name_fields(org: DemoOrg) -> None:
    rows = q(org, "SELECT Assignee.Name, Assignee.Type, Assignee.IsActive FROM "
             "FlowOrchestrationWorkItem")
    # one work item is held by a deleted group (triage_data): its Assignee is null
    types = {r["Assignee"]["Type"] if r["Assignee"] else None for r in rows}
    assert types == {"User", "Queue", None}
    e = err(org, "SELECT Assignee.Username__c FROM FlowOrchestrationWorkItem")
    assert e.code == "INVALID_FIELD"


def test_child_subqueries(org: DemoOrg) -> None:
    rows = q(org, f"SELECT Name, (SELECT Kind FROM FlowOrchestrationLogs ORDER BY Timestamp "
             f"LIMIT 1), (SELECT Id FROM Shares) FROM {RUN} LIMIT 3")
    for r in rows:
        assert r["FlowOrchestrationLogs"]["records"][0]["Kind"] == "StartInstance"
        assert r["Shares"]["totalSize"] == 1
    none = q(org, f"SELECT Name, (SELECT Id FROM FlowOrchestrationWorkItems WHERE Status = "
             f"'Nope') FROM {RUN} LIMIT 1")
    assert none[0]["FlowOrchestrationWorkItems"] is None
    e = err(org, f"SELECT Name, (SELECT Id FROM Nothings) FROM {RUN}")
    assert e.code == "INVALID_TYPE" and "Didn't understand relationship 'Nothings'" in e.message


def test_semi_join(org: DemoOrg) -> None:
    rows = q(org, f"SELECT Id FROM {RUN} WHERE Id IN (SELECT OrchestrationInstanceId FROM "
             "FlowOrchestrationStageInstance WHERE Status = 'Error')")
    assert {r["Id"] for r in rows} == {r["Id"] for r in runs(org) if r["Status"] == "Error"}


def test_invalid_field_snippet_format(org: DemoOrg) -> None:
    e = err(org, f"SELECT Id, Label FROM {RUN}")
    assert e.code == "INVALID_FIELD"
    assert e.message == (
        f"\nSELECT Id, Label FROM {RUN}\n           ^\nERROR at Row:1:Column:12\n"
        f"No such column 'Label' on entity '{RUN}'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference your "
        "WSDL or the describe call for the appropriate names.")
    multi = err(org, f"SELECT Id\nFROM {RUN}\nWHERE Bogus = 1")
    assert "ERROR at Row:3:Column:7" in multi.message


def test_other_errors(org: DemoOrg) -> None:
    assert err(org, "SELECT Id FROM Missing__c").code == "INVALID_TYPE"
    e = err(org, f"SELECT Id FROM {RUN} WHERE Id = 'abc'")
    assert (e.code, e.message.rsplit("\n", 1)[1]) == ("INVALID_QUERY_FILTER_OPERATOR",
                                                      "invalid ID field: abc")
    e = err(org, f"SELECT Id FROM {RUN} WHERE Id LIKE '0jE%'")
    assert e.code == "INVALID_QUERY_FILTER_OPERATOR"
    e = err(org, "SELECT Id FROM FlowInterview WHERE Error = 'x'")
    assert e.code == "INVALID_FIELD" and "can not be filtered" in e.message
    e = err(org, "SELECT Id FROM FlowOrchestrationInstanceHistory ORDER BY NewValue")
    assert e.code == "INVALID_FIELD" and "can not be sorted" in e.message
    e = err(org, f"SELECT Id, Id FROM {RUN}")
    assert e.code == "MALFORMED_QUERY" and "duplicate field selected" in e.message
    assert err(org, f"SELECT FROM {RUN}").code == "MALFORMED_QUERY"
    assert err(org, f"SELECT Id FROM {RUN} WHERE").code == "MALFORMED_QUERY"


def test_ids_accept_15_and_18_characters(org: DemoOrg) -> None:
    rid = runs(org)[0]["Id"]
    assert q(org, f"SELECT Id FROM {RUN} WHERE Id = '{rid[:15]}'")[0]["Id"] == rid
    assert q(org, f"SELECT Id FROM {RUN} WHERE Id = '{rid.lower()[:15]}'") == []  # case matters


def test_version_gating(org: DemoOrg) -> None:
    assert err(org, f"SELECT CurrentStage FROM {RUN}", version=61.0).code == "INVALID_FIELD"
    assert q(org, f"SELECT CurrentStage FROM {RUN} LIMIT 1", version=62.0)
    # real orgs: the run log from v60, Step Description from v63 and as a textarea only
    assert err(org, "SELECT Id FROM FlowOrchestrationLog", version=59.0).code == "INVALID_TYPE"
    assert q(org, "SELECT Id FROM FlowOrchestrationLog LIMIT 1", version=60.0)
    assert err(org, "SELECT Description FROM FlowOrchestrationStepInstance",
               version=62.0).code == "INVALID_FIELD"
    assert q(org, "SELECT Description FROM FlowOrchestrationStepInstance LIMIT 1", version=63.0)
    e = err(org, "SELECT Id FROM FlowOrchestrationStepInstance WHERE Description = null",
            version=63.0)
    assert "can not be filtered" in e.message
    for field in ("OrchestrationName", "IsDebugRun", "FlowType"):
        assert err(org, f"SELECT {field} FROM {RUN}", version=64.0).code == "INVALID_FIELD"
        assert q(org, f"SELECT {field} FROM {RUN} LIMIT 1", version=65.0)


def test_query_all_sees_deleted_rows(org: DemoOrg) -> None:
    org.write_all()
    feed = org.store.table("FlowOrchestrationInstanceFeed")
    victim = next(iter(feed.rows))
    org.store.delete("FlowOrchestrationInstanceFeed", victim, org.now_ms())
    text = f"SELECT Id, IsDeleted FROM FlowOrchestrationInstanceFeed WHERE Id = '{victim}'"
    assert q(org, text) == []
    assert q(org, text, all_rows=True)[0]["IsDeleted"] is True


def test_derived_duration_grows_for_open_runs(clock: ManualClock) -> None:
    org = DemoOrg(seed=3, runs=50, clock=clock, frozen=True)
    text = f"SELECT Id, Duration FROM {RUN} WHERE Status = 'InProgress' ORDER BY Id LIMIT 1"
    before = q(org, text)[0]["Duration"]
    clock.advance(120)
    assert q(org, text)[0]["Duration"] == before + 120


def test_keyset_comparison_on_ids(org: DemoOrg) -> None:
    ordered = q(org, f"SELECT Id FROM {RUN} ORDER BY Id")
    pivot = ordered[100]["Id"]
    below = q(org, f"SELECT Id FROM {RUN} WHERE Id < '{pivot}' ORDER BY Id")
    assert [r["Id"] for r in below] == [r["Id"] for r in ordered[:100]]


def test_object_names_that_look_like_keywords(org: DemoOrg) -> None:
    assert q(org, "SELECT Id, Name FROM Group WHERE Type = 'Queue'")
    assert q(org, "SELECT Name FROM Group g ORDER BY Name LIMIT 1")


def test_lookup_one_hop_away_narrows_without_changing_results(org: DemoOrg) -> None:
    run_ids = [r["Id"] for r in runs(org)[:20]]
    in_list = ", ".join(f"'{i}'" for i in run_ids)
    narrowed = q(org, "SELECT Id FROM FlowOrchestrationWorkItem WHERE "
                 f"StepInstance.OrchestrationInstanceId IN ({in_list})")
    # the same test inside an OR cannot use the index: a full scan must agree
    scanned = q(org, "SELECT Id FROM FlowOrchestrationWorkItem WHERE "
                f"(StepInstance.OrchestrationInstanceId IN ({in_list}) OR Id = null)")
    assert narrowed and {r["Id"] for r in narrowed} == {r["Id"] for r in scanned}
