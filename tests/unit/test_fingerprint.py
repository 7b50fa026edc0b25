"""The failure fingerprint: what is normalised away, what is kept, and the properties that make
clusters right (same error with other Ids/values → one fingerprint; other code → another)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowstage_tui.emulator.demo_data import ERROR_TEXTS, LOCK_TEXT
from flowstage_tui.salesforce.fingerprint import error_codes, fingerprint, normalise


@pytest.mark.parametrize(("text", "expected"), [
    ("UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or 1 records: "
     "0Q0RM0000004CQT.",
     "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or <n> records: "
     "<id>."),
    ("first error on 0015g00000XyZabAAB", "first error on <id>"),
    ("run OR-0000123 and INV-00042 failed", "run <name> and <name> failed"),
    ("Amount 1,250.50 exceeds 40%", "Amount <n> exceeds <n>%"),
    ("at 2026-11-28T09:00:00.000Z, then 2026-11-28 09:00:00", "at <time>, then <time>"),
    ("on 11/28/2026 9:00 AM and Nov 28, 2026 9:00 AM", "on <time> and <time>"),
    ("Sat Nov 28 09:00:00 GMT 2026 and 28 Nov 2026", "<time> and <time>"),
    ("for 'Acme Corp' and \"Tax ID\" and “Zoë”", "for <value> and <value> and <value>"),
    ("mail ada@example.com or see https://erp.example.com/api?x=1", "mail <email> or see <url>"),
    ("line one\n\n  line   two\t", "line one line two"),
])
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_words_and_codes_are_kept() -> None:
    """15-letter words are words, apostrophes are no quotes, codes and field names stay."""
    text = ("REQUIRED_FIELD_MISSING: troubleshooting didn't help; the record's [Tax_ID__c] "
            "field. System.NullPointerException")
    assert normalise(text) == text
    assert error_codes(text) == ("REQUIRED_FIELD_MISSING", "System.NullPointerException")


def test_demo_lock_texts_differ_only_in_ids() -> None:
    """The demo org's deploy cluster: its texts name different Accounts, one fingerprint."""
    a = fingerprint(LOCK_TEXT.format(record="001RM0000abcDEF"), "O", "S", "Create")
    b = fingerprint(LOCK_TEXT.format(record="001RM0000zyx987"), "O", "S", "Create")
    assert a == b and len(a) == 12


def test_demo_texts_stay_apart() -> None:
    prints = {fingerprint(t, "O", "S", "Step") for t in ERROR_TEXTS}
    assert len(prints) == len(ERROR_TEXTS)


def test_place_is_part_of_the_fingerprint() -> None:
    text = ERROR_TEXTS[2]
    base = fingerprint(text, "O", "S", "Step")
    assert base != fingerprint(text, "P", "S", "Step")
    assert base != fingerprint(text, "O", "T", "Step")
    assert base != fingerprint(text, "O", "S", "Other")
    assert fingerprint(None, "O", "S", "Step") != fingerprint("", "O", "S", "Step")


# ------------------------------------------------------------------ properties
ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ids = st.tuples(st.sampled_from(["001", "0jE", "005", "a0B", "0Q0"]),
                st.text(ID_CHARS, min_size=12, max_size=12),
                st.sampled_from(["", "AAB", "QA2"])).map(lambda t: "".join(t))
numbers = st.integers(min_value=0, max_value=10**9).map(str)
values = st.text(st.characters(blacklist_characters="'\n\"", blacklist_categories=["Cs"]),
                 max_size=30)
names = st.tuples(st.sampled_from(["OR", "INV", "CASE"]),
                  st.integers(0, 9_999_999)).map(lambda t: f"{t[0]}-{t[1]:07d}")
codes = st.from_regex(r"\A[A-Z]{2,8}(_[A-Z]{2,8}){1,3}\Z")
TEMPLATE = ("{code}: first error on row {n} with id {id} for '{value}' ({name}) at "
            "2026-11-{day:02d}T0{hour}:00:00Z")


def _text(code: str, n: str, rid: str, value: str, name: str, day: int, hour: int) -> str:
    return TEMPLATE.format(code=code, n=n, id=rid, value=value, name=name, day=day, hour=hour)


@settings(max_examples=200, deadline=None)
@given(codes, numbers, numbers, ids, ids, values, values, names, names,
       st.integers(1, 28), st.integers(1, 28), st.integers(0, 9), st.integers(0, 9))
def test_same_error_other_parts_same_fingerprint(code: str, n1: str, n2: str, id1: str,
                                                 id2: str, v1: str, v2: str, name1: str,
                                                 name2: str, d1: int, d2: int, h1: int,
                                                 h2: int) -> None:
    a = _text(code, n1, id1, v1, name1, d1, h1)
    b = _text(code, n2, id2, v2, name2, d2, h2)
    assert normalise(a) == normalise(b)
    assert fingerprint(a, "Orch", "Stage", "Step") == fingerprint(b, "Orch", "Stage", "Step")


@settings(max_examples=200, deadline=None)
@given(codes, codes, numbers, ids, values)
def test_other_code_other_fingerprint(c1: str, c2: str, n: str, rid: str, value: str) -> None:
    a = _text(c1, n, rid, value, "OR-0000001", 1, 1)
    b = _text(c2, n, rid, value, "OR-0000001", 1, 1)
    assert (fingerprint(a, "O", "S", "T") == fingerprint(b, "O", "S", "T")) == (c1 == c2)
    assert error_codes(a)[0] == c1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(codes, ids, numbers, names, values,
                          st.sampled_from(["records:", "at", "\n", "’s", "didn't"])),
                max_size=12))
def test_normalise_is_idempotent_on_error_like_text(parts: list[str]) -> None:
    once = normalise(" ".join(parts))
    assert normalise(once) == once
