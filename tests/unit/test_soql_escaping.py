"""Property tests: the one literal-escaping function against the demo org's SOQL lexer."""

from __future__ import annotations

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
    rx = like_regex(token.value)
    assert rx.fullmatch(value)
    assert not rx.fullmatch(value + "x")
