"""The Detail pane's texts and the presentation helpers: pure functions of the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowstage_tui.salesforce.models import FeedComment, FeedPost, HistoryEntry, LogEntry, StageDetails
from flowstage_tui.ui import present as P
from flowstage_tui.ui.widgets.detail import feed_text, history_text

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def log(kind: str, minutes: int, step: str | None = None) -> LogEntry:
    return LogEntry(f"log{minutes}", "run", kind, NOW - timedelta(minutes=minutes), "Stage",
                    step, "Ada", None, None, None)


def details(history: tuple[HistoryEntry, ...] | None = (),
            feed: tuple[FeedPost, ...] | None = (),
            entries: tuple[LogEntry, ...] = ()) -> StageDetails:
    return StageDetails("stage", "run", history, feed, entries)


def test_history_and_run_log_share_one_timeline_oldest_first() -> None:
    h = HistoryEntry("h1", "stage", "Status", "InProgress", "Error", NOW - timedelta(minutes=5),
                     "Ada")
    text = history_text(details(history=(h,), entries=(log("StartStage", 9),
                                                        log("FailStage", 1))),
                        None, NOW, relative=True).plain.splitlines()
    assert [line.split()[2] for line in text] == ["run", "history", "run"]
    assert "StartStage" in text[0] and "InProgress → Error" in text[1] and "FailStage" in text[2]


def test_an_org_without_tracking_says_so_once_and_shows_the_run_log() -> None:
    text = history_text(details(history=None, entries=(log("StartStep", 3, "Sign"),)), None,
                        NOW, relative=True).plain
    assert text.count("no History object") == 1 and "StartStep  Sign" in text


def test_no_tracking_and_no_run_log_points_to_the_steps_tab() -> None:
    text = history_text(details(history=None), None, NOW, relative=True).plain
    assert "no run-log milestones" in text and "Steps & work items" in text
    assert "Nothing recorded" not in text


def test_nothing_yet_and_nothing_selected_are_told_apart() -> None:
    assert "Nothing recorded for this stage yet" in history_text(details(), None, NOW,
                                                                 True).plain
    assert "Select a stage" in history_text(None, None, NOW, True).plain
    assert "Select a stage" in feed_text(None, NOW, True).plain


def test_feed_posts_show_author_place_body_and_comments_literally() -> None:
    post = FeedPost("p", "stage", "TextPost", None, "[b]not markup[/b]\x1b[31m", None, False,
                    "Ada", NOW - timedelta(hours=1),
                    (FeedComment("c", "looks <b>good</b>", True, "Lin", NOW - timedelta(minutes=10)),))
    text = feed_text(details(feed=(post,)), NOW, relative=True).plain
    assert "Ada  on this stage · TextPost" in text
    assert "[b]not markup[/b]" in text and "\x1b" not in text  # org text is data
    assert "↳ Lin" in text and "looks good" in text


def test_no_feed_object_is_said_not_shown_as_empty() -> None:
    assert "no Feed object" in feed_text(details(feed=None), NOW, True).plain
    assert "No posts" in feed_text(details(feed=()), NOW, True).plain


def test_spans_and_glyphs() -> None:
    assert [P.short_span(s) for s in (0, 59, 61, 3600 * 5 + 60, 86400 * 13 + 3600 * 5)] == \
        ["0s", "59s", "1m", "5h01m", "13d05h"]
    assert P.short_span(None) == ""
    assert P.glyph("Error") != P.glyph("Completed") and P.glyph("NewStatus")
    shown = P.one_line("a\nb\tc\x1b")  # one line; a control character shown, not obeyed
    assert "\n" not in shown and "\x1b" not in shown and shown.startswith("a b")
    assert P.bar(5, 10, 10).count("█") == 5 and P.bar(10, 10, 10).count("█") == 10


def test_the_resume_window_counts_from_the_failure_not_the_last_change() -> None:
    """The run was touched an hour ago (modified); it failed 13 days ago: one day is left."""
    from flowstage_tui.engine.state import Snapshot
    from flowstage_tui.salesforce.models import Run, RunStatus
    from flowstage_tui.ui.widgets.detail import error_text

    run = Run("run", "OR-1", RunStatus.ERROR, "O", "O", "S", NOW - timedelta(days=14),
              NOW - timedelta(hours=1), NOW - timedelta(hours=1), 60, None)
    failed = StageDetails("stage", "run", (), (), (), failed_at=NOW - timedelta(days=13))
    text = error_text(run, Snapshot.empty(), NOW, failed).plain
    assert "Resume window: 24h00m left of 14 days (closes 2026-11-29 09:00" in text
    assert "loading" in error_text(run, Snapshot.empty(), NOW).plain
    other = StageDetails("stage", "another run", (), (), (), failed_at=NOW)
    assert "loading" in error_text(run, Snapshot.empty(), NOW, other).plain
    no_row = StageDetails("stage", "run", (), (), ())
    assert "no FailInstance row" in error_text(run, Snapshot.empty(), NOW, no_row).plain
    closed = StageDetails("stage", "run", (), (), (), failed_at=NOW - timedelta(days=15))
    assert "can no longer be resumed" in error_text(run, Snapshot.empty(), NOW, closed).plain
