"""SOQL building. Every user-supplied value reaches a query through `quote` (DESIGN rule 7)."""

from __future__ import annotations

from datetime import UTC, datetime

_ESCAPES = {
    "\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
    "\b": "\\b", "\f": "\\f",
}
_TABLE = str.maketrans(_ESCAPES)


def quote(value: str) -> str:
    """A SOQL string literal that means exactly `value`, whatever it contains."""
    return "'" + value.translate(_TABLE) + "'"


def quote_like(value: str) -> str:
    """A LIKE pattern literal matching `value` literally (its % and _ are escaped)."""
    return quote(value).replace("%", "\\%").replace("_", "\\_")


def datetime_literal(when: datetime) -> str:
    """An unquoted SOQL datetime literal in UTC (naive datetimes are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{when.astimezone(UTC).microsecond // 1000:03d}Z"

