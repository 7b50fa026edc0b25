"""Salesforce-shaped API errors raised inside the demo org and turned into responses."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error Salesforce would return: HTTP status, errorCode, message (and fields)."""

    def __init__(self, status: int, code: str, message: str,
                 fields: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        err: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            err["fields"] = self.fields
        return [err]


def snippet(query: str, pos: int, text: str) -> str:
    """Salesforce's error snippet: the offending line, a caret, Row/Column, then the text."""
    before = query[:pos]
    row = before.count("\n") + 1
    line_start = before.rfind("\n") + 1
    line_end = query.find("\n", pos)
    line = query[line_start:] if line_end < 0 else query[line_start:line_end]
    col = pos - line_start + 1
    return f"\n{line}\n{' ' * (col - 1)}^\nERROR at Row:{row}:Column:{col}\n{text}"


def soql_error(code: str, query: str, pos: int, text: str) -> ApiError:
    return ApiError(400, code, snippet(query, pos, text))
