"""The vocabulary the command line and the TUI share, kept below both: the run statuses, the
run filter's typed values, one CSV/JSON writer and the clock."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowstage_tui.clock import utc_clock
from flowstage_tui.export import RUN_COLUMNS, csv_text, json_text, run_record, save_runs
from flowstage_tui.salesforce.models import RUN_STATUSES, Run, RunStatus
from flowstage_tui.salesforce.queries import FilterError, RunFilter

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_the_statuses_people_type_are_the_run_status_picklist() -> None:
    assert RUN_STATUSES == ("InProgress", "Error", "Suspended", "NotStarted", "Completed",
                            "Discontinued", "Canceled")
    assert set(RUN_STATUSES) == {s.value for s in RunStatus}


def test_a_bad_value_names_its_field_and_keeps_what_was_typed() -> None:
    """The command line says `--since: ...`, the TUI `since: ...`; both from one reason. The
    TUI's message used to drop every "--" from it, the user's own `--5h` included."""
    with pytest.raises(FilterError) as caught:
        RunFilter.parse(since="--5h", now=NOW)
    assert caught.value.field == "since" and "'--5h' is not an age" in caught.value.reason
    with pytest.raises(ValueError, match=r"^since: '--5h' is not an age"):
        RunFilter.parse_line("since=--5h", NOW)
    with pytest.raises(ValueError, match=r"^status: unknown status 'Done'"):
        RunFilter.parse_line("status=Done", NOW)


def test_the_typed_values_and_the_words_give_the_same_filter() -> None:
    typed = RunFilter.parse(status="error, in progress", since="2h", orchestration="Loan",
                            text="OR-1", now=NOW)
    assert typed == RunFilter.parse_line('status="error, in progress" since=2h orch=Loan '
                                         "text=OR-1", NOW)
    assert typed.statuses == ("Error", "InProgress")
    assert typed.since == datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert RunFilter.parse(now=NOW) == RunFilter() == RunFilter.parse_line("", NOW)


def run(n: int, label: str | None) -> Run:
    return Run(id=f"0jERM00000000{n:02d}AAA", name=f"OR-00000{n:02d}", status=RunStatus.ERROR,
               orchestration="Loan_Approval", label=label, current_stage=None, created=NOW,
               modified=NOW, modstamp=NOW, duration=None, interview_id=None)


def test_the_tui_export_file_is_what_runs_format_csv_prints(tmp_path: Path) -> None:
    """One writer: the file `e` saves holds the bytes `flowstage runs --format csv` prints
    (the TUI's own writer ended its lines in \\r\\n)."""
    runs = [run(1, "Loan, \"Gold\""), run(2, None)]
    records = [run_record(r, "https://acme.my.salesforce.com") for r in runs]
    path = save_runs(runs, "https://acme.my.salesforce.com", tmp_path / "exports", "csv", NOW)
    assert path.name == "flowstage-runs-20261128-090000.csv"
    assert path.read_bytes() == csv_text(records).encode("utf-8")
    assert b"\r" not in path.read_bytes()
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert tuple(rows[0]) == RUN_COLUMNS and rows[0]["label"] == "Loan, \"Gold\""
    assert rows[1]["label"] == "" and rows[1]["duration_seconds"] == ""
    as_json = save_runs(runs, "https://acme.my.salesforce.com", tmp_path, "json", NOW)
    assert as_json.read_text(encoding="utf-8") == json_text(records)
    assert json.loads(as_json.read_text(encoding="utf-8"))[1]["label"] is None


def test_utc_clock_reads_posix_seconds_as_an_aware_utc_moment() -> None:
    seconds = [NOW.timestamp()]
    clock = utc_clock(lambda: seconds[0])
    assert clock() == NOW and clock().tzinfo is UTC
    seconds[0] += 90
    assert (clock() - NOW).total_seconds() == 90
