"""Property tests: the one literal-escaping function against the demo org's SOQL lexer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowstage_tui.emulator.soql_exec import like_regex
from flowstage_tui.emulator.soql_parse import Compare, parse, tokenize
from flowstage_tui.salesforce.soql import quote, quote_like

# Everything a user could type or paste, quotes, backslashes and control characters included.
anything = st.text(alphabet=st.characters(codec="utf-8", blacklist_categories=["Cs"]),
                   max_size=60)


@given(anything)
@settings(max_examples=400)
def test_quoted_string_round_trips_as_one_literal(value: str) -> None:
    tokens = tokenize(quote(value))
    assert [t.kind for t in tokens] == ["string", "eof"]
    assert tokens[0].value == value


@given(anything)
@settings(max_examples=300)
def test_quoted_value_cannot_change_the_query_structure(value: str) -> None:
    query = parse(f"SELECT Id FROM FlowOrchestrationInstance WHERE Name = {quote(value)} "
                  "AND Status = 'Error' LIMIT 5")
    assert query.limit == 5
    assert query.where is not None and len(query.where.items) == 2  # type: ignore[union-attr]
    first = query.where.items[0]  # type: ignore[union-attr]
    assert isinstance(first, Compare) and first.values[0].value == value


@given(anything)
@settings(max_examples=300)
def test_like_pattern_matches_only_the_literal_value(value: str) -> None:
    token = tokenize(quote_like(value))[0]
    rx = like_regex(token.text[1:-1])
    assert rx.fullmatch(value)
    assert not rx.fullmatch(value + "x")


# An independent oracle: what Salesforce documents for LIKE ("%" any run of characters, "_"
# exactly one, a backslash escapes either; string literals escape quote and backslash with a
# backslash; matching ignores case), written out by hand for the text a user searches for.
LITERALS = [
    ("0000_93", r"'0000\_93'"),
    ("50%", r"'50\%'"),
    ("a\\b", r"'a\\b'"),
    ("\\_", r"'\\\_'"),
    ("\\%", r"'\\\%'"),
    ("O'Brien", r"'O\'Brien'"),
    ("%_", r"'\%\_'"),
]


@pytest.mark.parametrize(("text", "literal"), LITERALS)
def test_like_literal_escapes_what_salesforce_documents(text: str, literal: str) -> None:
    assert quote_like(text) == literal


CONTAINS = [  # (what the user searches for, a run name, does it match)
    ("0000_93", "OR-0000_93", True),
    ("0000_93", "OR-0000293", False),
    ("0000_93", "OR-0000193", False),
    ("50%", "50% done", True),
    ("50%", "500 done", False),
    ("50%", "50 done", False),
    ("a\\b", "x a\\b y", True),
    ("a\\b", "ab", False),
    ("\\_", "x\\_y", True),
    ("\\_", "x\\ay", False),
    ("\\%", "x\\%y", True),
    ("\\%", "x\\abcy", False),
    ("%_", "100%_x", True),
    ("%_", "100ab", False),
    ("O'Brien", "Mrs O'Brien", True),
    ("\\", "C:\\temp", True),  # a trailing backslash: '%\\%' is backslash, then the wildcard
    ("\\", "C:temp", False),
    ("\\", "50% done", False),
    ("C:\\", "C:\\temp", True),
    ("or-0000293", "OR-0000293", True),
]


@pytest.mark.parametrize(("text", "name", "matches"), CONTAINS)
def test_contains_search_matches_by_salesforce_like_rules(text: str, name: str,
                                                           matches: bool) -> None:
    """The pattern the runs filter sends, `'%<text>%'`, evaluated as the demo org's LIKE."""
    pattern = tokenize(f"'%{quote_like(text)[1:-1]}%'")[0].text[1:-1]
    assert bool(like_regex(pattern).fullmatch(name)) is matches
