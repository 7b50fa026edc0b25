"""The work filter's grammar (`assignee=… held>4h flag=inactive run=…`), its matching and its
refusals: one line naming the bad token and the grammar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowstage_tui.errors import FlowstageError
from flowstage_tui.salesforce.models import WorkItem, WorkItemStatus
from flowstage_tui.salesforce.work import Flag, People, Place, WorkRow, build_queue
from flowstage_tui.salesforce.work_filter import GRAMMAR, WorkFilter, parse_duration

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def row(name: str = "Tim O'Brien", hours: float = 5, active: bool = True,
        run_label: str = "Employee Onboarding") -> WorkRow:
    i = WorkItem(id="0jR1", step_id="0jL1", run_id="0jE1", label="Sign", status=WorkItemStatus(
        "Assigned"), assignee_id="005RM000000014DYAQ", assignee_name=name,
        assignee_type="User", assignee_active=active, created=NOW - timedelta(days=9),
        modified=NOW, modstamp=NOW, seconds_assigned=0,
        assigned_since=NOW - timedelta(hours=hours))
    q = build_queue([i], now=NOW, people=People(frozen={}, members={}),
                    places={"0jR1": Place("0jE1", "OR-0000302", run_label)})
    return q.rows[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("", WorkFilter()),
    ("assignee=Tim", WorkFilter(assignee="Tim")),
    ("assignee=Tim O'Brien held>4h", WorkFilter(assignee="Tim O'Brien",
                                                held_over=timedelta(hours=4))),
    ('assignee="Tim O\'Brien" run=OR-0000302', WorkFilter(assignee="Tim O'Brien",
                                                          run="OR-0000302")),
    ("held>4h held<2d", WorkFilter(held_over=timedelta(hours=4), held_under=timedelta(days=2))),
    ("flag=inactive,FROZEN", WorkFilter(flags=frozenset({Flag.INACTIVE, Flag.FROZEN}))),
    ("flag=no-active-member held>45s", WorkFilter(flags=frozenset({Flag.NO_ACTIVE_MEMBER}),
                                                  held_over=timedelta(seconds=45))),
    ("run=Employee Onboarding", WorkFilter(run="Employee Onboarding")),
])
def test_grammar(text: str, expected: WorkFilter) -> None:
    assert WorkFilter.parse(text) == expected


@pytest.mark.parametrize("text", [
    "assignee=Tim held>4h", "held<2d flag=frozen,inactive", 'assignee="Tim O\'Brien" run=OR-1',
    "flag=stuck run=Loan"])
def test_describe_reads_back(text: str) -> None:
    f = WorkFilter.parse(text)
    assert WorkFilter.parse(f.describe()) == f
    assert WorkFilter().describe() == "all open work items"


@pytest.mark.parametrize(("text", "token", "why"), [
    ("bogus=1", "bogus=1", "unknown word"),
    ("Tim", "Tim", "not a filter word"),
    ("held=4h", "held=4h", "write held>4h or held<2d"),
    ("assignee>Tim", "assignee>Tim", "only held takes > or <"),
    ("held>4x", "held>4x", "'4x' is not a duration"),
    ("held>", "held>", "the value is empty"),
    ("flag=sleepy", "flag=sleepy", "unknown flag 'sleepy'; use one of inactive, frozen"),
    ('assignee="Tim', 'assignee="Tim', "the quote is not closed"),
    ("flag=stuck flag=frozen", "flag=frozen", "flag is given twice"),
    ("held>4h held>5h", "held>5h", "held> is given twice"),
    ("held>99999999d", "held>99999999d", "more than 100 years"),
])
def test_bad_input_names_the_token_and_the_grammar(text: str, token: str, why: str) -> None:
    with pytest.raises(FlowstageError) as err:
        WorkFilter.parse(text)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(repr(token)) and why in message and message.endswith(GRAMMAR)


def test_a_value_too_long_is_refused() -> None:
    with pytest.raises(FlowstageError, match="at most 200"):
        WorkFilter.parse("run=" + "x" * 201)


def test_matches() -> None:
    r = row()
    assert WorkFilter().matches(r)
    assert WorkFilter.parse("assignee=o'brien").matches(r)
    assert WorkFilter.parse("assignee=005RM000000014D").matches(r)  # the 15-character Id
    assert not WorkFilter.parse("assignee=Ada").matches(r)
    assert WorkFilter.parse("held>4h").matches(r) and not WorkFilter.parse("held>5h").matches(r)
    assert WorkFilter.parse("held<6h").matches(r) and not WorkFilter.parse("held<5h").matches(r)
    assert WorkFilter.parse("run=onboarding").matches(r)
    assert WorkFilter.parse("run=OR-0000302").matches(r)
    assert not WorkFilter.parse("run=Loan").matches(r)
    inactive = row(active=False)
    assert WorkFilter.parse("flag=inactive").matches(inactive)
    assert WorkFilter.parse("flag=frozen,inactive").matches(inactive)
    assert not WorkFilter.parse("flag=frozen").matches(inactive)
    assert not WorkFilter.parse("flag=inactive").matches(r)


@pytest.mark.parametrize(("text", "seconds"), [("45s", 45), ("90m", 5400), ("4h", 14400),
                                               ("30d", 2592000), ("2w", 1209600), (" 4H ", 14400)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "4", "h", "-4h", "4 hours", "1.5h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration; write it like 45s"):
        parse_duration(text)
