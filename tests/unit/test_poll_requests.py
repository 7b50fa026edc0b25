"""The API thread's queue: which requests survive a newer one, and in what order they run."""

from __future__ import annotations

from flowstage_tui.salesforce.queries import RunFilter
from flowstage_tui.ui.poller import Details, More, Poll, Request, SetFilter, prune

A, B = RunFilter(statuses=("Error",)), RunFilter(text="OR-1")


def kinds(pending: list[tuple[int, Request]]) -> list[Request]:
    return [r for _s, r in pending]


def test_only_the_newest_details_are_fetched() -> None:
    """The cursor passed three stages while a poll ran: only the one it stopped on."""
    out = prune([(1, Details("a")), (2, Details("b")), (3, Details("c"))])
    assert kinds(out) == [Details("c")]


def test_a_filter_change_supersedes_older_filters_polls_and_load_more() -> None:
    out = prune([(1, Poll()), (2, More()), (3, SetFilter(A)), (4, SetFilter(B))])
    assert kinds(out) == [SetFilter(B)]


def test_a_poll_after_the_filter_change_is_kept() -> None:
    out = prune([(1, SetFilter(A)), (2, Poll())])
    assert kinds(out) == [SetFilter(A), Poll()]


def test_what_the_user_asked_for_goes_before_a_background_poll() -> None:
    out = prune([(1, Poll()), (2, Details("s")), (3, More())])
    assert kinds(out) == [Details("s"), More(), Poll()]


def test_polls_merge_into_one_that_does_what_each_asked() -> None:
    out = prune([(1, Poll()), (2, Poll(manual=True)), (3, Poll(announce=True))])
    assert kinds(out) == [Poll(manual=True, announce=True)]
    assert kinds(prune([(1, Poll()), (2, Poll())])) == [Poll()]


def test_a_manual_poll_is_urgent() -> None:
    out = prune([(1, Details("s")), (2, Poll(manual=True))])
    assert kinds(out) == [Details("s"), Poll(manual=True)]  # both urgent: arrival order


def test_nothing_left_is_nothing_to_do() -> None:
    assert prune([]) == []
