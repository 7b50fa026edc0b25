"""The assignee picker's "Now held by": each holder once, with how many items it holds."""

from __future__ import annotations

from rich.text import Text

from flowstage_tui.ui.screens.write_dialogs import grouped_holders


def plain(lines: list[Text]) -> list[str]:
    return [line.plain for line in lines]


def test_one_holder_of_many_items_is_said_once_with_its_count() -> None:
    tim = Text("Tim O'Brien ⚠ frozen")
    assert plain(grouped_holders([tim, tim.copy(), tim.copy()])) == ["Tim O'Brien ⚠ frozen (3)"]


def test_holders_keep_their_first_order_and_a_lone_item_has_no_count() -> None:
    lines = [Text("Ada"), Text("Tim"), Text("Ada")]
    assert plain(grouped_holders(lines)) == ["Ada (2)", "Tim"]


def test_past_the_cap_the_rest_are_counted() -> None:
    lines = [Text(f"User {i}") for i in range(7)]
    assert plain(grouped_holders(lines, cap=4)) == ["User 0", "User 1", "User 2", "User 3",
                                                    "+3 more"]


def test_the_holders_style_is_kept_and_the_input_untouched() -> None:
    tim = Text("Tim", style="red")
    (shown,) = grouped_holders([tim, tim])
    assert shown.style == "red" and tim.plain == "Tim"
