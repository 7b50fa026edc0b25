"""Salesforce Id checksums and minting."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flowstage_tui.emulator.ids import BASE62, IdMinter, checksum, looks_like_id, normalise, to18


def test_known_15_to_18_character_conversions() -> None:
    # Published worked examples of the 15 -> 18 conversion, each re-derived by hand: split in
    # three 5-character chunks, bit i of a chunk set when its i-th character is A-Z, the
    # value picks from "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".
    assert to18("0019000000B98de") == "0019000000B98deAAB"  # 00000 00000 00001
    assert to18("a0D30000001n7Pi") == "a0D30000001n7PiEAI"  # bits 2 / none / 3: 4, 0, 8
    # The emulator's own run-Id prefix: 0jERM -> E, R, M at bits 2-4 = 28 = '2';
    # 00000 -> 'A'; 04CQT -> C, Q, T at bits 2-4 = '2'.
    assert to18("0jERM0000004CQT") == "0jERM0000004CQT2A2"
    assert checksum("001000000000000") == "AAA"
    assert checksum("AAAAAAAAAAAAAAA") == "555"
    assert checksum("A0000B0000C0000") == "BBB"
    assert checksum("0000A0000B0000C") == "QQQ"  # the last character is bit 4: 16 = 'Q'


def test_minted_ids_are_valid_and_unique() -> None:
    m = IdMinter()
    seen = {m.mint("0jE") for _ in range(20_000)}
    assert len(seen) == 20_000
    assert all(looks_like_id(i) and i.startswith("0jERM0") for i in seen)


@given(st.text(alphabet=BASE62, min_size=15, max_size=15))
def test_any_15_char_id_normalises_to_its_18_char_form(id15: str) -> None:
    full = to18(id15)
    assert len(full) == 18 and full[:15] == id15
    assert normalise(id15) == full
    assert normalise(full.lower()) == full  # 18-character Ids are case-insensitive
    assert normalise(full.upper()) == full


def test_non_ids() -> None:
    assert normalise("abc") is None
    assert normalise("0jERM0000004CQT999") is None  # not a checksum character
    assert not looks_like_id("0jE RM0000004CQ")
