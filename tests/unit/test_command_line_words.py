"""Completion on the `:` line, the org tab bar's text and the help's rows: pure functions."""

from __future__ import annotations

from flowstage_tui.engine.state import HealthState
from flowstage_tui.ui.commands_registry import COMMANDS, complete
from flowstage_tui.ui.keys import KEY_ORDER, help_rows, triage_bindings
from flowstage_tui.ui.messages import OrgBadge
from flowstage_tui.ui.widgets.command_line import CommandLine
from flowstage_tui.ui.widgets.org_tabs import tabs_text


def test_command_names_complete_and_stop_where_they_differ() -> None:
    assert complete("ru", [], []) == "run"  # runs and run share "run"
    assert complete("err", [], []) == "errors "
    assert complete("op", [], []) == "open "
    assert complete("zz", [], []) == "zz"


def test_a_read_only_tab_completes_no_write_command() -> None:
    assert complete("canc", [], []) == "cancel "
    assert complete("nud", [], []) == "nudge "
    assert complete("canc", [], [], read_only=True) == "canc"
    assert complete("nud", [], [], read_only=True) == "nud"
    assert complete("ru", [], [], read_only=True) == "run"  # read commands still complete


def test_filter_keys_and_values_complete() -> None:
    assert complete("runs st", [], []) == "runs status="
    assert complete("runs status=Dis", [], []) == "runs status=Discontinued"
    assert complete("runs status=Error,in", [], []) == "runs status=Error,InProgress"
    assert complete("runs orch=Emp", ["Employee_Onboarding", "Case"], []) == \
        "runs orch=Employee_Onboarding"


def test_profiles_complete_for_profile_and_open() -> None:
    assert complete("profile u", [], ["prod", "uat"]) == "profile uat"
    assert complete("open p", [], ["prod", "uat"]) == "open prod"


def test_every_command_has_its_method_on_the_command_line() -> None:
    for spec in COMMANDS:
        assert callable(getattr(CommandLine, f"command_{spec.name}", None)), spec.name


def badge(label: str, state: HealthState = HealthState.LIVE, errors: int = 0,
          read_only: bool = True) -> OrgBadge:
    return OrgBadge(label, None, read_only, state, errors)


def test_the_tab_bar_names_each_org_its_mode_health_and_errors() -> None:
    text = tabs_text({"a": badge("PROD", errors=3),
                      "b": badge("UAT", HealthState.OFFLINE, read_only=False)}, "a", 80)
    assert text.plain.split() == ["1", "PROD", "RO", "✖3", "2", "UAT", "RW", "offline"]
    front = [s for s in text.spans if "reverse" in str(s.style)]
    assert len(front) == 1 and text.plain[front[0].start:front[0].end] == " PROD "


def test_a_tab_bar_too_wide_is_cut_tab_by_tab() -> None:
    badges = {str(n): badge(f"ORGANISATION-{n}", HealthState.REAUTH, 12) for n in range(4)}
    text = tabs_text(badges, "0", 60)
    assert text.cell_len <= 60 and text.plain.count("…") == 4


def test_help_lists_every_key_once_in_order() -> None:
    ids = [row[2] for row in help_rows({}) if not row[2].startswith("(")]
    assert len(ids) == len(set(ids))
    assert ids == [i for i in KEY_ORDER if i in ids]
    assert {b.id for b in triage_bindings()} <= set(KEY_ORDER)
    keys = {row[2]: row[0] for row in help_rows({"refresh": "ctrl+r"})}
    assert keys["refresh"] == "ctrl+r" and keys["org.next"] == "}"


def test_columns_complete_with_their_sign() -> None:
    assert complete("columns -to", [], []) == "columns -Took"
    assert complete("columns +Sta", [], []) == "columns +Sta"  # Stage or Started: stops
    assert complete("columns +Stag", [], []) == "columns +Stage"
    assert complete("columns al", [], []) == "columns all"
    assert complete("columns -al", [], []) == "columns -al"  # `all` takes no sign
