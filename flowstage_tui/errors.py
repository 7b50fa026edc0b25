"""flowstage's user-facing errors: each carries one sentence saying what is wrong and what to do."""

from __future__ import annotations


class FlowstageError(Exception):
    """Base class. `str(err)` is the one-line message shown to the user."""

    exit_code = 1


class UsageError(FlowstageError):
    """Bad input on the command line or in a data file."""

    exit_code = 2


class ConfigError(FlowstageError):
    """The config file is malformed or names something that does not exist."""

    exit_code = 2


class AuthNeeded(FlowstageError):
    """The org rejected our session and no stored way to log in again worked."""

    def __init__(self, message: str = "The org rejected the session; log in again.",
                 command: str | None = None) -> None:
        super().__init__(message)
        self.command = command  # the exact command that fixes it, when we know one


class ApiLimitExceeded(FlowstageError):
    """The org's daily API allowance is used up (REQUEST_LIMIT_EXCEEDED)."""

    def __init__(self, message: str = "The org's daily API allowance is used up; polling "
                 "waits until it frees up.") -> None:
        super().__init__(message)


class NetworkDown(FlowstageError):
    """No answer from the org: connection refused, reset, timed out or garbled."""


class OrgUnavailable(FlowstageError):
    """The org answered with a server error (5xx)."""


class QueryRefused(FlowstageError):
    """The org refused a query; the SOQL and Salesforce's own message are kept for detail."""

    def __init__(self, message: str, *, soql: str | None = None, code: str | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message)
        self.soql = soql
        self.code = code
        self.detail = detail
